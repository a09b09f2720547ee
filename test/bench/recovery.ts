/**
 * Recovery: 200 tills reconnect to a ledger restored 10 minutes behind. The real till engine (sync/till on
 * fake-indexeddb, one IndexedDB per till, the real replicator and socket.io transport), 200 of them spread over
 * `--processes` worker processes (test/bench/recovery/worker.ts), against a ledger process:
 *
 * 1. every till syncs and journals `--before` earns, which the ledger applies; `ledger backup FILE` is taken while
 *    the ledger serves;
 * 2. ten minutes of trade: the ledger stops, every till journals its share of the lost ops offline (appended in bulk
 *    as the engine writes them, as in the drain bench), the ledger starts again and the tills drain them. The time from
 *    the ledger listening again to every op applied and every outbox empty is **the drain of the same ops pushed
 *    fresh**: the raw limit of this run;
 * 3. the ledger stops, `ledger restore FILE` puts the backup back (those ops are lost) and the ledger starts again. The
 *    figure: from the ledger listening again until every lost op is back (the ledger holds as many ops as before the
 *    restore, all marked recovered) and every till's outbox is empty.
 *
 * Then an SQL audit (each till's ops exactly 1..N at the ledger, no id twice, balances = opening + deltas).
 *
 * The volume is an assumption, stated in the output: a till makes one loyalty op every `--interval` seconds (20 s: a
 * busy checkout serving a card holder every 20 s), so 200 tills make 200 × 600 / 20 = 6,000 ops in 10 minutes.
 *
 *   node --import tsx test/bench/recovery.ts [--db sqlite|postgres] [--tills 200] [--minutes 10] [--interval 20]
 *     [--before 5] [--members 50] [--processes 8] [--reconnect-ms 1000] [--reconnect-max-ms 2000]
 *
 * The tills reconnect as the till transport does (first retry after 1 s, doubling, jitter 0.5) but capped at 2 s
 * instead of 30 s, in both phases: the ledger is down for seconds in each (longer for the restore), and the figure is
 * meant to be the recovery's work, not how far the backoff grew meanwhile (bench:storm measures that).
 * `reconnectSeconds` says when the last till was back online.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { openSqliteDatabase } from '../../sync/ledger/store/open.ts';
import type { TestDatabase } from '../support/databases.ts';
import { runLedger } from '../support/ledger-cli.ts';
import type { WorkerCommand, WorkerReply } from './recovery/worker.ts';
import { auditSql } from './support/audit-sql.ts';
import { makeBenchDatabase, seedBench, type BenchTill } from './support/bench-db.ts';
import { startLedgerChild, type LedgerChild } from './support/ledger-child.ts';
import { dbFlag, flags, numberFlag, progress, result, round } from './support/report.ts';

const usage =
  'node --import tsx test/bench/recovery.ts [--db sqlite|postgres] [--tills 200] [--minutes 10] [--interval 20] [--before 5] [--members 50] [--processes 8] [--reconnect-ms 1000] [--reconnect-max-ms 2000]';
const f = flags(
  {
    db: 'sqlite',
    tills: '200',
    minutes: '10',
    interval: '20',
    before: '5',
    members: '50',
    processes: '8',
    'reconnect-ms': '1000',
    'reconnect-max-ms': '2000',
  },
  usage,
);
const kind = dbFlag(f.db);
const tillCount = numberFlag(f.tills, 'tills');
const minutes = numberFlag(f.minutes, 'minutes');
const interval = numberFlag(f.interval, 'interval');
const before = numberFlag(f.before, 'before');
const perTill = Math.round((minutes * 60) / interval);
const lostOps = perTill * tillCount;

/** One count query at a time on the ledger's database, from a connection opened for one phase. */
interface OpCounter {
  count(): Promise<number>;
  recovered(): Promise<number>;
  close(): Promise<void>;
}

async function opCounter(db: TestDatabase): Promise<OpCounter> {
  if (db.databaseUrl) {
    const client = new pg.Client({ connectionString: db.databaseUrl });
    await client.connect();
    const one = async (sql: string) => Number((await client.query<{ n: string }>(sql)).rows[0]?.n ?? 0);
    return {
      count: () => one('select count(*) as n from ops'),
      recovered: () => one('select count(*) as n from recovered_ops'),
      close: () => client.end(),
    };
  }
  const sqlite = await openSqliteDatabase(db.dataDir);
  const one = (sql: string) => Number(sqlite.prepare<[], { n: number }>(sql).get()?.n ?? 0);
  return {
    count: () => Promise.resolve(one('select count(*) as n from ops')),
    recovered: () => Promise.resolve(one('select count(*) as n from recovered_ops')),
    close: () => {
      sqlite.close();
      return Promise.resolve();
    },
  };
}

