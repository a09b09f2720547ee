/** Reading the console API from a page: the answer, the refusal (worded in the console's locale), and a reload; optionally polled. */
import { useCallback, useEffect, useRef, useState } from 'react';
import type { ConsoleErrorCode } from '../../sync/protocol/console-api.ts';
import { useMessages } from '../i18n.tsx';
import { ApiError, api } from './api.ts';
import { refusalSentence } from './i18n.ts';

export interface Loaded<T> {
  data: T | undefined;
  error: string | undefined;
  code: string | undefined;
  reload: () => void;
}

/** A refusal as the page keeps it: its code and the ledger's detail; worded when shown, in the locale of the moment. */
interface Refused {
  code: ConsoleErrorCode;
  detail: string | undefined;
}

function refusedOf(err: unknown): Refused {
  if (err instanceof ApiError) return { code: err.code, detail: err.detail };
  return { code: 'INTERNAL', detail: undefined };
}

export function useApi<T>(path: string | null, pollMs?: number): Loaded<T> {
  const [data, setData] = useState<T>();
  const m = useMessages();
  const [error, setError] = useState<Refused>();
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
          if (live.current) setError(refusedOf(e));
        },
      );
    void load();
    const timer = pollMs ? setInterval(() => void load(), pollMs) : undefined;
    return () => {
      live.current = false;
      clearInterval(timer);
    };
  }, [path, pollMs, tick]);
  return { data, error: error && refusalSentence(error.code, error.detail, m), code: error?.code, reload };
}

/** Runs a console action: busy while it runs, its refusal as a sentence, its answer to `done`. */
export function useAction() {
  const m = useMessages();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Refused>();
  const run = useCallback(async <T>(fn: () => Promise<T>, done?: (r: T) => void) => {
    setBusy(true);
    setError(undefined);
    try {
      const r = await fn();
      done?.(r);
      return true;
    } catch (e) {
      setError(refusedOf(e));
      return false;
    } finally {
      setBusy(false);
    }
  }, []);
  return { busy, error: error && refusalSentence(error.code, error.detail, m), run };
}
