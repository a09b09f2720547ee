/** Parent side of the simulated tills: forks worker processes, spreads tills over them, talks to them over IPC. */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { BenchTill } from './bench-db.ts';
import type { ParentMessage, WorkerInit, WorkerMessage, WorkerStats } from './swarm-worker.ts';

const workerFile = fileURLToPath(new URL('./swarm-worker.ts', import.meta.url));

export interface Swarm {
  /** Handshake times of the first connect, ms. */
  connectMs: number[];
  /** The slowest worker's time from its start to every till connected (and, in storm mode, pulled), ms. */
  readyMs: number;
  go(): void;
  /** Open loop: stops journaling and resolves when every till's outbox is empty; closed loop: stops pushing. */
  stop(): Promise<WorkerStats>;
  stats(): Promise<WorkerStats>;
  mark(): void;
  close(): Promise<void>;
}

export function mergeStats(all: readonly WorkerStats[]): WorkerStats {
  const out: WorkerStats = {
    acked: 0,
    pushes: 0,
    shed: 0,
    errors: 0,
    timeouts: 0,
    lastSeq: {},
    connectErrors: 0,
    connectErrorAt: [],
    pulledAt: [],
    handshakeMs: [],
  };
  for (const s of all) {
    out.acked += s.acked;
    out.pushes += s.pushes;
    out.shed += s.shed;
    out.errors += s.errors;
    out.timeouts += s.timeouts;
    out.connectErrors += s.connectErrors;
    out.connectErrorAt.push(...s.connectErrorAt);
    Object.assign(out.lastSeq, s.lastSeq);
    out.pulledAt.push(...s.pulledAt);
    out.handshakeMs.push(...s.handshakeMs);
  }
  return out;
}

function next<T extends WorkerMessage['type']>(
  child: ChildProcess,
  type: T,
): Promise<Extract<WorkerMessage, { type: T }>> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: WorkerMessage) => {
      if (m.type !== type) return;
      child.off('message', onMessage);
      child.off('exit', onExit);
      resolve(m as Extract<WorkerMessage, { type: T }>);
    };
    const onExit = (code: number | null) => reject(new Error(`swarm worker exited with ${code}`));
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

/** Starts `processes` workers sharing `tills` round robin and resolves once every till is connected. */
export async function startSwarm(
  tills: readonly BenchTill[],
  processes: number,
  config: Omit<WorkerInit, 'type' | 'tills'>,
): Promise<Swarm> {
  const children: ChildProcess[] = [];
  const ready: Promise<Extract<WorkerMessage, { type: 'ready' }>>[] = [];
  for (let p = 0; p < processes; p++) {
    const mine = tills.filter((_, i) => i % processes === p);
    if (mine.length === 0) continue;
    const child = fork(workerFile, [], {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    children.push(child);
    ready.push(next(child, 'ready'));
    child.send({ type: 'init', tills: mine, ...config } satisfies ParentMessage);
  }
  const readies = await Promise.all(ready);
  const connectMs = readies.flatMap((r) => r.connectMs);
  const readyMs = Math.max(...readies.map((r) => r.readyMs));
  const tell = (m: ParentMessage) => {
    for (const c of children) c.send(m);
  };
  let drained: Promise<WorkerStats> | undefined;
  return {
    connectMs,
    readyMs,
    go() {
      drained = Promise.all(children.map((c) => next(c, 'drained'))).then((ms) => mergeStats(ms.map((m) => m.stats)));
      tell({ type: 'go' });
    },
    stop() {
      tell({ type: 'stop' });
      return drained ?? Promise.resolve(mergeStats([]));
    },
    async stats() {
      const got = Promise.all(children.map((c) => next(c, 'stats')));
      tell({ type: 'stats' });
      return mergeStats((await got).map((m) => m.stats));
    },
    mark: () => tell({ type: 'mark' }),
    async close() {
      await Promise.all(
        children.map(
          (c) =>
            new Promise<void>((resolve) => {
              if (c.exitCode !== null) return resolve();
              c.once('exit', () => resolve());
              c.send({ type: 'exit' } satisfies ParentMessage);
            }),
        ),
      );
    },
  };
}
