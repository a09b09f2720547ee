/** React glue for the till's rxjs observables. Runs in the renderer. */
import { liveQuery } from 'dexie';
import { Observable } from 'rxjs';
import { useCallback, useEffect, useRef, useState } from 'react';
import type { Messages } from '../sync/loyalty/i18n/messages.ts';
import { errorSentence } from './format.ts';
import { useMessages } from './i18n.tsx';
import type { ActionReport } from './panel-props.ts';

/** Wraps a Dexie liveQuery as an rxjs Observable: re-runs `fn` whenever the tables it read change. */
export function live<T>(fn: () => Promise<T>): Observable<T> {
  return new Observable<T>((sub) => {
    const s = liveQuery(fn).subscribe({ next: (v) => sub.next(v), error: (e: unknown) => sub.error(e) });
    return () => s.unsubscribe();
  });
}

export interface Observed<T> {
  value: T;
  error: string | null;
}

/**
 * The latest value of `source` (memoize it: a new Observable re-subscribes). Errors are kept as a sentence so the
 * screen can show them rather than go blank.
 */
export function useObservable<T>(source: Observable<T> | undefined, initial: T): Observed<T> {
  const [state, setState] = useState<Observed<T>>({ value: initial, error: null });
  useEffect(() => {
    if (!source) return undefined;
    const sub = source.subscribe({
      next: (value) => setState({ value, error: null }),
      error: (e: unknown) => setState((s) => ({ ...s, error: e instanceof Error ? e.message : String(e) })),
    });
    return () => sub.unsubscribe();
  }, [source]);
  return state;
}

/** The clock, ticking every `ms`: only for "age" texts, never to refresh data. */
export function useNow(ms = 1_000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(t);
  }, [ms]);
  return now;
}

/** A failed action as the cashier reads it: the one place a thrown error becomes the notice's sentence. */
export function failureReport(e: unknown, m?: Messages): ActionReport {
  return { notice: { tone: 'error', text: errorSentence(e, m) } };
}

export interface Action {
  /** An action is running: a second one is refused until it ends. */
  busy: boolean;
  /**
   * Runs `work` unless an action is already running (then resolves to false at once); a throw is reported as a
   * failure. Resolves to true once the work ran.
   */
  run: (work: () => Promise<void>) => Promise<boolean>;
  /** Reports an outcome to the cashier's screen. */
  report: (r: ActionReport) => void;
  /** Reports a failure (for work outside `run`, such as a quote recomputed in an effect). */
  fail: (e: unknown) => void;
}

/**
 * The busy / try / report pattern of an action panel. `report`, `fail` and `run` keep their identity across renders
 * (they call the latest `onReport`), so effects may depend on them.
 */
export function useAction(onReport: (r: ActionReport) => void): Action {
  const [busy, setBusy] = useState(false);
  const m = useMessages();
  // The ref refuses a second action at once (a double Enter), before the state re-renders.
  const running = useRef(false);
  const latest = useRef(onReport);
  useEffect(() => {
    latest.current = onReport;
  }, [onReport]);
  const report = useCallback((r: ActionReport) => latest.current(r), []);
  const fail = useCallback((e: unknown) => latest.current(failureReport(e, m)), [m]);
  const run = useCallback(
    async (work: () => Promise<void>) => {
      if (running.current) return false;
      running.current = true;
      setBusy(true);
      try {
        await work();
      } catch (e) {
        fail(e);
      } finally {
        running.current = false;
        setBusy(false);
      }
      return true;
    },
    [fail],
  );
  return { busy, run, report, fail };
}
