/** Reading the console API from a page: the answer, the refusal, and a reload; optionally polled. */
import { useCallback, useEffect, useRef, useState } from 'react';
import { ApiError, api } from './api.ts';
import { codeSentences } from './messages.ts';

export interface Loaded<T> {
  data: T | undefined;
  error: string | undefined;
  code: string | undefined;
  reload: () => void;
}

export function sentenceOf(err: unknown): { code: string; text: string } {
  if (err instanceof ApiError)
    return { code: err.code, text: codeSentences[err.code] + (err.detail ? ` (${err.detail})` : '') };
  return { code: 'INTERNAL', text: codeSentences.INTERNAL };
}

export function useApi<T>(path: string | null, pollMs?: number): Loaded<T> {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<{ code: string; text: string }>();
  const [tick, setTick] = useState(0);
  const reload = useCallback(() => setTick((n) => n + 1), []);
  const live = useRef(true);
  useEffect(() => {
    live.current = true;
    if (path === null) return;
    const load = () =>
      api.get<T>(path).then(
        (d) => {
          if (!live.current) return;
          setData(d);
          setError(undefined);
        },
        (e: unknown) => {
          if (live.current) setError(sentenceOf(e));
        },
      );
    void load();
    const timer = pollMs ? setInterval(() => void load(), pollMs) : undefined;
    return () => {
      live.current = false;
      clearInterval(timer);
    };
  }, [path, pollMs, tick]);
  return { data, error: error?.text, code: error?.code, reload };
}

/** Runs a console action: busy while it runs, its refusal as a sentence, its answer to `done`. */
export function useAction() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const run = useCallback(async <T>(fn: () => Promise<T>, done?: (r: T) => void) => {
    setBusy(true);
    setError(undefined);
    try {
      const r = await fn();
      done?.(r);
      return true;
    } catch (e) {
      setError(sentenceOf(e).text);
      return false;
    } finally {
      setBusy(false);
    }
  }, []);
  return { busy, error, run };
}