const workerFile = fileURLToPath(new URL('./recovery/worker.ts', import.meta.url));

/** The till processes: one command to all of them at once, answering the sum of their values. */
class Tills {
  private next = 1;
  private readonly waiting = new Map<number, { resolve: (v: number) => void; reject: (e: Error) => void }>();

  private constructor(private readonly children: ChildProcess[]) {
    for (const c of children) {
      c.on('message', (m: WorkerReply) => {
        const w = this.waiting.get(m.id);
        if (!w) return;
        this.waiting.delete(m.id);
        if (m.ok) w.resolve(m.value);
        else w.reject(new Error(m.error));
      });
      c.once('exit', (code) => {
        for (const w of this.waiting.values()) w.reject(new Error(`a till process exited with ${code}`));
        this.waiting.clear();
      });
    }
  }

  /** Forks `processes` workers and opens `tills` in them, round robin; resolves once every till has synced. */
  static async start(
    url: string,
    tills: readonly BenchTill[],
    processes: number,
    reconnect: { reconnectMs: number; reconnectMaxMs: number },
  ): Promise<Tills> {
    const children = Array.from({ length: Math.min(processes, tills.length) }, () =>
      fork(workerFile, [], {
        execArgv: ['--import', 'tsx'],
        stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
      }),
    );
    const all = new Tills(children);
    await Promise.all(
      children.map((c, p) =>
        all.ask(c, { cmd: 'open', url, ...reconnect, tills: tills.filter((_, i) => i % children.length === p) }),
      ),
    );
    return all;
  }

  private ask(child: ChildProcess, command: WorkerCommand): Promise<number> {
    const id = this.next++;
    return new Promise<number>((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      child.send({ ...command, id });
    });
  }

  async all(command: WorkerCommand): Promise<number> {
    const values = await Promise.all(this.children.map((c) => this.ask(c, command)));
    return values.reduce((a, b) => a + b, 0);
  }

  async close(): Promise<void> {
    await this.all({ cmd: 'close' }).catch(() => 0);
    await Promise.all(
      this.children.map(
        (c) =>
          new Promise<void>((resolve) => {
            if (c.exitCode !== null || c.signalCode !== null) return resolve();
            const timer = setTimeout(() => c.kill('SIGKILL'), 5_000);
            c.once('exit', () => {
              clearTimeout(timer);
              resolve();
            });
          }),
      ),
    );
  }
}

/**
 * From `from` (the ledger listening again) until the ledger holds `target` ops and every outbox is empty; answers the
 * seconds taken, when the last till was online again and when the ledger's count was reached.
 */
async function untilBack(
  db: TestDatabase,
  tills: Tills,
  target: number,
  from: number,
  timeoutMs: number,
): Promise<{ seconds: number; countSeconds: number; reconnectSeconds: number }> {
  const counter = await opCounter(db);
  try {
    let countAt: number | null = null;
    let onlineAt: number | null = null;
    let last = -1;
    let lastLog = performance.now();
    for (;;) {
      const now = performance.now();
      if (onlineAt === null && (await tills.all({ cmd: 'away' })) === 0) onlineAt = performance.now();
      if (countAt === null) {
        last = await counter.count();
        if (last >= target) countAt = performance.now();
      }
      if (countAt !== null && onlineAt !== null && (await tills.all({ cmd: 'left' })) === 0)
        return {
          seconds: (performance.now() - from) / 1000,
          countSeconds: (countAt - from) / 1000,
          reconnectSeconds: (onlineAt - from) / 1000,
        };
      if (now - from > timeoutMs) throw new Error(`not back after ${timeoutMs} ms: ledger holds ${last} of ${target}`);
      if (now - lastLog > 5_000) {
        progress(`  ${round((now - from) / 1000, 1)} s: ledger holds ${last} of ${target} ops`);
        lastLog = now;
      }
      await new Promise((r) => setTimeout(r, 25));
    }
  } finally {
    await counter.close();
  }
}

