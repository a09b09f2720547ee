/**
 * One replicator per till: the windows of a till elect a leader with an exclusive Web Lock, and only the leader
 * runs the replicator. When the leader's window closes, the browser releases its lock and the next window in line
 * takes over. Runs in the renderer; under Node (tests) an in-process lock manager stands in.
 */
import { BehaviorSubject } from 'rxjs';
import type { Observable } from 'rxjs';

/** The part of the Web Locks API (`navigator.locks`) used here. */
export interface LockManagerLike {
  request(
    name: string,
    options: { mode: 'exclusive'; signal?: AbortSignal },
    callback: () => Promise<void>,
  ): Promise<unknown>;
}

/**
 * A lock manager for one JS realm: exclusive locks granted in request order, a waiting request abortable through
 * its signal. For Node tests and hosts without Web Locks; it does not span windows.
 */
export function inProcessLocks(): LockManagerLike {
  const queues = new Map<string, Array<() => void>>();
  const held = new Set<string>();
  const grantNext = (name: string): void => {
    const next = queues.get(name)?.shift();
    if (next) next();
    else held.delete(name);
  };
  return {
    request(name, options, callback) {
      return new Promise<void>((resolve, reject) => {
        const run = (): void => {
          callback().then(
            () => {
              grantNext(name);
              resolve();
            },
            (e: unknown) => {
              grantNext(name);
              reject(e instanceof Error ? e : new Error(String(e)));
            },
          );
        };
        if (!held.has(name)) {
          held.add(name);
          run();
          return;
        }
        const queue = queues.get(name) ?? [];
        queues.set(name, queue);
        queue.push(run);
        options.signal?.addEventListener('abort', () => {
          const i = queue.indexOf(run);
          if (i >= 0) {
            queue.splice(i, 1);
            reject(new DOMException('lock request aborted', 'AbortError'));
          }
        });
      });
    },
  };
}

let shared: LockManagerLike | undefined;

/** `navigator.locks` where the host has Web Locks, else one in-process manager shared by this realm. */
export function defaultLocks(): LockManagerLike {
  const nav = (globalThis as { navigator?: { locks?: LockManagerLike } }).navigator;
  if (nav?.locks) return nav.locks;
  shared ??= inProcessLocks();
  return shared;
}

/** What the leader runs; the returned function stops it (awaited before the lock is released). */
export type LeaderTask = () => Promise<() => Promise<void>>;

export interface Leadership {
  /** True while this holder is the leader. */
  readonly isLeader$: Observable<boolean>;
  readonly isLeader: boolean;
  /** Stops leading (running the task's stop) or stops waiting; resolves when the lock is released. */
  close(): Promise<void>;
}

/**
 * Waits for the exclusive lock `name` and runs `task` while holding it; the lock is held until `close()` (or until
 * the window goes away). Several holders of the same name: one leads, the others wait in line. If `task` throws, the
 * lock is released (the next window tries) and `onError` is told.
 */
export function electLeader(
  name: string,
  task: LeaderTask,
  locks: LockManagerLike = defaultLocks(),
  onError: (e: unknown) => void = () => undefined,
): Leadership {
  const isLeader$ = new BehaviorSubject<boolean>(false);
  const abort = new AbortController();
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let closed = false;

  const request = locks
    .request(name, { mode: 'exclusive', signal: abort.signal }, async () => {
      if (closed) return;
      const stop = await task();
      isLeader$.next(true);
      await released;
      isLeader$.next(false);
      await stop();
    })
    // An aborted wait (closed before leading) is the expected way out; a task that failed to start is reported.
    .catch((e: unknown) => {
      if (!(e instanceof DOMException && e.name === 'AbortError')) onError(e);
    });

  return {
    isLeader$: isLeader$.asObservable(),
    get isLeader() {
      return isLeader$.value;
    },
    async close() {
      closed = true;
      abort.abort();
      release();
      await request;
    },
  };
}
