/**
 * Fan-out across a cluster: `--tills` tills (bare socket.io clients) spread over `--processes` ledger processes on one
 * PostgreSQL, joined through Redis (the Streams adapter). One till per store at a time pushes an earn; the figure is
 * the time from its commit (the push's ack, which the ledger sends right after the commit and before the live
 * changes) to the `changes` event at each till of the same store connected to ANOTHER process. The one-process
 * figure of the same run (every till on one ledger, no Redis) is given beside it.
 *
 *   node --import tsx test/bench/fanout.ts [--tills 2000] [--processes 3] [--rate 50] [--seconds 15] [--redis URL]
 */
import { io, type Socket } from 'socket.io-client';
import { v7 as uuidv7 } from 'uuid';
import type { Op } from '../../sync/loyalty/ops.ts';
import type { Cents, OpId, Points } from '../../sync/loyalty/units.ts';
import { PROTOCOL_VERSION, type ChangesEvent, type PushResponse } from '../../sync/protocol/messages.ts';
import { dropRedisPrefix, uniquePrefix } from '../support/cluster.ts';
import { makeBenchDatabase, seedBench, type BenchTill } from './support/bench-db.ts';
import { startLedgerChild, type LedgerChild } from './support/ledger-child.ts';
import { flags, numberFlag, percentile, progress, result, round } from './support/report.ts';

const f = flags(
  { tills: '2000', processes: '3', rate: '50', seconds: '15', redis: 'redis://127.0.0.1:6379' },
  'node --import tsx test/bench/fanout.ts [--tills 2000] [--processes 3] [--rate 50] [--seconds 15] [--redis URL]',
);
const tillCount = numberFlag(f.tills, 'tills');
const processCount = Math.max(1, numberFlag(f.processes, 'processes'));
const rate = numberFlag(f.rate, 'rate');
const seconds = numberFlag(f.seconds, 'seconds');
const redisUrl = String(f.redis);
const TILLS_PER_STORE = 10;

interface Client {
  till: BenchTill;
  node: number;
  socket: Socket;
  seq: number;
}

/** Connects every till to ledger `nodeOf(i)`; resolves once all are connected. */
async function connectAll(tills: BenchTill[], ledgers: LedgerChild[], nodeOf: (i: number) => number) {
  const clients: Client[] = [];
  for (let i = 0; i < tills.length; i += 100) {
    const slice = tills.slice(i, i + 100);
    clients.push(
      ...(await Promise.all(
        slice.map(
          (till, j) =>
            new Promise<Client>((resolve, reject) => {
              const node = nodeOf(i + j);
              const socket = io(`${ledgers[node]?.url ?? ''}/till`, {
                auth: {
                  tillId: till.tillId,
                  storeId: till.storeId,
                  token: till.token,
                  protocolVersion: PROTOCOL_VERSION,
                },
                transports: ['websocket'],
                forceNew: true,
                reconnection: false,
              });
              socket.once('connect', () => resolve({ till, node, socket, seq: 0 }));
              socket.once('connect_error', reject);
            }),
        ),
      )),
    );
  }
  return clients;
}

function earn(c: Client, memberId: string): Op {
  return {
    opId: uuidv7() as OpId,
    tillId: c.till.tillId,
    storeId: c.till.storeId,
    seq: ++c.seq,
    memberId: memberId as Op['memberId'],
    at: Date.now(),
    programVersion: 1,
    kind: 'earn',
    lines: [{ amountCents: 1_000 as Cents, category: 'general' }],
    quotedPoints: 0 as Points,
  };
}