const db = await makeBenchDatabase(kind);
const scratch = await mkdtemp(join(tmpdir(), 'bench-recovery-'));
let ledger: LedgerChild | undefined;
let tills: Tills | undefined;
try {
  const stores = Math.ceil(tillCount / 10);
  progress(`seeding ${kind}: ${stores} stores, ${tillCount} tills, ${numberFlag(f.members, 'members')} members each`);
  const seeded = (
    await seedBench(db, { stores, tillsPerStore: 10, membersPerStore: numberFlag(f.members, 'members') })
  ).slice(0, tillCount);
  ledger = await startLedgerChild(db);
  const l = ledger;
  const processes = numberFlag(f.processes, 'processes');
  const t0 = performance.now();
  const all = await Tills.start(l.url, seeded, processes, {
    reconnectMs: numberFlag(f['reconnect-ms'], 'reconnect-ms'),
    reconnectMaxMs: numberFlag(f['reconnect-max-ms'], 'reconnect-max-ms'),
  });
  tills = all;
  progress(`${tillCount} tills in ${processes} processes synced in ${round((performance.now() - t0) / 1000, 1)} s`);

  // 1. Ops the backup will hold, then the backup itself, taken while the ledger serves.
  await all.all({ cmd: 'append', from: 0, to: before });
  await all.all({ cmd: 'synced' });
  const backupFile = join(scratch, 'ledger.backup');
  const b0 = performance.now();
  const backup = await runLedger(['backup', backupFile], { dataDir: db.dataDir, databaseUrl: db.databaseUrl });
  if (backup.code !== 0) throw new Error(`ledger backup failed: ${backup.stderr || backup.stdout}`);
  const backupSeconds = (performance.now() - b0) / 1000;
  const backupOps = before * tillCount;
  progress(`${backup.stdout.trim()} (${round(backupSeconds, 1)} s, ${backupOps} ops)`);

  // 2. Ten minutes of trade, journaled while the ledger is down and drained when it is back: the fresh drain.
  await l.stop();
  await all.all({ cmd: 'offline' });
  await all.all({ cmd: 'append', from: before, to: before + perTill });
  progress(`${lostOps} ops journaled offline (${perTill} per till: one every ${interval} s for ${minutes} min)`);
  await l.start();
  const fresh = await untilBack(db, all, backupOps + lostOps, performance.now(), 600_000);
  progress(
    `fresh drain: ${round(fresh.seconds, 2)} s (all tills online at ${round(fresh.reconnectSeconds, 2)} s, all applied at ${round(fresh.countSeconds, 2)} s)`,
  );

  // 3. The restore: the ledger stopped, the backup put back, the ledger started; the tills send back what it lost.
  await l.stop();
  await all.all({ cmd: 'offline' });
  const r0 = performance.now();
  const restore = await runLedger(['restore', backupFile], { dataDir: db.dataDir, databaseUrl: db.databaseUrl });
  if (restore.code !== 0) throw new Error(`ledger restore failed: ${restore.stderr || restore.stdout}`);
  const restoreSeconds = (performance.now() - r0) / 1000;
  progress(`${restore.stdout.trim().split('\n')[0] ?? 'restored'} (${round(restoreSeconds, 1)} s)`);
  await l.start();
  const back = await untilBack(db, all, backupOps + lostOps, performance.now(), 600_000);
  progress(
    `recovery: ${round(back.seconds, 2)} s (all tills online at ${round(back.reconnectSeconds, 2)} s, all back at ${round(back.countSeconds, 2)} s)`,
  );

  const counter = await opCounter(db);
  const recovered = await counter.recovered();
  await counter.close();
  await all.close();
  tills = undefined;
  await l.stop();
  const audit = await auditSql(db, Object.fromEntries(seeded.map((t) => [t.tillId, before + perTill])));
  if (!audit.ok) throw new Error(`audit failed: ${JSON.stringify(audit)}`);
  if (recovered !== lostOps) throw new Error(`${recovered} ops marked recovered, ${lostOps} were lost`);
  result({
    bench: 'recovery',
    db: kind,
    tills: tillCount,
    processes,
    assumption: `1 op per till every ${interval} s for ${minutes} min`,
    lostOps,
    backupOps,
    recoverySeconds: round(back.seconds, 2),
    freshDrainSeconds: round(fresh.seconds, 2),
    ratio: round(fresh.seconds / back.seconds, 2),
    recoveryOpsPerSec: Math.round(lostOps / back.seconds),
    freshOpsPerSec: Math.round(lostOps / fresh.seconds),
    recovered,
    reconnectSeconds: round(back.reconnectSeconds, 2),
    freshReconnectSeconds: round(fresh.reconnectSeconds, 2),
    restoreSeconds: round(restoreSeconds, 1),
    backupSeconds: round(backupSeconds, 1),
    audit: 'ok',
  });
} finally {
  await tills?.close();
  await ledger?.stop().catch(() => undefined);
  await rm(scratch, { recursive: true, force: true });
  await db.drop();
}
