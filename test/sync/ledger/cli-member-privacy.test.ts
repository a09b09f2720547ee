/**
 * `ledger member export|erase` as head office runs them: a real process, on SQLite and PostgreSQL. After an erasure
 * the member's name, e-mail and card are nowhere in the database's files (WAL included) nor in a pg_dump, the
 * balances and the audit chain are as they were, the card finds nobody and the store's next pull drops the member.
 */
import { execFile } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { sql } from 'kysely';
import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyGroup } from '../../../sync/ledger/apply-group.ts';
import { openStore } from '../../../sync/ledger/store/open.ts';
import type { LedgerStore } from '../../../sync/ledger/store/types.ts';
import type { EnrolOp } from '../../../sync/loyalty/ops.ts';
import type { Card, MemberId, StoreId } from '../../../sync/loyalty/units.ts';
import { backends, makeTestDatabase, type TestDatabase } from '../../support/databases.ts';
import { runLedger } from '../../support/ledger-cli.ts';
import { OpMaker } from '../../support/ops.ts';
import { seedLedger } from '../../support/seed.ts';

const T0 = Date.UTC(2026, 0, 1);
const NAME = 'Zebedee Quillfeather';
const CARD = 'ZQ-77441-ERASE' as Card;
const EMAIL = 'zebedee.quillfeather@example.org';
const ADDRESS = '12 Quillfeather Lane';
const NEW_CARD = 'ZQ-88552-NEWCARD' as Card;