/** Runs the rush on connected clients: p50/p99 from commit to `changes` at tills on another process (or any, alone). */
async function measure(clients: Client[], crossOnly: boolean) {
  const byStore = new Map<string, Client[]>();
  for (const c of clients) byStore.set(c.till.storeId, [...(byStore.get(c.till.storeId) ?? []), c]);
  /** key memberId:balance -> ack time, and arrivals before the ack. */
  const acked = new Map<string, { at: number; node: number; by: Client }>();
  const early = new Map<string, { at: number; node: number; to: Client }[]>();
  const latencies: number[] = [];
  let expected = 0;
  const record = (key: string, at: number, node: number, to: Client) => {
    const a = acked.get(key);
    if (!a) {
      early.set(key, [...(early.get(key) ?? []), { at, node, to }]);
      return;
    }
    // The pushing till's own copy is not a fan-out.
    if (to !== a.by && (!crossOnly || node !== a.node)) latencies.push(Math.max(0, at - a.at));
  };
  for (const c of clients)
    c.socket.on('changes', (ev: ChangesEvent) => {
      const at = performance.now();
      for (const m of ev.members) record(`${m.memberId}:${m.balance}`, at, c.node, c);
    });
  const stores = [...byStore.values()];
  const pushes: Promise<void>[] = [];
  const total = Math.round(rate * seconds);
  const started = performance.now();
  for (let i = 0; i < total; i++) {
    const group = stores[i % stores.length] ?? [];
    const pusher = group[Math.floor(i / stores.length) % group.length];
    const memberId = pusher?.till.members[i % pusher.till.members.length];
    if (!pusher || memberId === undefined) continue;
    const receivers = group.filter((c) => c !== pusher && (!crossOnly || c.node !== pusher.node)).length;
    expected += receivers;
    pushes.push(
      (async () => {
        const res = (await pusher.socket
          .timeout(10_000)
          .emitWithAck('push', { ops: [earn(pusher, memberId)], sentAt: Date.now() })) as PushResponse;
        const at = performance.now();
        if (!res.ok) throw new Error(`push refused: ${res.error.code}`);
        const b = res.balances.find((x) => x.memberId === memberId);
        if (!b) throw new Error('no balance in the ack');
        const key = `${memberId}:${b.balance}`;
        acked.set(key, { at, node: pusher.node, by: pusher });
        for (const e of early.get(key) ?? []) record(key, e.at, e.node, e.to);
        early.delete(key);
      })(),
    );
    const due = started + ((i + 1) * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
  await Promise.all(pushes);
  const until = performance.now() + 5_000;
  while (latencies.length < expected && performance.now() < until) await new Promise((r) => setTimeout(r, 50));
  return {
    events: latencies.length,
    expected,
    p50Ms: round(percentile(latencies, 50)),
    p99Ms: round(percentile(latencies, 99)),
    maxMs: round(Math.max(...latencies)),
  };
}

const db = await makeBenchDatabase('postgres');
const prefix = uniquePrefix('bench-fanout');
const started: LedgerChild[] = [];
try {
  const stores = Math.ceil(tillCount / TILLS_PER_STORE);
  progress(`seeding postgres: ${stores} stores, ${tillCount} tills`);
  const tills = (await seedBench(db, { stores, tillsPerStore: TILLS_PER_STORE, membersPerStore: 20 })).slice(
    0,
    tillCount,
  );

  progress('one process: every till on one ledger, no Redis');
  const alone = await startLedgerChild(db, { serveArgs: ['--no-webhooks'] });
  started.push(alone);
  const aloneClients = await connectAll(tills, [alone], () => 0);
  const one = await measure(aloneClients, false);
  for (const c of aloneClients) c.socket.close();
  await alone.stop();
  started.length = 0;

  progress(`${processCount} processes behind Redis ${redisUrl}, prefix ${prefix}`);
  const ledgers: LedgerChild[] = [];
  for (let n = 0; n < processCount; n++) {
    const l = await startLedgerChild(db, {
      serveArgs: ['--no-webhooks', '--redis', redisUrl, '--redis-prefix', prefix, '--process-name', `bench${n}`],
    });
    ledgers.push(l);
    started.push(l);
  }
  // Tills of one store spread over every process (store i's till t on process t mod N).
  const clients = await connectAll(tills, ledgers, (i) => i % processCount);
  // Seqs go on from the one-process run.
  for (const c of clients) c.seq = aloneClients.find((a) => a.till.tillId === c.till.tillId)?.seq ?? 0;
  const cluster = await measure(clients, true);
  for (const c of clients) c.socket.close();

  result({
    bench: 'fanout',
    tills: tills.length,
    processes: processCount,
    pushesPerSec: rate,
    seconds,
    crossProcess: cluster,
    oneProcess: one,
  });
} finally {
  for (const l of started) await l.stop().catch(() => undefined);
  await db.drop();
  await dropRedisPrefix(prefix, redisUrl).catch(() => undefined);
}
