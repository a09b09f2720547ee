/**
 * The chaos harness: a real ledger process and several real tills (fake-indexeddb, the real replicator and socket
 * transport) under a rush of earns, burns, voids and conflict resolutions, while faults drawn from a seeded
 * generator hit them: the ledger SIGKILLed and restarted (often mid-batch), till links cut and restored, tills
 * reloaded (a new engine on the same IndexedDB) mid-batch and, on PostgreSQL, the ledger's database connections
 * terminated. The network also duplicates, delays and loses answers (support/chaos-transport.ts). Two faults of a
 * till's and a ledger's life too:
 *
 * - **Till database wipe**: a till is closed and opened again on a new, empty IndexedDB with the same credentials (a
 *   reinstall, a new PC, a cleared browser profile). A wipe loses, by definition, whatever the till journaled and the
 *   ledger never got: that is no fault of the system. So the harness wipes a till only once its outbox is empty *and*
 *   the ledger holds every op of its journal (checked on the ledger's own database), and never while a backup taken
 *   earlier is waiting to be restored (a restore would take back ops that only the wiped journal held). What a wipe
 *   must not lose is what reached the ledger: the wiped journal is kept aside and audited at the end like the others.
 * - **Ledger restore**: `ledger backup FILE` while the ledger serves; a later cycle stops the ledger, runs `ledger
 *   restore FILE` and starts it again. The ledger has lost what was applied since the backup, and gets it back from the
 *   tills' journals (they see the new epoch on their next hello and resend).
 *
 * At the end everything syncs (bounded waits) and the audit runs: every till op on the ledger exactly once with the
 * outcome the till recorded, balances = opening + Σ deltas, every till's confirmed view = the ledger, the hash
 * chain intact (support/audit.ts); and every conflict accounted for: raised by a burn or void whose outcome names
 * it, and every resolve op recorded as its conflict's resolution. A failure throws ChaosFailure, whose message says
 * what broke and the seed that replays the fault schedule (timings still vary from run to run).
 */
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { IDBFactory } from 'fake-indexeddb';
import pg from 'pg';
import { addTill } from '../../sync/ledger/admin.ts';
import type { ConflictRecord, StoredOp } from '../../sync/ledger/store/types.ts';
import type { ImportMember } from '../../sync/ledger/store/types.ts';
import type { Cents, OpId, Points, StoreId, TillId } from '../../sync/loyalty/units.ts';
import { pendingRange, type OpRow } from '../../sync/till/db.ts';
import { TillError } from '../../sync/till/engine.ts';
import type { TillTransport } from '../../sync/till/transport.ts';
import { auditLedger, withLedgerStore } from '../support/audit.ts';
import { chaosTransport, seeded, type ChaosStats } from '../support/chaos-transport.ts';
import { makeTestDatabase, type TestDatabase } from '../support/databases.ts';
import { runLedger } from '../support/ledger-cli.ts';
import { startLedgerProcess, type LedgerProcess } from '../support/ledger-process.ts';
import { openTill, synced, waitFor, type TestTill } from '../support/real-till.ts';
import { seedLedger, TEST_MANAGER_PIN, type TillCredentials } from '../support/seed.ts';

export type ChaosBackend = 'sqlite' | 'postgres';

export interface ChaosOptions {
  backend: ChaosBackend;
  cycles: number;
  seed: number;
  /** Tills, spread over store-a and store-b (default 6). */
  tills?: number;
  /** Operations each till's cashier attempts per cycle (default 6). */
  opsPerCycle?: number;
  /** Members, shared by both stores so that offline burns at different tills overdraw them (default 8). */
  members?: number;
  /** Fault kinds left out of the schedule (e.g. `['tillWipe', 'ledgerBackup', 'ledgerRestore']`). */
  without?: readonly FaultKind[];
  /** How long the final sync may take before the run fails (default 90 s). */
  settleTimeoutMs?: number;
  /** Progress lines (stderr in the CLI). */
  log?: (line: string) => void;
}

export interface ChaosFaults {
  ledgerKills: number;
  linkCuts: number;
  tillReloads: number;
  dbRestarts: number;
  /** Tills closed and opened again on a new, empty IndexedDB (same credentials): a reinstall. */
  tillWipes: number;
  /** Ledgers stopped, restored from a `ledger backup` taken earlier in the run while serving, and started again. */
  ledgerRestores: number;
}