describe.each(backends)('ledger member export and erase on %s', (backend) => {
  let db: TestDatabase;
  const memberId = uuidv7() as MemberId;
  const ledger = (...args: string[]) =>
    runLedger(args, { dataDir: db.dataDir, databaseUrl: db.databaseUrl, cwd: db.dataDir });
  const withStore = async <T>(fn: (s: LedgerStore) => Promise<T>): Promise<T> => {
    const store = await openStore(db.databaseUrl ? { databaseUrl: db.databaseUrl } : { dataDir: db.dataDir });
    try {
      return await fn(store);
    } finally {
      await store.close();
    }
  };
  /** Every byte the database holds: the SQLite files (WAL included), or a pg_dump. */
  const everything = async (): Promise<string> => {
    if (db.databaseUrl) {
      const r = await promisify(execFile)('pg_dump', [db.databaseUrl], { maxBuffer: 64 << 20 });
      return r.stdout;
    }
    const files = await readdir(db.dataDir);
    const texts = await Promise.all(files.map((f) => readFile(join(db.dataDir, f)).then((b) => b.toString('latin1'))));
    return texts.join('\n');
  };

  beforeAll(async () => {
    db = await makeTestDatabase(backend);
    const seeded = await seedLedger(db, { members: 2, now: T0 });
    const [a1] = seeded.tills;
    if (!a1) throw new Error('seed');
    const till = new OpMaker(a1, 1, () => T0);
    const other = seeded.members[0]!.memberId;
    // Ops of another member before and after the enrol: the chain must verify on both sides of the erased row.
    const before = till.earn(other, 500);
    const slot = till.earn(other, 1); // its seq goes to the enrol, built by hand
    const enrol: EnrolOp = {
      opId: slot.opId,
      tillId: slot.tillId,
      storeId: slot.storeId,
      seq: slot.seq,
      at: slot.at,
      programVersion: slot.programVersion,
      kind: 'enrol',
      memberId,
      card: CARD,
      name: NAME,
    };
    const ops = [before, enrol, till.earn(memberId, 2_000), till.earn(other, 700)];
    await withStore(async (store) => {
      await store.transaction((tx) =>
        applyGroup(tx, [{ tillId: a1.tillId, storeId: a1.storeId, ops, sentAt: T0, receivedAt: T0 }], {
          now: T0,
          clockToleranceMs: () => 120_000,
        }),
      );
      await sql`update members set email = ${EMAIL}, postal_address = ${ADDRESS}, birthday = ${'04-01'} where member_id = ${memberId}`.execute(
        store.kysely(),
      );
    });
  });
  afterAll(async () => {
    await db.drop();
  });

  it('exports everything held on the member as JSON, and logs who asked', async () => {
    const r = await ledger('member', 'export', memberId, '--by', 'dpo');
    expect(r.code).toBe(0);
    const file = JSON.parse(r.stdout) as {
      memberId: string;
      erasedAt: number | null;
      tables: Record<string, Record<string, unknown>[]>;
    };
    expect(file.memberId).toBe(memberId);
    expect(file.erasedAt).toBeNull();
    expect(file.tables['members']?.[0]).toMatchObject({
      name: NAME,
      card: CARD,
      email: EMAIL,
      postal_address: ADDRESS,
    });
    expect(file.tables['ops']?.map((o) => o['kind']).sort()).toEqual(['earn', 'enrol']);
    expect(file.tables['ops']?.find((o) => o['kind'] === 'enrol')?.['op']).toMatchObject({ name: NAME, card: CARD });
    expect(file.tables).toHaveProperty('lots');
    expect(file.tables['events']?.length).toBeGreaterThan(0);
    expect(file.tables['holds']?.length).toBe(1);
    const log = await ledger('audit', 'log', '--limit', '1');
    expect(log.stdout).toContain('\tdpo\tmember export\t');

    const unknown = await ledger('member', 'export', uuidv7(), '--by', 'dpo');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('UNKNOWN_MEMBER');
  });

  it('replaces a lost card: the old one finds nobody and is never given again, the pull brings the new one', async () => {
    const r = await ledger('member', 'replace-card', memberId, NEW_CARD, '--by', 'desk');
    expect(r.stdout).toContain(`member ${memberId} now holds card ${NEW_CARD}`);
    expect(r.code).toBe(0);
    await withStore(async (s) => {
      expect(await s.findMemberByCard(CARD)).toBeUndefined();
      expect((await s.findMemberByCard(NEW_CARD))?.memberId).toBe(memberId);
      const page = await s.pullMembers('store-a' as StoreId, 0, 100);
      expect(page.members.find((m) => m.memberId === memberId)?.card).toBe(NEW_CARD);
    });
    const other = (await withStore((s) => s.listMembers())).find((m) => m.memberId !== memberId)!;
    const back = await ledger('member', 'replace-card', other.memberId, CARD, '--by', 'desk');
    expect(back.stderr).toContain('CARD_TAKEN');
    expect(back.code).toBe(2);
    const log = await ledger('audit', 'log', '--limit', '1');
    expect(log.stdout).toContain('\tdesk\tmember replace-card\t');
  });

  it('erases the personal data everywhere, keeps balances and the audit chain, and the tills drop the member', async () => {
    const audited = await ledger('audit', 'verify');
    expect(audited.code).toBe(0);
    const head = /chain head (\d+ [0-9a-f]{64})/.exec(audited.stdout)?.[1];
    const balances = await withStore((s) => s.listMembers());
    expect(await everything()).toContain(NAME);

    expect((await ledger('member', 'erase', memberId, '--by', 'dpo')).code).toBe(2); // --why is required
    const r = await ledger('member', 'erase', memberId, '--why', 'request of 2 Jan', '--by', 'dpo');
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain(`member ${memberId} erased: 1 op(s) sealed`);
    expect(r.code).toBe(0);

    const text = await everything();
    for (const secret of [NAME, EMAIL, CARD, NEW_CARD, ADDRESS]) expect(text, secret).not.toContain(secret);

    const again = await ledger('audit', 'verify');
    expect(again.stdout).toContain(`chain head ${head}`);
    expect(again.code).toBe(0);
    await withStore(async (s) => {
      const now = await s.listMembers();
      expect(now.map((m) => [m.memberId, m.balance, m.lifetimePoints])).toEqual(
        balances.map((m) => [m.memberId, m.balance, m.lifetimePoints]),
      );
      expect(await s.findMemberByCard(CARD)).toBeUndefined();
      const erased = await s.getMember(memberId);
      expect(erased).toMatchObject({ name: '(erased)', email: null, postalAddress: null, birthday: null });
      expect(await s.findMemberByCard(erased!.card)).toBeUndefined();
      const page = await s.pullMembers('store-a' as StoreId, 0, 100);
      expect(page.members.find((m) => m.memberId === memberId)?.erased).toBe(true);
      expect(page.members.filter((m) => m.erased === true)).toHaveLength(1);
    });

    const twice = await ledger('member', 'erase', memberId, '--why', 'again', '--by', 'dpo');
    expect(twice.code).toBe(2);
    expect(twice.stderr).toContain('ALREADY_ERASED');
    const log = await ledger('audit', 'log', '--limit', '5');
    expect(log.stdout).toMatch(/\tdpo\tmember erase\trequest of 2 Jan\t.*"opsSealed":1/);
  });

  it('reports an erased row edited afterwards', async () => {
    await withStore((s) =>
      sql`update ops set delta = delta + 1 where member_id = ${memberId} and kind = 'enrol'`.execute(s.kysely()),
    );
    const r = await ledger('audit', 'verify');
    expect(r.stdout).toMatch(/^audit FAILED: EDITED .*no longer matches its erasure seal/);
    expect(r.code).toBe(3);
  });
});
