/**
 * Browser side of the till-commit benchmark (bundled by esbuild, run in Chromium): the real till engine on a real
 * IndexedDB, timing `engine.earn` and `engine.burn` one at a time, and the raw limit: the same three-table readwrite
 * transaction (op row put, member row updated, meta nextSeq put) done directly with Dexie on a second database of the
 * same schema and durability. Exposes `window.runTillCommit`.
 *
 * Between two timed ops, untimed, each op is confirmed as the replicator would record a ledger answer (status
 * `applied`, outcome, member snapshot moved past it): the outbox stays short, as on a till that is online, and the
 * offline floor limits (20 unconfirmed offline burns per till, 1,000 points per member per day) are never reached.
 * The burns themselves are still decided offline (offline link), so no network is timed.
 */
import { demoProgram } from '../../../sync/ledger/demo-data.ts';
import type { BasketLine, OpOutcome } from '../../../sync/loyalty/ops.ts';
import type { Card, Cents, MemberId, Points, StoreId, TillId } from '../../../sync/loyalty/units.ts';
import { systemClock, uuidV7Ids } from '../../../sync/till/clock.ts';
import { openTillDb, setMeta, type MemberRow, type OpRow, type TillDb } from '../../../sync/till/db.ts';
import { createTillEngine, offlineLink } from '../../../sync/till/engine.ts';

export interface TillCommitOptions {
  ops: number;
  warmup: number;
  members: number;
  /** Ops of each kind per round; rounds alternate earn, burn and raw so that machine noise hits all three alike. */
  round: number;
}

export interface TillCommitTimings {
  earn: number[];
  burn: number[];
  raw: number[];
  /** Sanity: every timed burn was given offline, and the final journals hold the expected number of ops. */
  burnsGiven: number;
  engineOps: number;
  rawOps: number;
}

const TILL = 'till-bench' as TillId;
const STORE = 'store-bench' as StoreId;
const OPENING = 1_000_000 as Points;

function memberId(n: number): MemberId {
  return `22222222-2222-4222-8222-${n.toString(16).padStart(12, '0')}` as MemberId;
}

function memberRows(count: number, now: number): MemberRow[] {
  return Array.from({ length: count }, (_, i) => ({
    memberId: memberId(i + 1),
    card: `6330${String(i + 1).padStart(12, '0')}` as Card,
    name: `Bench member ${i + 1}`,
    balance: OPENING,
    lifetimePoints: OPENING,
    welcomeGiven: true,
    ledgerSeq: 1,
    tillSeq: 0,
    heldAt: now,
  }));
}

/** Records the ledger's answer for `row` as the replicator would: op applied, member snapshot past it. */
async function confirm(db: TillDb, row: OpRow, ledgerSeq: number): Promise<void> {
  const outcome: OpOutcome = { status: 'applied', delta: row.estDelta as Points };
  await db.transaction('rw', [db.ops, db.members], async () => {
    await db.ops.update(row.opId, { status: 'applied', outcome, ackedAt: Date.now() });
    const m = await db.members.get(row.memberId);
    if (!m) throw new Error('member vanished');
    await db.members.put({
      ...m,
      balance: (m.balance + row.estDelta) as Points,
      lifetimePoints: (m.lifetimePoints + Math.max(0, row.estDelta)) as Points,
      ledgerSeq,
      tillSeq: row.seq,
    });
  });
}

async function deleteDb(name: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const req = indexedDB.deleteDatabase(name);
    req.onsuccess = () => resolve();
    req.onerror = () => reject(req.error ?? new Error(`cannot delete ${name}`));
  });
}

export async function runTillCommit(o: TillCommitOptions): Promise<TillCommitTimings> {
  const now = Date.now();
  const program = demoProgram(now);
  await deleteDb('bench-till');
  await deleteDb('bench-raw');

  // The till: program and members as the first sync would leave them.
  const db = await openTillDb('bench-till');
  await setMeta(db, 'program', program);
  await db.members.bulkPut(memberRows(o.members, now));
  const engine = await createTillEngine({
    db,
    tillId: TILL,
    storeId: STORE,
    clock: systemClock,
    link: offlineLink,
  });

  // The raw limit: same schema and durability (openTillDb), same rows, no engine.
  const raw = await openTillDb('bench-raw');
  await setMeta(raw, 'program', program);
  await raw.members.bulkPut(memberRows(o.members, now));
  let rawSeq = 1;
  let rawLedgerSeq = 1;

  let ledgerSeq = 1;
  let earnIndex = 0;
  let burnIndex = 0;
  let burnsGiven = 0;
  const lines = (i: number): BasketLine[] => [
    { amountCents: (1_250 + (i % 40) * 100) as Cents, category: 'general' },
    { amountCents: (350 + (i % 7) * 50) as Cents, category: 'fresh' },
  ];

  const earnOnce = async (): Promise<number> => {
    const i = earnIndex++;
    const t = performance.now();
    const { op } = await engine.earn({ memberId: memberId((i % o.members) + 1), lines: lines(i) });
    const ms = performance.now() - t;
    await confirm(db, op, ++ledgerSeq);
    return ms;
  };
  const burnOnce = async (): Promise<number> => {
    const i = burnIndex++;
    const t = performance.now();
    const r = await engine.burn({
      memberId: memberId((i % o.members) + 1),
      what: { type: 'reward', rewardId: 'pastry' },
    });
    const ms = performance.now() - t;
    if (!r.ok) throw new Error(`burn refused: ${r.reason}`);
    burnsGiven++;
    await confirm(db, r.op, ++ledgerSeq);
    return ms;
  };
  // The same transaction the engine commits, done directly: put the op row, update the member, put nextSeq.
  const rawOnce = async (): Promise<number> => {
    const i = rawSeq;
    const mid = memberId((i % o.members) + 1);
    const t = performance.now();
    await raw.transaction('rw', [raw.ops, raw.members, raw.meta], async () => {
      const seq = rawSeq++;
      const opId = uuidV7Ids();
      const at = Date.now();
      const row: OpRow = {
        opId: opId as OpRow['opId'],
        seq,
        memberId: mid,
        op: {
          opId: opId as OpRow['opId'],
          tillId: TILL,
          storeId: STORE,
          seq,
          memberId: mid,
          at,
          programVersion: program.version,
          kind: 'earn',
          lines: lines(i),
          quotedPoints: 20 as Points,
        },
        status: 'pending',
        estDelta: 20,
        mode: 'local',
        createdAt: at,
      };
      await raw.ops.put(row);
      await raw.members.update(mid, { ledgerSeq: ++rawLedgerSeq, tillSeq: seq });
      await raw.meta.put({ key: 'nextSeq', value: seq + 1 });
    });
    return performance.now() - t;
  };

  for (let i = 0; i < o.warmup; i++) {
    await earnOnce();
    await burnOnce();
    await rawOnce();
  }
  const earn: number[] = [];
  const burn: number[] = [];
  const rawMs: number[] = [];
  while (earn.length < o.ops) {
    const n = Math.min(o.round, o.ops - earn.length);
    for (let i = 0; i < n; i++) earn.push(await earnOnce());
    for (let i = 0; i < n; i++) burn.push(await burnOnce());
    for (let i = 0; i < n; i++) rawMs.push(await rawOnce());
  }
  const engineOps = await db.ops.count();
  const rawOps = await raw.ops.count();
  db.close();
  raw.close();
  return { earn, burn, raw: rawMs, burnsGiven, engineOps, rawOps };
}

(globalThis as unknown as { runTillCommit: typeof runTillCommit }).runTillCommit = runTillCommit;