export interface ChaosSummary {
  backend: ChaosBackend;
  seed: number;
  cycles: number;
  tills: number;
  /** Ops on the ledger at the end, all of them tills' ops. */
  ops: number;
  faults: ChaosFaults;
  /** What the network did besides (duplicated deliveries, lost answers, delays). */
  network: ChaosStats;
  /** Conflicts raised on the ledger, and how many a manager resolved (or escalated) through a resolve op. */
  conflicts: number;
  resolved: number;
  /** Cashier calls the till refused (TillError: not enough points, floor limits, nothing to void…). */
  refused: number;
  /** Cashier calls cut short by a till reload; whatever they journaled is audited like the rest. */
  interrupted: number;
  /** Ops the tills sent again after a ledger restore and the ledger applied anew (marked recovered). */
  recovered: number;
  /** Anything the system did that it should not have, though the audit passed (e.g. the ledger crashed unasked). */
  findings: string[];
  durationMs: number;
}

/** The run broke an invariant or did not converge; `summary` is what had happened until then. */
export class ChaosFailure extends Error {
  constructor(
    message: string,
    readonly summary: ChaosSummary,
  ) {
    super(message);
    this.name = 'ChaosFailure';
  }
}

/**
 * A till's link to the ledger, kept across reloads: `cut` disconnects the till's current transport and keeps any
 * transport the till opens meanwhile (a reload) down until `restore`.
 */
class Link {
  private cut = false;
  private current: { inner: TillTransport; wanted: () => boolean } | undefined;

  readonly wrap = (inner: TillTransport): TillTransport => {
    let wanted = false;
    this.current = { inner, wanted: () => wanted };
    return {
      ...inner,
      connect: () => {
        wanted = true;
        if (!this.cut) inner.connect();
      },
      disconnect: () => {
        wanted = false;
        inner.disconnect();
      },
    };
  };

  isCut(): boolean {
    return this.cut;
  }

  sever(): void {
    this.cut = true;
    this.current?.inner.disconnect();
  }

  restore(): void {
    if (!this.cut) return;
    this.cut = false;
    if (this.current?.wanted()) this.current.inner.connect();
  }
}

interface Slot {
  creds: TillCredentials;
  till: TestTill;
  link: Link;
  /** The till's transport decoration (its link and the lossy network), kept for the databases it opens. */
  wrap: (inner: TillTransport) => TillTransport;
  /** Settles when no reload or wipe is under way; cashier calls wait for it. */
  ready: Promise<void>;
  /** Settles when the cashier call under way (if any) has returned. */
  idle: Promise<void>;
  random: () => number;
}

/** A till database that was wiped: its journal as it stood when the till closed, audited at the end. */
interface RetiredJournal {
  tillId: TillId;
  rows: OpRow[];
}

type Fault =
  | { kind: 'ledgerKill'; atMs: number }
  | { kind: 'linkCut'; atMs: number; slots: number[]; forMs: number }
  | { kind: 'tillReload'; atMs: number; slot: number }
  | { kind: 'dbRestart'; atMs: number }
  | { kind: 'tillWipe'; atMs: number; slot: number }
  | { kind: 'ledgerBackup'; atMs: number }
  | { kind: 'ledgerRestore'; atMs: number };

export type FaultKind = Fault['kind'];

/** The drawn schedule's memory across cycles: whether a backup was taken and not yet restored. */
interface PlanState {
  backupOutstanding: boolean;
}

/** How long a wipe waits for the till's outbox to drain and its journal to be on the ledger before it is skipped. */
const WIPE_WAIT_MS = 30_000;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Opening balances low enough that two tills burning offline overdraw them, within the offline floor limits. */
const OPENING = [300, 450, 600, 800, 1_000, 1_200, 400, 700];

