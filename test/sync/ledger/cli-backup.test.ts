/**
 * `ledger backup`, `ledger restore` and `ledger recovery` as head office runs them (real processes), on SQLite and on
 * PostgreSQL when DATABASE_URL is set: a restore takes the ledger back to the backup under a new epoch, with both in
 * the action log; a backup taken while another connection writes is consistent; anything but a ledger backup is
 * refused NOT_A_BACKUP and changes nothing; `ledger recovery` says which tills owe ops.
 */
import { randomBytes } from 'node:crypto';
import { readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import SqliteDatabase from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyAuditChain } from '../../../sync/ledger/audit.ts';
import { applyHeadOfficeOps } from '../../../sync/ledger/head-office.ts';
import { openStore } from '../../../sync/ledger/store/open.ts';
import type { LedgerStore } from '../../../sync/ledger/store/types.ts';
import type { MemberId, OpId, Points, StoreId, TillId } from '../../../sync/loyalty/units.ts';
import { ledgerState } from '../../fuzz/support.ts';
import { backends, makeTestDatabase, type TestDatabase } from '../../support/databases.ts';
import { runLedger } from '../../support/ledger-cli.ts';
import { seedLedger, type Seeded } from '../../support/seed.ts';

/** Each test runs several `ledger` processes (a few seconds each on a busy machine). */
const TIMEOUT = 180_000;

const adjust = (memberId: MemberId, points: number) => ({
  kind: 'adjust' as const,
  memberId,
  points: points as Points,
  reason: 'test',
  by: 'HO Test',
});

