/** React glue for the till's rxjs observables. Runs in the renderer. */
import { liveQuery } from 'dexie';
import { Observable } from 'rxjs';
import { useEffect, useState } from 'react';

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