export async function runChaos(opts: ChaosOptions): Promise<ChaosSummary> {
  const started = Date.now();
  const tillCount = opts.tills ?? 6;
  const opsPerCycle = opts.opsPerCycle ?? 6;
  const memberCount = opts.members ?? 8;
  const settleMs = opts.settleTimeoutMs ?? 90_000;
  const log = opts.log ?? (() => undefined);
  if (tillCount < 2) throw new RangeError('the chaos run needs at least 2 tills');

  const plan = seeded(opts.seed);
  const network: ChaosStats = { duplicated: 0, lostAnswers: 0, delayed: 0 };
  const networkRandom = seeded(opts.seed ^ 0x0c4a05);
  const faults: ChaosFaults = {
    ledgerKills: 0,
    linkCuts: 0,
    tillReloads: 0,
    dbRestarts: 0,
    tillWipes: 0,
    ledgerRestores: 0,
  };
  const planState: PlanState = { backupOutstanding: false };
  const retired: RetiredJournal[] = [];
  const findings: string[] = [];
  const summary: ChaosSummary = {
    backend: opts.backend,
    seed: opts.seed,
    cycles: 0,
    tills: tillCount,
    ops: 0,
    faults,
    network,
    conflicts: 0,
    resolved: 0,
    refused: 0,
    interrupted: 0,
    recovered: 0,
    findings,
    durationMs: 0,
  };
  const fail = (what: string): never => {
    summary.durationMs = Date.now() - started;
    throw new ChaosFailure(`${what} (backend ${opts.backend}, seed ${opts.seed})`, summary);
  };

  const db = await makeTestDatabase(opts.backend);
  const slots: Slot[] = [];
  let ledger: LedgerProcess | undefined;
  try {
    const seededLedger = await seedLedger(db, {
      members: memberCount,
      openingBalances: Array.from({ length: memberCount }, (_, i) => OPENING[i % OPENING.length] ?? 500),
      // A short authorization deadline: online burns during an outage fall back to offline ones, as in a rush.
      tweakProgram: (p) => ({ ...p, authDeadlineMs: 500 }),
    });
    const members = seededLedger.members;
    const creds = await tillsFor(db, seededLedger.tills, tillCount);
    ledger = await startLedgerProcess(db);
    const ledgerUrl = ledger.url;
    for (const [i, c] of creds.entries()) {
      const link = new Link();
      const wrap = (inner: TillTransport) =>
        chaosTransport(
          link.wrap(inner),
          { duplicate: 0.05, loseAnswer: 0.03, delay: 0.1, maxDelayMs: 50 },
          networkRandom,
          network,
        );
      const till = await openTill(ledgerUrl, c, undefined, wrap);
      slots.push({
        creds: c,
        till,
        link,
        wrap,
        ready: Promise.resolve(),
        idle: Promise.resolve(),
        random: seeded(opts.seed + 7_919 * (i + 1)),
      });
    }
    await Promise.all(slots.map((s) => synced(s.till, 30_000)));
    // Members are held at store-a; the other store's tills look them up, as a cashier scanning cards would.
    for (const s of slots) {
      for (const m of members) {
        const found = await s.till.engine.lookup(m.card);
        if (!found.found) fail(`till ${s.creds.tillId} could not look up member ${m.card}: ${found.reason}`);
      }
    }
    log(`chaos ${opts.backend}: ledger ${ledgerUrl}, ${slots.length} tills, ${members.length} members`);

    // The ledger's process and database are handled by one fault at a time: a restore needs the ledger stopped and
    // alone on its database, and a wipe's check reads that database.
    let ledgerTurn: Promise<void> = Promise.resolve();
    const exclusive = async <T>(fn: () => Promise<T>): Promise<T> => {
      const previous = ledgerTurn;
      let release!: () => void;
      ledgerTurn = new Promise<void>((r) => (release = r));
      await previous;
      try {
        return await fn();
      } finally {
        release();
      }
    };
    const backups: string[] = [];

    const reload = async (slot: Slot) => {
      let done!: () => void;
      const previous = slot.ready;
      slot.ready = new Promise<void>((r) => (done = r));
      try {
        await previous;
        slot.till = await slot.till.reopen();
      } finally {
        done();
      }
    };

    const ensureLedgerNow = async (when: string) => {
      if (!ledger || ledger.alive()) return;
      const lines = ledger.output().trim().split('\n');
      const why = lines.find((l) => /^(\w*Error|error):/.test(l.trim())) ?? lines.at(-1) ?? 'no output';
      findings.push(`ledger exited unasked ${when}: ${why.trim()}`);
      log(`FINDING: ledger exited unasked ${when}; restarting it`);
      await ledger.restart();
    };
    const ensureLedger = (when: string) => exclusive(() => ensureLedgerNow(when));

    /**
     * The wipe (see the file comment): the till's cashier held, its outbox drained and its whole journal on the
     * ledger, then the till closed and opened on a new, empty IndexedDB. Skipped (logged) when the journal does not
     * get to the ledger in WIPE_WAIT_MS, e.g. under a long outage.
     */
    const wipe = async (slot: Slot, cycle: number) => {
      let done!: () => void;
      const previous = slot.ready;
      slot.ready = new Promise<void>((r) => (done = r));
      try {
        await previous;
        await slot.idle;
        const tillId = slot.creds.tillId;
        // The outbox first (cheap, in the till), then the ledger's own database (a connection of its own).
        const onLedger = async () => {
          if ((await pendingRange(slot.till.db).count()) > 0) return false;
          const journal = await slot.till.db.ops.toArray();
          const held = await exclusive(() =>
            withLedgerStore(db, async (store) => new Set((await store.listOps(tillId)).map((o) => o.opId))),
          );
          return journal.every((r) => r.status !== 'pending' && held.has(r.opId));
        };
        const waitUntil = Date.now() + WIPE_WAIT_MS;
        let ready = false;
        while (!(ready = await onLedger()) && Date.now() < waitUntil) await sleep(200);
        if (!ready) {
          log(`cycle ${cycle}: wipe of ${tillId} skipped: its journal did not reach the ledger in ${WIPE_WAIT_MS} ms`);
          return;
        }
        const rows = await slot.till.db.ops.toArray();
        await slot.till.close();
        retired.push({ tillId, rows });
        faults.tillWipes++;
        slot.till = await openTill(ledgerUrl, slot.creds, new IDBFactory(), slot.wrap);
        log(`cycle ${cycle}: wiped ${tillId}'s database (${rows.length} ops journaled on it)`);
        // The new database holds its own store's members once synced; the cashier scans the others' cards again.
        for (const m of members) await slot.till.engine.lookup(m.card).catch(() => undefined);
      } finally {
        done();
      }
    };

    const applyFault = async (f: Fault, cycle: number) => {
      await sleep(f.atMs);
      if (!ledger) return;
      switch (f.kind) {
        case 'ledgerKill':
          await exclusive(async () => {
            faults.ledgerKills++;
            await ledger?.restart();
          });
          return;
        case 'linkCut': {
          faults.linkCuts += f.slots.length;
          for (const i of f.slots) slots[i]?.link.sever();
          await sleep(f.forMs);
          for (const i of f.slots) slots[i]?.link.restore();
          return;
        }
        case 'tillReload': {
          const slot = slots[f.slot];
          if (!slot) return;
          faults.tillReloads++;
          await reload(slot);
          return;
        }
        case 'dbRestart': {
          const url = db.databaseUrl;
          if (!url) return;
          await exclusive(async () => {
            faults.dbRestarts++;
            const terminated = await terminateConnections(url);
            log(`cycle ${cycle}: terminated ${terminated} ledger database connection(s)`);
            // The pool should replace them; a crash is a finding (and the harness restarts the ledger).
            await sleep(300);
            await ensureLedgerNow(`after its database connections were terminated (cycle ${cycle})`);
          });
          return;
        }
        case 'tillWipe': {
          const slot = slots[f.slot];
          if (slot) await wipe(slot, cycle);
          return;
        }
        case 'ledgerBackup': {
          // Online: the ledger serves the tills meanwhile (no other ledger fault runs during the backup: on
          // PostgreSQL a terminated connection would fail it, which is not what this fault tests).
          const file = join(db.dataDir, `chaos-backup-${backups.length + 1}.bak`);
          const res = await exclusive(() =>
            runLedger(['backup', file], { dataDir: db.dataDir, databaseUrl: db.databaseUrl }),
          );
          if (res.code !== 0) throw new Error(`ledger backup failed (${res.code}): ${res.stderr || res.stdout}`);
          backups.push(file);
          log(`cycle ${cycle}: ${res.stdout.trim()}`);
          return;
        }
        case 'ledgerRestore': {
          const file = backups.at(-1);
          if (!file) throw new Error('a restore was drawn with no backup taken');
          await exclusive(async () => {
            const t0 = Date.now();
            await ledger?.stop();
            const t1 = Date.now();
            // A PostgreSQL session of the stopped ledger may take a moment to end: LEDGER_RUNNING is retried.
            let res = await runLedger(['restore', file], { dataDir: db.dataDir, databaseUrl: db.databaseUrl });
            for (let i = 0; i < 20 && res.code !== 0 && /LEDGER_RUNNING/.test(res.stderr + res.stdout); i++) {
              await sleep(250);
              res = await runLedger(['restore', file], { dataDir: db.dataDir, databaseUrl: db.databaseUrl });
            }
            if (res.code !== 0) throw new Error(`ledger restore failed (${res.code}): ${res.stderr || res.stdout}`);
            faults.ledgerRestores++;
            const t2 = Date.now();
            await ledger?.restart();
            log(
              `cycle ${cycle}: ${res.stdout.trim().split('\n')[0] ?? 'restored'} (stop ${t1 - t0} ms, restore ${t2 - t1} ms, start ${Date.now() - t2} ms)`,
            );
          });
          return;
        }
      }
    };

    const stamp = { ops: 0 };
    for (let cycle = 1; cycle <= opts.cycles; cycle++) {
      const cycleStarted = Date.now();
      const cycleFaults = drawFaults(plan, cycle, slots.length, opts.backend, planState, opts.without ?? []);
      const hot = members[Math.floor(plan() * members.length)] ?? fail('no member seeded');
      const cashiers = slots.map(async (slot) => {
        for (let n = 0; n < opsPerCycle; n++) {
          const step = cashierStep(slot, members, hot, summary, stamp);
          slot.idle = step.then(
            () => undefined,
            () => undefined,
          );
          await step;
          await sleep(Math.floor(slot.random() * 120));
        }
      });
      const faulting = cycleFaults.map((f) => applyFault(f, cycle));
      const results = await Promise.allSettled([...cashiers, ...faulting]);
      for (const r of results) if (r.status === 'rejected') fail(`cycle ${cycle} failed: ${describe(r.reason)}`);
      await ensureLedger(`during cycle ${cycle}`);
      summary.cycles = cycle;
      log(
        `cycle ${cycle}/${opts.cycles}: ${stamp.ops} ops journaled; faults ${cycleFaults.map((f) => f.kind).join(', ') || 'none'} (${Date.now() - cycleStarted} ms)`,
      );
    }

    // The rush is over: every link back, every till synced; then managers resolve some conflicts, which sync too.
    for (const s of slots) s.link.restore();
    await ensureLedger('before the final sync');
    await settle(slots, settleMs, fail);
    let resolutions = 0;
    for (const s of slots) {
      for (const row of (await s.till.engine.queues()).conflict) {
        if (row.resolvedBy || (s.random() < 0.4 && resolutions > 0)) continue;
        await resolve(s, row, summary);
        resolutions++;
      }
    }
    await settle(slots, settleMs, fail);
    const balances = await withLedgerStore(
      db,
      async (store) => new Map((await store.listMembers()).map((m) => [m.memberId, m.balance])),
    );
    await waitFor(
      'every till shows the ledger balance',
      async () => {
        for (const s of slots) {
          for (const row of await s.till.db.members.toArray())
            if (row.balance !== balances.get(row.memberId)) return false;
        }
        return true;
      },
      settleMs,
    ).catch((e: unknown) => fail(describe(e)));

    const tills = slots.map((s) => s.till);
    // A wiped till's current journal holds only the ops made since its last wipe.
    const wipedIds = new Set(retired.map((r) => r.tillId));
    const partialJournals = tills.filter((t) => wipedIds.has(t.creds.tillId));
    try {
      summary.ops = (await auditLedger(db, tills, { partialJournals })).ops;
    } catch (e) {
      fail(`audit: ${describe(e)}`);
    }
    const lost = await auditRetired(db, retired);
    if (lost) fail(`wiped journals: ${lost}`);
    const conflicts = await auditConflicts(db, tills);
    if (conflicts.problem) fail(`conflict audit: ${conflicts.problem}`);
    summary.conflicts = conflicts.conflicts;
    summary.resolved = conflicts.resolved;
    summary.recovered = await withLedgerStore(db, async (store) =>
      Number(
        (
          await store
            .kysely()
            .selectFrom('recovered_ops')
            .select((eb) => eb.fn.countAll().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      ),
    );
    const sums = await auditSums(db, tills, members, retired);
    if (sums) fail(`sum audit: ${sums}`);
    summary.durationMs = Date.now() - started;
    return summary;
  } finally {
    for (const s of slots) await s.till.close().catch(() => undefined);
    await ledger?.stop().catch(() => undefined);
    await db.drop().catch(() => undefined);
  }
}

/** The seeded tills (a1, a2, b1), then more alternating between the stores (b2, a3, b3, a4…), registered here. */
async function tillsFor(db: TestDatabase, seeded: TillCredentials[], count: number): Promise<TillCredentials[]> {
  const tills = seeded.slice(0, count);
  if (tills.length >= count) return tills;
  return withLedgerStore(db, async (store) => {
    const next = { 'store-a': 3, 'store-b': 2 };
    for (let i = tills.length; i < count; i++) {
      const storeId = i % 2 === 1 ? 'store-b' : 'store-a';
      const tillId = `${storeId.slice(-1)}${next[storeId]++}` as TillId;
      tills.push({ tillId, storeId: storeId as StoreId, token: await addTill(store, tillId, storeId as StoreId) });
    }
    return tills;
  });
}

/**
 * The faults of one cycle, drawn from the plan's generator. The first cycles take each kind in turn, so every run of
 * seven cycles or more has every kind (a backup in cycle 6, its restore in cycle 7); later cycles draw them at random,
 * often several at once. A restore comes in a cycle after its backup's; no wipe is drawn while a backup waits to be
 * restored, nor in a cycle that takes or restores one (see the file comment).
 */
function drawFaults(
  plan: () => number,
  cycle: number,
  tills: number,
  backend: ChaosBackend,
  state: PlanState,
  without: readonly FaultKind[],
): Fault[] {
  const kinds: Fault['kind'][] = [
    'linkCut',
    'ledgerKill',
    'tillReload',
    'dbRestart',
    'tillWipe',
    'ledgerBackup',
    'ledgerRestore',
  ];
  const chosen = new Set<Fault['kind']>();
  if (cycle <= kinds.length) chosen.add(kinds[cycle - 1] ?? 'linkCut');
  if (plan() < 0.4) chosen.add('ledgerKill');
  if (plan() < 0.6) chosen.add('linkCut');
  if (plan() < 0.4) chosen.add('tillReload');
  if (plan() < 0.35) chosen.add('dbRestart');
  const life = plan();
  if (cycle > kinds.length) {
    if (state.backupOutstanding) {
      if (life < 0.5) chosen.add('ledgerRestore');
    } else if (life < 0.12) chosen.add('ledgerBackup');
    else if (life < 0.27) chosen.add('tillWipe');
  }
  if (backend !== 'postgres') chosen.delete('dbRestart');
  for (const kind of without) chosen.delete(kind);
  if (chosen.has('ledgerRestore') && !state.backupOutstanding) chosen.delete('ledgerRestore');
  if (chosen.has('ledgerRestore')) state.backupOutstanding = false;
  if (chosen.has('ledgerBackup')) state.backupOutstanding = true;
  if (state.backupOutstanding || chosen.has('ledgerRestore')) chosen.delete('tillWipe');
  const at = () => Math.floor(plan() * 700);
  const out: Fault[] = [];
  for (const kind of chosen) {
    if (kind === 'ledgerKill' || kind === 'dbRestart' || kind === 'ledgerBackup' || kind === 'ledgerRestore')
      out.push({ kind, atMs: at() });
    else if (kind === 'tillReload' || kind === 'tillWipe')
      out.push({ kind, atMs: at(), slot: Math.floor(plan() * tills) });
    else {
      // Two or three tills, at least one per store when possible, cut together: their offline burns overdraw.
      const first = Math.floor(plan() * tills);
      const picked = new Set([first, (first + 1 + 2 * Math.floor(plan() * Math.floor((tills - 1) / 2))) % tills]);
      if (plan() < 0.3) picked.add(Math.floor(plan() * tills));
      out.push({ kind, atMs: Math.floor(plan() * 200), slots: [...picked], forMs: 400 + Math.floor(plan() * 1_200) });
    }
  }
  return out;
}

/** One cashier call: an earn, a burn (biased towards the cycle's hot member when offline), a void or a resolution. */
async function cashierStep(
  slot: Slot,
  members: readonly ImportMember[],
  hot: ImportMember,
  summary: ChaosSummary,
  stamp: { ops: number },
): Promise<void> {
  await slot.ready;
  const till = slot.till;
  const r = slot.random();
  const offline = slot.link.isCut();
  const member = offline || slot.random() < 0.4 ? hot : (members[Math.floor(slot.random() * members.length)] ?? hot);
  try {
    if (r < 0.4) {
      const cents = 1_000 + Math.floor(slot.random() * 15_000);
      await till.engine.earn({
        memberId: member.memberId,
        lines: [{ amountCents: cents as Cents, category: 'general' }],
      });
      stamp.ops++;
    } else if (r < 0.85) {
      const view = await till.engine.memberView(member.memberId);
      if (!view || view.displayed <= 0) return;
      const share = offline ? 0.5 + 0.4 * slot.random() : 0.2 + 0.7 * slot.random();
      const points = Math.max(1, Math.min(500, Math.floor(view.displayed * share)));
      const res = await till.engine.burn({
        memberId: member.memberId,
        what: { type: 'points', points: points as Points },
      });
      if (res.ok) stamp.ops++;
      else summary.refused++;
      // A refused online burn journals a void of itself (AUTH_TIMEOUT), an op too.
      if (!res.ok && res.op) stamp.ops++;
    } else if (r < 0.95) {
      const mine = (await till.engine.recentOps(30)).filter(
        (o) => (o.op.kind === 'earn' || o.op.kind === 'burn') && !o.voidedBy && o.status !== 'rejected',
      );
      const target = mine[Math.floor(slot.random() * mine.length)];
      if (!target) return;
      await till.engine.void({ opId: target.opId, reason: 'chaos: customer changed their mind' });
      stamp.ops++;
    } else {
      const [row] = (await till.engine.queues()).conflict.filter((o) => !o.resolvedBy);
      if (!row) return;
      await resolve(slot, row, summary);
      stamp.ops++;
    }
  } catch (e) {
    if (e instanceof TillError) {
      summary.refused++;
      return;
    }
    // The page reloaded under this call (the old engine's database closed): what it journaled is audited anyway.
    if (till !== slot.till || isClosedDatabase(e)) {
      summary.interrupted++;
      return;
    }
    throw e;
  }
}

const ACTIONS = ['recover', 'write-off', 'escalate'] as const;

async function resolve(slot: Slot, row: OpRow, summary: ChaosSummary): Promise<void> {
  const action = ACTIONS[Math.floor(slot.random() * ACTIONS.length)] ?? 'recover';
  try {
    await slot.till.engine.resolveConflict({
      opId: row.opId,
      action,
      reason: `chaos: ${action}`,
      manager: `manager of ${slot.creds.storeId}`,
      pin: TEST_MANAGER_PIN,
    });
  } catch (e) {
    if (e instanceof TillError && e.code === 'ALREADY_RESOLVED') return;
    if (e instanceof TillError) summary.refused++;
    else throw e;
  }
}

function isClosedDatabase(e: unknown): boolean {
  return e instanceof Error && (e.name === 'DatabaseClosedError' || /database.*clos/i.test(e.message));
}

function describe(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

async function settle(slots: readonly Slot[], timeoutMs: number, fail: (what: string) => never): Promise<void> {
  try {
    await Promise.all(slots.map((s) => synced(s.till, timeoutMs)));
  } catch (e) {
    const states = await Promise.all(
      slots.map(async (s) => {
        const st = await s.till.status();
        return `${s.creds.tillId}: ${st.state}, ${st.pending} pending, last error ${st.lastError?.code ?? 'none'}`;
      }),
    );
    fail(`${describe(e)} (${states.join('; ')})`);
  }
}

/** Terminates every other connection to the ledger's database, as a database restart would; returns how many. */
async function terminateConnections(databaseUrl: string): Promise<number> {
  const admin = new pg.Client({ connectionString: databaseUrl });
  await admin.connect();
  try {
    const res = await admin.query(
      'select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()',
    );
    return res.rowCount ?? 0;
  } finally {
    await admin.end();
  }
}

/**
 * Every conflict accounted for: the ledger's conflicts are exactly those its burn and void ops were answered with
 * (same id, member, till, shortfall), every resolve op was applied and is recorded as its conflict's resolution (one
 * resolution per conflict here), and every till's resolved conflict points at a resolve op naming that conflict.
 */
async function auditConflicts(
  db: TestDatabase,
  tills: readonly TestTill[],
): Promise<{ conflicts: number; resolved: number; problem: string | null }> {
  return withLedgerStore(db, async (store) => {
    const ops = await store.listOps();
    const conflicts = await store.listConflicts();
    const byOp = new Map<OpId, StoredOp>(ops.map((o) => [o.opId, o]));
    const byId = new Map<string, ConflictRecord>(conflicts.map((c) => [c.conflictId, c]));
    const resolved = conflicts.filter((c) => c.resolution !== null).length;
    const result = (problem: string | null) => ({ conflicts: conflicts.length, resolved, problem });

    const raised = ops.filter((o) => o.outcome.status === 'conflict');
    if (raised.length !== conflicts.length)
      return result(`${raised.length} ops were answered with a conflict but the ledger holds ${conflicts.length}`);
    for (const c of conflicts) {
      const op = byOp.get(c.opId);
      if (!op) return result(`conflict ${c.conflictId} names op ${c.opId}, which the ledger does not hold`);
      if (op.kind !== 'burn' && op.kind !== 'void')
        return result(`conflict ${c.conflictId} was raised by a ${op.kind} op ${op.opId}`);
      const o = op.outcome;
      if (o.status !== 'conflict' || o.conflictId !== c.conflictId || o.shortfall !== c.shortfall)
        return result(`conflict ${c.conflictId} does not match the outcome of op ${op.opId}: ${JSON.stringify(o)}`);
      if (op.memberId !== c.memberId || op.tillId !== c.tillId)
        return result(`conflict ${c.conflictId} names another member or till than op ${op.opId}`);
      if ((c.status === 'open') !== (c.resolution === null))
        return result(`conflict ${c.conflictId} is ${c.status} with resolution ${JSON.stringify(c.resolution)}`);
    }
    const resolves = ops.filter((o) => o.op.kind === 'resolve');
    let dissolved = 0;
    for (const r of resolves) {
      if (r.op.kind !== 'resolve') continue;
      if (r.outcome.status === 'rejected') {
        // What became of the op that raised the conflict it names (e.g. sent again after a restore).
        const conflictId = r.op.conflictId;
        let raiser = 'no till journal holds the op that raised it';
        for (const t of tills) {
          for (const row of await t.db.ops.where('status').anyOf(['applied', 'conflict']).toArray()) {
            const first = row.firstOutcome?.status === 'conflict' ? row.firstOutcome.conflictId : undefined;
            const now = row.outcome?.status === 'conflict' ? row.outcome.conflictId : undefined;
            if (first !== conflictId && now !== conflictId) continue;
            const recovered = await store
              .kysely()
              .selectFrom('recovered_ops')
              .select('op_id')
              .where('op_id', '=', row.opId)
              .executeTakeFirst();
            raiser = `raised by ${t.creds.tillId}'s ${row.op.kind} ${row.opId} (first outcome ${JSON.stringify(row.firstOutcome ?? row.outcome)}, now ${JSON.stringify(byOp.get(row.opId)?.outcome)}${recovered ? ', sent again after a restore' : ''})`;
          }
        }
        return result(
          `resolve op ${r.opId} of till ${r.tillId} was rejected: ${r.outcome.code} (conflict ${conflictId}: ${raiser})`,
        );
      }
      const c = byId.get(r.op.conflictId);
      if (!c) {
        // A conflict a restore dissolved: its burn or void came back from the till and was covered this time. The
        // resolution is kept with no effect; anything else naming a conflict the ledger lacks is a loss.
        const raiser = byOp.get(r.op.conflictId as OpId);
        const wasRecovered = raiser
          ? await store
              .kysely()
              .selectFrom('recovered_ops')
              .select('op_id')
              .where('op_id', '=', raiser.opId)
              .executeTakeFirst()
          : undefined;
        if (!raiser || !wasRecovered || raiser.outcome.status === 'conflict' || r.outcome.delta !== 0)
          return result(`resolve op ${r.opId} names conflict ${r.op.conflictId}, which the ledger does not hold`);
        dissolved += 1;
        continue;
      }
      const res = c.resolution;
      if (
        res?.opId !== r.opId ||
        res.action !== r.op.action ||
        res.manager !== r.op.manager ||
        res.reason !== r.op.reason
      )
        return result(`conflict ${c.conflictId}'s resolution ${JSON.stringify(res)} is not resolve op ${r.opId}`);
      if (c.status !== (r.op.action === 'escalate' ? 'escalated' : 'resolved'))
        return result(`conflict ${c.conflictId} is ${c.status} after a ${r.op.action}`);
    }
    if (resolves.length - dissolved !== resolved)
      return result(
        `${resolved} conflicts carry a resolution but ${resolves.length - dissolved} resolve ops were applied to one`,
      );
    for (const t of tills) {
      for (const row of await t.db.ops.where('status').equals('conflict').toArray()) {
        if (!row.resolvedBy) continue;
        const by = await t.db.ops.get(row.resolvedBy);
        const conflictId = row.outcome?.status === 'conflict' ? row.outcome.conflictId : undefined;
        if (by?.op.kind !== 'resolve' || by.op.conflictId !== conflictId)
          return result(
            `till ${t.creds.tillId}'s op ${row.opId} is marked resolved by ${row.resolvedBy}, no resolve of it`,
          );
      }
    }
    return result(null);
  });
}

/**
 * Nothing that reached the ledger was lost with a wiped database: every op of every wiped journal (all answered, see
 * the wipe) is on the ledger, from that till, with the outcome the till had recorded. A restore later on does not
 * change that: no wipe happens while a backup waits to be restored, so every later backup holds these ops.
 */
async function auditRetired(db: TestDatabase, retired: readonly RetiredJournal[]): Promise<string | null> {
  if (retired.length === 0) return null;
  return withLedgerStore(db, async (store) => {
    const byId = new Map((await store.listOps()).map((o) => [o.opId as string, o]));
    for (const journal of retired) {
      for (const row of journal.rows) {
        const op = byId.get(row.opId);
        if (!op)
          return `${journal.tillId}'s op ${row.seq} (${row.opId}), journaled before a wipe, is not on the ledger`;
        if (op.tillId !== journal.tillId)
          return `op ${row.opId} of ${journal.tillId} is on the ledger as ${op.tillId}'s`;
        if (!isDeepStrictEqual(op.outcome, row.outcome))
          return `${journal.tillId}'s op ${row.opId}: the wiped journal recorded ${JSON.stringify(row.outcome)}, the ledger holds ${JSON.stringify(op.outcome)}`;
      }
    }
    return null;
  });
}

/**
 * Independently of the ledger's books: each balance = opening + the outcomes the tills were told, in their current
 * journals and in those of wiped databases.
 */
async function auditSums(
  db: TestDatabase,
  tills: readonly TestTill[],
  members: readonly ImportMember[],
  retired: readonly RetiredJournal[],
): Promise<string | null> {
  const balances = await withLedgerStore(
    db,
    async (store) => new Map((await store.listMembers()).map((m) => [m.memberId, m.balance])),
  );
  for (const m of members) {
    let sum = m.openingBalance as number;
    for (const t of tills) {
      for (const row of await t.db.ops.where('memberId').equals(m.memberId).toArray())
        if (row.outcome && row.outcome.status !== 'rejected') sum += row.outcome.delta;
    }
    for (const journal of retired) {
      for (const row of journal.rows)
        if (row.memberId === m.memberId && row.outcome && row.outcome.status !== 'rejected') sum += row.outcome.delta;
    }
    if (balances.get(m.memberId) !== sum)
      return `member ${m.card}: ledger balance ${balances.get(m.memberId)} but opening + till outcomes = ${sum}`;
  }
  return null;
}