describe.each(backends)('ledger backup and restore on %s', (kind) => {
  let db: TestDatabase;
  let seeded: Seeded;
  const ext = kind === 'sqlite' ? 'sqlite' : 'dump';
  const ledger = (...args: string[]) =>
    runLedger(args, { dataDir: db.dataDir, databaseUrl: db.databaseUrl, env: { LEDGER_ACTOR: 'ci-robot' } });
  const withLedger = async <T>(fn: (store: LedgerStore) => Promise<T>, target: TestDatabase = db): Promise<T> => {
    const store = await openStore(
      target.databaseUrl ? { databaseUrl: target.databaseUrl } : { dataDir: target.dataDir },
    );
    try {
      return await fn(store);
    } finally {
      await store.close();
    }
  };
  const actions = () => withLedger((s) => s.kysely().selectFrom('actions').selectAll().orderBy('action_id').execute());
  const member = (i: number) => seeded.members[i]!.memberId;

  beforeAll(async () => {
    db = await makeTestDatabase(kind);
    seeded = await seedLedger(db, { members: 5 });
  });
  afterAll(async () => {
    await db?.drop();
  });

  it(
    'restores a backup: later changes are gone, the epoch is new, the action log has both',
    async () => {
      const file = join(db.dataDir, `b1.${ext}`);
      const before = await withLedger(async (s) => {
        await applyHeadOfficeOps(s, [adjust(member(0), 10)]);
        // b1 said hello before the backup and never again: after the restore it is "not seen since the restore".
        await s.touchIncarnation({ tillId: 'b1' as TillId, incarnation: 'inc-b1', baseSeq: 1, reportedSeq: 0, at: 1 });
        return { epoch: await s.ledgerEpoch(), state: await ledgerState(s) };
      });

      const backup = await ledger('backup', file);
      expect(backup.code, backup.stderr).toBe(0);
      const line = /^backup (\S+): (\d+) bytes \(.+\), ledger seq (\d+), epoch (\S+)\n$/.exec(backup.stdout);
      expect(line, backup.stdout).not.toBeNull();
      expect(line?.[1]).toBe(file);
      expect(Number(line?.[2])).toBe((await stat(file)).size);
      expect(line?.[4]).toBe(before.epoch);
      const backupSeq = Number(line?.[3]);
      // Refused over an existing file unless --force.
      const again = await ledger('backup', file);
      expect(again.code).toBe(2);
      expect(again.stderr).toContain('error FILE_EXISTS: ');

      await withLedger((s) => applyHeadOfficeOps(s, [adjust(member(1), 20), adjust(member(2), -5)]));
      expect((await ledger('store', 'add', 'store-z', '--name', 'Later')).code).toBe(0);
      expect(await withLedger(ledgerState)).not.toBe(before.state);

      const restore = await ledger('--why', 'disk lost', 'restore', file);
      expect(restore.code, restore.stderr).toBe(0);
      expect(restore.stdout).toContain(`restored ${file}: the ledger is back at ledger seq ${backupSeq}`);
      expect(restore.stdout).toMatch(/\tstore add\t.*store-z/);
      expect(restore.stdout).toContain('ledger recovery');

      const after = await withLedger(async (s) => ({
        epoch: await s.ledgerEpoch(),
        state: await ledgerState(s),
        store: await s.getStore('store-z' as StoreId),
        audit: await verifyAuditChain(s),
      }));
      expect(after.state).toBe(before.state);
      expect(after.store).toBeUndefined();
      expect(after.epoch).not.toBe(before.epoch);
      expect(after.audit.problem).toBeNull();

      const log = await actions();
      const b = log.find((a) => a.action === 'backup');
      const r = log.find((a) => a.action === 'restore');
      expect(JSON.parse(b?.details ?? '{}')).toMatchObject({ file, ledgerSeq: backupSeq, epoch: before.epoch });
      expect(r?.reason).toBe('disk lost');
      const details = JSON.parse(r?.details ?? '{}') as { keptAs: string };
      expect(details).toMatchObject({
        file,
        backupLedgerSeq: backupSeq,
        oldEpoch: before.epoch,
        newEpoch: after.epoch,
      });
      // The entry undone by the restore stays in the log, before the restore's.
      expect(log.map((a) => a.action).slice(-3)).toEqual(['backup', 'store add', 'restore']);
      // The database before the restore is kept.
      expect((await stat(details.keptAs)).size).toBeGreaterThan(0);
    },
    TIMEOUT,
  );

  it(
    'ledger recovery says which tills owe ops, which are complete and which were not seen since the restore',
    async () => {
      const epoch = await withLedger(async (s) => {
        const now = Date.now();
        await s.touchIncarnation({
          tillId: 'a1' as TillId,
          incarnation: 'inc-a1',
          baseSeq: 1,
          reportedSeq: 7,
          at: now,
        });
        await s.touchIncarnation({
          tillId: 'a2' as TillId,
          incarnation: 'inc-a2',
          baseSeq: 1,
          reportedSeq: 0,
          at: now,
        });
        const e = await s.ledgerEpoch();
        // One op of a2 came back in this epoch, one in an earlier one (not counted).
        await s
          .kysely()
          .insertInto('recovered_ops')
          .values([
            { op_id: 'op-now' as OpId, till_id: 'a2' as TillId, epoch: e, recovered_at: now },
            { op_id: 'op-before' as OpId, till_id: 'a2' as TillId, epoch: 'an-old-epoch', recovered_at: 1 },
          ])
          .execute();
        return e;
      });
      const text = await ledger('recovery');
      expect(text.code, text.stderr).toBe(0);
      expect(text.stdout).toContain(`epoch ${epoch}; restored at `);
      expect(text.stdout).toMatch(/^a1\tstore-a\tinc-a1\t0\t7\t0\t\S+\towes 7 ops$/m);
      expect(text.stdout).toMatch(/^a2\tstore-a\tinc-a2\t0\t0\t1\t\S+\tcomplete$/m);
      expect(text.stdout).toMatch(
        /^b1\tstore-b\tinc-b1\t0\t0\t0\t1970-01-01T00:00:00\.001Z\tnot seen since the restore$/m,
      );
      expect(text.stdout).toContain('total: 3 tills, 1 complete, 1 owe 7 ops, 1 not seen since the restore; 1 ops');

      const json = await ledger('recovery', '--json');
      const doc = JSON.parse(json.stdout) as {
        epoch: string;
        tills: { tillId: string; verdict: string; owed: number; recovered: number }[];
        totals: Record<string, number>;
      };
      expect(doc.epoch).toBe(epoch);
      expect(doc.tills.map((t) => [t.tillId, t.verdict, t.owed, t.recovered])).toEqual([
        ['a1', 'owes', 7, 0],
        ['a2', 'complete', 0, 1],
        ['b1', 'not-seen-since-restore', 0, 0],
      ]);
      expect(doc.totals).toEqual({ tills: 3, complete: 1, owing: 1, owedOps: 7, notSeen: 1, recovered: 1 });
      // Read-only: not in the action log.
      expect((await actions()).some((a) => a.action === 'recovery')).toBe(false);
    },
    TIMEOUT,
  );

  it(
    'takes a consistent backup while another connection writes',
    async () => {
      const file = join(db.dataDir, `busy.${ext}`);
      const store = await openStore(db.databaseUrl ? { databaseUrl: db.databaseUrl } : { dataDir: db.dataDir });
      let stop = false;
      let written = 0;
      let seqBefore = 0;
      let seqAfter = 0;
      let backup: Awaited<ReturnType<typeof ledger>>;
      try {
        seqBefore = (await store.totals()).ops;
        const writer = (async () => {
          for (let i = 0; !stop; i++) {
            await applyHeadOfficeOps(store, [adjust(member(i % 5), 1), adjust(member((i + 1) % 5), 2)]);
            written += 2;
            // better-sqlite3 answers synchronously: without a macrotask turn, timers and the child process starve.
            await new Promise((r) => setImmediate(r));
          }
        })();
        while (written < 10) await new Promise((r) => setTimeout(r, 10));
        backup = await ledger('backup', file);
        const writtenDuring = written;
        // A few more after the backup, then stop.
        while (written < writtenDuring + 10) await new Promise((r) => setTimeout(r, 10));
        stop = true;
        await writer;
        seqAfter = (await store.totals()).ops;
      } finally {
        stop = true;
        await store.close();
      }
      expect(backup.code, backup.stderr).toBe(0);
      const backupSeq = Number(/ledger seq (\d+),/.exec(backup.stdout)?.[1]);

      // Restored elsewhere (a fresh data folder or database), the copy is one commit's state: chain and books hold.
      const elsewhere = await makeTestDatabase(kind);
      try {
        const r = await runLedger(['restore', file], {
          dataDir: elsewhere.dataDir,
          databaseUrl: elsewhere.databaseUrl,
        });
        expect(r.code, r.stderr).toBe(0);
        await withLedger(async (s) => {
          const audit = await verifyAuditChain(s);
          expect(audit.problem).toBeNull();
          const ops = (await s.totals()).ops;
          // Taken while the writer ran: some of its ops are in, not all.
          expect(ops).toBeGreaterThan(seqBefore);
          expect(ops).toBeLessThan(seqAfter);
          const counter = await s.kysely().selectFrom('counter').select('ledger_seq').executeTakeFirstOrThrow();
          expect(Number(counter.ledger_seq)).toBe(backupSeq);
        }, elsewhere);
      } finally {
        await elsewhere.drop();
      }
    },
    TIMEOUT,
  );

  it(
    'refuses to restore while another connection has the ledger open (LEDGER_RUNNING), changing nothing',
    async () => {
      const file = join(db.dataDir, `b1.${ext}`);
      await withLedger(async (s) => {
        const before = { epoch: await s.ledgerEpoch(), state: await ledgerState(s) };
        // An idle ledger still has the database open: past pg's default idle timeout (10 s) its pool would have
        // closed every connection, and the restore would have gone ahead under a serving ledger.
        if (kind === 'postgres') await sleep(11_000);
        const r = await ledger('restore', file);
        expect(r.code).toBe(2);
        expect(r.stderr).toMatch(/^error LEDGER_RUNNING: .+\n$/);
        expect({ epoch: await s.ledgerEpoch(), state: await ledgerState(s) }).toEqual(before);
      });
    },
    TIMEOUT,
  );

  it(
    'refuses anything but a ledger backup with NOT_A_BACKUP (or FILE_NOT_FOUND), changing nothing',
    async () => {
      const dir = db.dataDir;
      await writeFile(join(dir, 'notes.txt'), 'this is not a backup\n');
      await writeFile(join(dir, 'empty.bin'), '');
      await writeFile(join(dir, 'random.bin'), randomBytes(8192));
      const other = new SqliteDatabase(join(dir, 'other.sqlite'));
      other.exec('create table ops (x integer); insert into ops values (1);');
      other.close();
      // A SQLite file that starts right and is cut short.
      const whole = await readFile(join(dir, `b1.${ext}`));
      await writeFile(join(dir, 'cut.bin'), whole.subarray(0, Math.min(whole.length - 1, 5000)));

      const snapshot = async () => ({
        ...(await withLedger(async (s) => ({
          epoch: await s.ledgerEpoch(),
          state: await ledgerState(s),
          actions: (await s.kysely().selectFrom('actions').select('action_id').execute()).length,
        }))),
        files: (await readdir(dir)).sort(),
      });
      const before = await snapshot();
      const names = ['notes.txt', 'empty.bin', 'random.bin', 'other.sqlite', 'cut.bin', 'no-such-file'];
      const runs = await Promise.all(names.map((name) => ledger('restore', join(dir, name))));
      runs.forEach((r, i) => {
        const name = names[i]!;
        expect(r.code, `${name}: ${r.stderr}`).toBe(2);
        expect(r.stderr, name).toMatch(
          name === 'no-such-file'
            ? /^error FILE_NOT_FOUND: cannot read .+\.\n$/
            : /^error NOT_A_BACKUP: .+ is not a ledger backup \(.+\); nothing was changed\.\n$/,
        );
      });
      expect(await snapshot()).toEqual(before);
    },
    TIMEOUT,
  );
});
