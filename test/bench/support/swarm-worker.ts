/**
 * One process of simulated tills for the benchmarks (forked by swarm.ts): bare socket.io clients speaking the till
 * protocol, driven by the parent over IPC.
 *
 * - closed loop: each till pushes a batch of earns, waits for the ack, pushes the next (one batch in flight);
 * - open loop: each till journals earns at a fixed rate into an outbox (ops are made when first sent, so a long rush
 *   needs no memory per queued op) and pushes what is pending, one batch in flight, backing off by `retryAfterMs`;
 * - storm: tills only connect (with the till transport's randomized reconnection) and pull after every connect.
 */
import { io, type Socket } from 'socket.io-client';
import { v7 as uuidv7 } from 'uuid';
import type { Op } from '../../../sync/loyalty/ops.ts';
import type { Cents, MemberId, OpId, Points } from '../../../sync/loyalty/units.ts';
import { PROTOCOL_VERSION, type PullResponse, type PushResponse } from '../../../sync/protocol/messages.ts';
import type { BenchTill } from './bench-db.ts';

export interface WorkerInit {
  type: 'init';
  url: string;
  tills: BenchTill[];
  mode: 'closed' | 'open' | 'storm';
  /** Ops per push (closed loop), most ops per push (open loop). */
  batchOps: number;
  /** Open loop: ops journaled per second by each till. */
  opsPerSecPerTill?: number;
  /** Storm: socket.io reconnection settings, as the till transport sets them. */
  reconnect?: { delayMs: number; delayMaxMs: number; randomizationFactor: number };
}

export type ParentMessage =
  WorkerInit | { type: 'go' } | { type: 'stop' } | { type: 'stats' } | { type: 'mark' } | { type: 'exit' };

export interface WorkerStats {
  acked: number;
  pushes: number;
  shed: number;
  errors: number;
  timeouts: number;
  /** Per till: the ops it journaled (open loop) or sent (closed loop), i.e. the seq the ledger must reach. */
  lastSeq: Record<string, number>;
  /** Storm: connect errors since the last mark, pulls completed since it (times, epoch ms), handshake latencies. */
  connectErrors: number;
  /** Storm: when each connect error since the last mark happened (epoch ms). */
  connectErrorAt: number[];
  pulledAt: number[];
  handshakeMs: number[];
}

export type WorkerMessage =
  | { type: 'ready'; connectMs: number[]; readyMs: number }
  | { type: 'stats'; stats: WorkerStats }
  | { type: 'drained'; stats: WorkerStats };

type Sock = Socket;

const send = (m: WorkerMessage) => process.send?.(m);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function request<T>(socket: Sock, event: string, payload: unknown, timeoutMs: number): Promise<T> {
  return socket.timeout(timeoutMs).emitWithAck(event, payload) as Promise<T>;
}

function earn(t: BenchTill, seq: number, i: number): Op {
  const memberId = t.members[(seq * 7919 + i) % t.members.length] as MemberId;
  return {
    opId: uuidv7() as OpId,
    tillId: t.tillId,
    storeId: t.storeId,
    seq,
    memberId,
    at: Date.now(),
    programVersion: 1,
    kind: 'earn',
    lines: [{ amountCents: (500 + (seq % 50) * 100) as Cents, category: seq % 3 === 0 ? 'fresh' : 'general' }],
    quotedPoints: 0 as Points,
  };
}

let init: WorkerInit | undefined;
const sockets: Sock[] = [];
let running = false;
let generating = false;
let goAt = 0;
let markAt = 0;
const stats: WorkerStats = {
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

function connect(t: BenchTill, cfg: WorkerInit): Promise<{ socket: Sock; ms: number }> {
  const started = performance.now();
  const r = cfg.reconnect;
  const socket = io(`${cfg.url}/till`, {
    auth: { tillId: t.tillId, storeId: t.storeId, token: t.token, protocolVersion: PROTOCOL_VERSION },
    transports: ['websocket'],
    forceNew: true,
    reconnection: r !== undefined,
    ...(r
      ? { reconnectionDelay: r.delayMs, reconnectionDelayMax: r.delayMaxMs, randomizationFactor: r.randomizationFactor }
      : {}),
  });
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve({ socket, ms: performance.now() - started }));
    socket.once('connect_error', (err: Error) => {
      if (!r) reject(err);
    });
  });
}

async function closedLoop(socket: Sock, t: BenchTill, batchOps: number): Promise<void> {
  let seq = 0;
  while (running) {
    const ops: Op[] = [];
    for (let i = 0; i < batchOps; i++) ops.push(earn(t, ++seq, i));
    stats.lastSeq[t.tillId] = seq;
    await pushUntilAnswered(socket, ops, () => running);
  }
}

/** Pushes one batch until the ledger answers it (or `keepTrying` says stop); resends have the same ops. */
async function pushUntilAnswered(socket: Sock, ops: Op[], keepTrying: () => boolean): Promise<boolean> {
  for (;;) {
    stats.pushes++;
    let res: PushResponse;
    try {
      res = await request<PushResponse>(socket, 'push', { ops, sentAt: Date.now() }, 30_000);
    } catch {
      stats.timeouts++;
      if (!keepTrying()) return false;
      continue;
    }
    if (res.ok) {
      stats.acked += res.results.length;
      return true;
    }
    if (res.error.code === 'OVERLOADED') {
      stats.shed++;
      // Honour the hint, with jitter upwards only so that shed tills do not all come back together.
      await sleep((res.error.retryAfterMs ?? 1000) * (1 + Math.random() * 0.5));
    } else {
      stats.errors++;
      await sleep(100);
    }
    if (!keepTrying()) return false;
  }
}

async function openLoop(socket: Sock, t: BenchTill, batchOps: number, perSec: number): Promise<void> {
  let acked = 0;
  let journaled = 0;
  let generatedUntil = goAt;
  for (;;) {
    if (generating) {
      generatedUntil = Date.now();
      journaled = Math.floor(((generatedUntil - goAt) * perSec) / 1000);
    }
    stats.lastSeq[t.tillId] = journaled;
    const pending = journaled - acked;
    if (pending <= 0) {
      if (!generating) return;
      await sleep(Math.max(5, 1000 / perSec));
      continue;
    }
    const ops: Op[] = [];
    for (let i = 0; i < Math.min(pending, batchOps); i++) ops.push(earn(t, acked + i + 1, i));
    await pushUntilAnswered(socket, ops, () => true);
    acked += ops.length;
  }
}

async function pullAll(socket: Sock): Promise<void> {
  let cursor = 0;
  for (;;) {
    const res = await request<PullResponse>(socket, 'pull', { cursor, limit: 1000, programVersion: 0 }, 30_000);
    if (!res.ok) throw new Error(`pull refused: ${res.error.code}`);
    cursor = res.cursor;
    if (!res.more) return;
  }
}

function watchStorm(socket: Sock): void {
  let attemptAt = performance.now();
  socket.io.on('reconnect_attempt', () => {
    attemptAt = performance.now();
  });
  socket.on('connect_error', () => {
    if (markAt === 0) return;
    stats.connectErrors++;
    stats.connectErrorAt.push(Date.now());
  });
  socket.on('connect', () => {
    if (markAt === 0) return;
    stats.handshakeMs.push(performance.now() - attemptAt);
    pullAll(socket).then(
      () => stats.pulledAt.push(Date.now()),
      () => stats.errors++,
    );
  });
}

process.on('message', (raw: ParentMessage) => {
  void (async () => {
    switch (raw.type) {
      case 'init': {
        init = raw;
        const cfg = raw;
        const started = performance.now();
        const connected = await Promise.all(cfg.tills.map((t) => connect(t, cfg)));
        for (const c of connected) sockets.push(c.socket);
        if (cfg.mode === 'storm') {
          await Promise.all(sockets.map((s) => pullAll(s)));
          for (const s of sockets) watchStorm(s);
        }
        send({ type: 'ready', connectMs: connected.map((c) => c.ms), readyMs: performance.now() - started });
        break;
      }
      case 'go': {
        const cfg = init;
        if (!cfg) return;
        running = true;
        generating = true;
        goAt = Date.now();
        const loops = cfg.tills.map((t, i) => {
          const s = sockets[i];
          if (!s) throw new Error('socket missing');
          return cfg.mode === 'open'
            ? openLoop(s, t, cfg.batchOps, cfg.opsPerSecPerTill ?? 100)
            : closedLoop(s, t, cfg.batchOps);
        });
        await Promise.all(loops);
        send({ type: 'drained', stats });
        break;
      }
      case 'stop':
        running = false;
        generating = false;
        break;
      case 'mark':
        markAt = Date.now();
        stats.connectErrors = 0;
        stats.connectErrorAt = [];
        stats.pulledAt = [];
        stats.handshakeMs = [];
        break;
      case 'stats':
        send({ type: 'stats', stats });
        break;
      case 'exit':
        for (const s of sockets) s.close();
        process.exit(0);
    }
  })().catch((err: unknown) => {
    process.stderr.write(
      `[worker ${process.pid}] ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exit(1);
  });
});
