/**
 * The contract of the store's per-concern interfaces (webhooks, notices, action log, reports, events feed, lifecycle,
 * audit reads, backup meta, member privacy), run against every backend: SQLite always, PostgreSQL when DATABASE_URL is set (a fresh
 * database per test). Head-office modules reach the database only through these, so a new backend passing this and
 * store.contract.test.ts serves them all.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { chainRowHash, GENESIS_HASH } from '../../../../sync/ledger/audit.ts';
import type { StoredWebhook } from '../../../../sync/ledger/store/interfaces/webhooks.ts';
import { openStore } from '../../../../sync/ledger/store/open.ts';
import { LEGACY_INCARNATION, type GroupWrites, type LedgerStore } from '../../../../sync/ledger/store/types.ts';
import type { NewEvent } from '../../../../sync/loyalty/events.ts';
import type { Card } from '../../../../sync/loyalty/units.ts';
import { backends, makeTestDatabase, type TestDatabase } from '../../../support/databases.ts';
import {
  T0,
  card,
  earn,
  importRow,
  member,
  memberId,
  opId,
  program,
  pts,
  storeId,
  tillId,
  voidOp,
} from './fixtures.ts';

const S1 = storeId('s1');
const T1 = tillId('s1-t1');
const DAY = 86_400_000;

const emptyWrites = (ledgerSeq: number): GroupWrites => ({
  ops: [],
  conflictUpdates: [],
  reversals: [],
  members: [],
  tills: [],
  conflicts: [],
  holds: [],
  ledgerSeq,
});

const webhook = (n: number, over: Partial<StoredWebhook> = {}): StoredWebhook => ({
  webhookId: `0190000${n}-0000-7000-8000-000000000000`,
  url: `http://127.0.0.1/hook-${n}`,
  secret: 'a'.repeat(64),
  createdAt: T0 + n,
  cursor: 0,
  attempts: 0,
  nextAttemptAt: null,
  lastError: null,
  disabledAt: null,
  consentChannel: null,
  ...over,
});

const birthday = (n: number, at: number): NewEvent => ({
  type: 'birthday',
  memberId: memberId(n),
  opId: null,
  at,
  data: { balance: 100, year: 2023 },
});

describe.each(backends)('per-concern stores on %s', (backend) => {
  let db: TestDatabase;
  let store: LedgerStore;

  beforeEach(async () => {
    db = await makeTestDatabase(backend);
    store = await openStore({
      ...(db.databaseUrl ? { databaseUrl: db.databaseUrl } : { dataDir: db.dataDir }),
      now: () => T0,
    });
  });
  afterEach(async () => {
    await store.close();
    await db.drop();
  });

  /** Members 1..3 imported with 100 points at S1, and member 1's earn of 10 (op 1) with its lot; 3 birthdays. */
  async function seedOps(): Promise<void> {
    await store.addStore({ storeId: S1, name: 'High Street' });
    await store.addTill({ tillId: T1, storeId: S1, tokenHash: 'scrypt$aa$bb' });
    await store.putProgram(program(1));
    await store.importMembers([importRow(1), importRow(2), importRow(3)], S1);
    await store.transaction(async (tx) => {
      const seq = (await tx.ledgerSeq()) + 1;
      await tx.write({
        ...emptyWrites(seq),
        ops: [earn({ n: 1, till: T1, store: S1, seq: 1, member: 1, ledgerSeq: seq }, 10)],
        members: [member(1, { balance: pts(110), lifetimePoints: pts(10), openingBalance: pts(100), ledgerSeq: seq })],
        tills: [
          { tillId: T1, incarnation: LEGACY_INCARNATION, baseSeq: 1, lastSeq: 1, lastOpId: null, skewMs: 0, rowSeq: 0 },
        ],
        lots: [
          {
            memberId: memberId(1),
            lotId: opId(1),
            earnedAt: T0 + 1,
            expiresAt: T0 + 10 * DAY,
            points: pts(10),
            original: pts(10),
          },
        ],
        events: [birthday(1, T0), birthday(2, T0 + 5), birthday(3, T0 - 5)],
      });
    });
  }

  it('refuses every per-concern call inside a transaction', async () => {
    await expect(store.transaction(() => store.webhooks.list())).rejects.toThrow(/inside transaction/);
    await expect(store.transaction(() => store.notices.countIssued(1))).rejects.toThrow(/inside transaction/);
    await expect(store.transaction(() => store.actionLog.ids())).rejects.toThrow(/inside transaction/);
    await expect(store.transaction(() => store.reports.outstandingSums())).rejects.toThrow(/inside transaction/);
    await expect(store.transaction(() => store.eventsFeed.head())).rejects.toThrow(/inside transaction/);
    await expect(store.transaction(() => store.lifecycle.tierOps([memberId(1)]))).rejects.toThrow(/inside transaction/);
    await expect(store.transaction(() => store.auditReads.chainHead())).rejects.toThrow(/inside transaction/);
    await expect(store.transaction(() => store.backupAdmin.readMeta())).rejects.toThrow(/inside transaction/);
    await expect(store.transaction(() => store.sales.byReceipt('R-1', 1))).rejects.toThrow(/inside transaction/);
  });

  describe('WebhookStore', () => {
    it('adds, lists oldest first, disables and resumes with a clean backoff, removes', async () => {
      const hooks = store.webhooks;
      await hooks.add(webhook(2, { cursor: 7 }));
      await hooks.add(webhook(1));
      expect(await hooks.list()).toEqual([webhook(1), webhook(2, { cursor: 7 })]);
      await hooks.failed(webhook(1).webhookId, 0, { attempts: 3, nextAttemptAt: T0 + 60_000, error: 'HTTP 500' });
      expect(await hooks.setDisabled(webhook(1).webhookId, T0 + 9)).toBe(true);
      expect((await hooks.list())[0]).toEqual(
        webhook(1, { attempts: 3, nextAttemptAt: T0 + 60_000, lastError: 'HTTP 500', disabledAt: T0 + 9 }),
      );
      expect(await hooks.behind(10)).toEqual([webhook(2, { cursor: 7 })]);
      expect(await hooks.setDisabled(webhook(1).webhookId, null)).toBe(true);
      expect((await hooks.list())[0]).toEqual(webhook(1, { lastError: 'HTTP 500' }));
      expect(await hooks.setDisabled('00000000-0000-7000-8000-000000000000', null)).toBe(false);
      expect(await hooks.remove(webhook(2).webhookId)).toBe(true);
      expect(await hooks.remove(webhook(2).webhookId)).toBe(false);
      expect((await hooks.list()).map((w) => w.webhookId)).toEqual([webhook(1).webhookId]);
    });

    it('lists only enabled receivers behind the head', async () => {
      await store.webhooks.add(webhook(1, { cursor: 5 }));
      await store.webhooks.add(webhook(2, { cursor: 3 }));
      await store.webhooks.add(webhook(3, { cursor: 0, disabledAt: T0 }));
      expect((await store.webhooks.behind(5)).map((w) => w.webhookId)).toEqual([webhook(2).webhookId]);
      expect(await store.webhooks.behind(0)).toEqual([]);
    });

    it('leases a receiver to one claimant at a time, at its cursor, until released or run out', async () => {
      const hooks = store.webhooks;
      const id = webhook(1).webhookId;
      await hooks.add(webhook(1, { cursor: 4 }));
      expect(await hooks.claim(id, 3, T0, T0 + 100)).toBe(false); // moved on
      expect(await hooks.claim(id, 4, T0, T0 + 100)).toBe(true);
      expect(await hooks.claim(id, 4, T0 + 50, T0 + 150)).toBe(false); // leased
      await hooks.release(id, T0 + 99); // not this lease
      expect((await hooks.list())[0]?.nextAttemptAt).toBe(T0 + 100);
      expect(await hooks.claim(id, 4, T0 + 100, T0 + 200)).toBe(true); // the lease ran out
      await hooks.release(id, T0 + 200);
      expect((await hooks.list())[0]?.nextAttemptAt).toBeNull();
      await hooks.setDisabled(id, T0);
      expect(await hooks.claim(id, 4, T0, T0 + 100)).toBe(false);
    });

    it('moves the cursor on delivery and records failures, only from the cursor read', async () => {
      const hooks = store.webhooks;
      const id = webhook(1).webhookId;
      await hooks.add(webhook(1, { cursor: 4 }));
      await hooks.failed(id, 4, { attempts: 2, nextAttemptAt: T0 + 10, error: 'timeout' });
      await hooks.failed(id, 9, { attempts: 5, nextAttemptAt: T0 + 99, error: 'stale' });
      expect((await hooks.list())[0]).toMatchObject({
        cursor: 4,
        attempts: 2,
        nextAttemptAt: T0 + 10,
        lastError: 'timeout',
      });
      await hooks.delivered(id, 3, 100); // stale: another process moved it
      expect((await hooks.list())[0]?.cursor).toBe(4);
      await hooks.delivered(id, 4, 12);
      expect((await hooks.list())[0]).toEqual(webhook(1, { cursor: 12 }));
    });
  });

  describe('EventsFeedStore', () => {
    it('has head 0 before any event, then pages end at the limit or the newest event', async () => {
      expect(await store.eventsFeed.head()).toBe(0);
      expect(await store.eventsFeed.pageEnd(0, 10)).toEqual({ end: 0, more: false });
      await seedOps();
      const head = await store.eventsFeed.head();
      expect(head).toBeGreaterThanOrEqual(3);
      expect(await store.eventsFeed.pageEnd(head - 3, 2)).toEqual({ end: head - 1, more: true });
      expect(await store.eventsFeed.pageEnd(head - 3, 3)).toEqual({ end: head, more: false });
      expect(await store.eventsFeed.pageEnd(head, 10)).toEqual({ end: head, more: false });
    });
  });

  describe('LifecycleReads', () => {
    it('finds the birthdays told since a date, and the earns and voids that count for tiers', async () => {
      await seedOps();
      const life = store.lifecycle;
      expect(await life.birthdaysToldSince([], T0)).toEqual(new Set());
      expect(await life.birthdaysToldSince([memberId(1), memberId(2), memberId(3)], T0)).toEqual(
        new Set([memberId(1), memberId(2)]),
      );
      expect(await life.birthdaysToldSince([memberId(2)], T0 + 6)).toEqual(new Set());
      expect(await life.tierOps([])).toEqual([]);
      expect(await life.tierOps([memberId(2)])).toEqual([]);
      const ops = await life.tierOps([memberId(1)]);
      expect(ops).toHaveLength(1);
      expect(ops[0]).toMatchObject({ memberId: memberId(1), delta: 10, op: { kind: 'earn', opId: opId(1) } });

      await store.transaction(async (tx) => {
        const seq = (await tx.ledgerSeq()) + 1;
        await tx.write({
          ...emptyWrites(seq),
          ops: [voidOp({ n: 2, till: T1, store: S1, seq: 2, member: 1, ledgerSeq: seq }, opId(1), -10)],
          reversals: [{ opId: opId(1), reversedBy: opId(2) }],
          members: [member(1, { balance: pts(100), openingBalance: pts(100), ledgerSeq: seq })],
          tills: [
            {
              tillId: T1,
              incarnation: LEGACY_INCARNATION,
              baseSeq: 1,
              lastSeq: 2,
              lastOpId: null,
              skewMs: 0,
              rowSeq: 1,
            },
          ],
        });
      });
      const kinds = (await life.tierOps([memberId(1)])).map((r) => [r.op.kind, r.delta]);
      expect(kinds.sort()).toEqual([
        ['earn', 10],
        ['void', -10],
      ]);
    });
  });

  describe('NoticeStore', () => {
    it('pages the members to tell, records a run pending then issued, and keeps the first notice', async () => {
      await store.importMembers([importRow(1), importRow(2, 0), importRow(3, 40), importRow(4, 7)]);
      const notices = store.notices;
      const page1 = await notices.membersToTell('', 2);
      expect(page1).toEqual([
        {
          memberId: memberId(1),
          name: 'Member 1',
          postalAddress: '1 High Street',
          email: 'm1@example.com',
          balance: 100,
          termsVersion: null,
          termsAnswer: null,
        },
        expect.objectContaining({ memberId: memberId(3), balance: 40 }),
      ]);
      expect((await notices.membersToTell(memberId(3), 2)).map((m) => m.memberId)).toEqual([memberId(4)]);

      expect(await notices.recordPending([memberId(1), memberId(3)], 1, 'csv', 'run-a', T0)).toBe(2);
      // Pending rows count as not told, and not as issued.
      expect(await notices.countIssued(1)).toBe(0);
      expect((await notices.membersToTell('', 10, 1)).map((m) => m.memberId)).toEqual([
        memberId(1),
        memberId(3),
        memberId(4),
      ]);
      await notices.completeRun('run-a');
      expect(await notices.countIssued(1)).toBe(2);
      expect(await notices.countIssued(2)).toBe(0);
      expect((await notices.membersToTell('', 10, 1)).map((m) => m.memberId)).toEqual([memberId(4)]);
      expect((await notices.membersToTell('', 10, 2)).map((m) => m.memberId)).toHaveLength(3);

      // Issued rows are kept; a pending row of a run that failed is taken over, an abandoned run leaves nothing.
      expect(await notices.recordPending([memberId(1), memberId(4)], 1, 'pdf', 'run-b', T0 + 1)).toBe(1);
      expect(await notices.recordPending([memberId(4)], 1, 'pdf', 'run-c', T0 + 2)).toBe(1);
      await notices.abandonRun('run-b');
      await notices.completeRun('run-c');
      expect(await notices.countIssued(1)).toBe(3);
      expect(await notices.membersToTell('', 10, 1)).toEqual([]);
      expect(await notices.recordPending([], 1, 'csv', 'run-d', T0)).toBe(0);
    });
  });

  describe('ActionLog', () => {
    it('appends entries, reads the last ones oldest first, and carries entries over without duplicates', async () => {
      const log = store.actionLog;
      for (const [i, action] of ['till add', 'till revoke', 'backup'].entries())
        await log.append({ at: T0 + i, actor: 'ann', action, reason: i === 1 ? 'lost' : null, details: { i } });
      const last = await log.last(2);
      expect(last.map((e) => [e.at, e.action, e.reason, e.details])).toEqual([
        [T0 + 1, 'till revoke', 'lost', '{"i":1}'],
        [T0 + 2, 'backup', null, '{"i":2}'],
      ]);
      const all = await log.last(10);
      expect(all).toHaveLength(3);
      expect(await log.ids()).toEqual(new Set(all.map((e) => e.actionId)));
      const carried = { ...all[0], actionId: '01900000-0000-7000-8000-0000000000aa', action: 'member import' };
      await log.carry([...all, carried as (typeof all)[number]]);
      expect((await log.last(10)).map((e) => e.action).sort()).toEqual([
        'backup',
        'member import',
        'till add',
        'till revoke',
      ]);
      await log.carry([]);
    });
  });

  describe('BackupAdmin', () => {
    it('reads every meta key and sets one, replacing its value', async () => {
      const meta = await store.backupAdmin.readMeta();
      expect(meta.get('epoch')).toBe(await store.ledgerEpoch());
      await store.backupAdmin.writeMeta('restored_at', '1');
      await store.backupAdmin.writeMeta('restored_at', '2');
      expect((await store.backupAdmin.readMeta()).get('restored_at')).toBe('2');
    });
  });

  describe('ReportQueries', () => {
    it('sums movements by month bucket, kind and sign, with the last movement and import', async () => {
      await seedOps();
      const empty = await store.reports.movementSums(T0 - 2 * DAY, [], T0 - DAY);
      expect(empty).toEqual({ ops: [], openings: [], lastOpAt: T0 + 1, lastImportAt: T0 });
      // The earn (T0 + 1) after the month boundary T0 + 1, the imports (T0) before it.
      const sums = await store.reports.movementSums(T0 - DAY, [T0 + 1], T0 + DAY);
      expect(sums.ops).toEqual([{ bucket: 1, kind: 'earn', sign: 1, points: 10 }]);
      expect(sums.openings).toEqual([{ bucket: 0, points: 300 }]);
      const before = await store.reports.movementSums(T0 + DAY, [], T0 + 2 * DAY);
      expect(before.ops).toEqual([{ bucket: -1, kind: 'earn', sign: 1, points: 10 }]);
      expect(before.openings).toEqual([{ bucket: -1, points: 300 }]);
    });

    it('sums the lots by last usable day and the balances', async () => {
      const none = await store.reports.outstandingSums();
      expect(none).toEqual({ lotDays: [], balances: 0, positive: 0, negative: 0, overdrawn: 0 });
      await seedOps();
      await store.importMembers([importRow(4, -30)]);
      expect(await store.reports.outstandingSums()).toEqual({
        lotDays: [{ day: Math.floor((T0 + 10 * DAY - 1) / DAY), points: 10 }],
        balances: 280,
        positive: 310,
        negative: -30,
        overdrawn: 1,
      });
    });

    it('pages the members holding points', async () => {
      await store.importMembers([importRow(1), importRow(2, 0), importRow(3, 5)]);
      expect(await store.reports.membersWithPoints('', 1)).toEqual([
        { memberId: memberId(1), balance: 100, termsVersion: null, termsAnswer: null },
      ]);
      expect((await store.reports.membersWithPoints(memberId(1), 10)).map((m) => m.memberId)).toEqual([memberId(3)]);
    });
  });

  describe('AuditReads', () => {
    it('reads the chain, its head, reversal links and the books', async () => {
      const audit = store.auditReads;
      expect(await audit.chainHead()).toEqual({ chainSeq: 0, chainHash: GENESIS_HASH });
      expect(await audit.chainRows(0, 10)).toEqual([]);
      await seedOps();
      const rows = await audit.chainRows(0, 10);
      expect(rows).toHaveLength(1);
      const row = rows[0];
      expect(row).toMatchObject({ chain_seq: 1, op_id: opId(1), kind: 'earn', delta: 10, reversed_by: null });
      expect(row && chainRowHash(GENESIS_HASH, row)).toBe(row?.row_hash);
      expect(await audit.chainHead()).toEqual({ chainSeq: 1, chainHash: row?.row_hash });
      expect(await audit.chainRows(2, 10)).toEqual([]);
      expect(await audit.chainHashes(0, 10)).toEqual([{ op_id: opId(1), chain_seq: 1, row_hash: row?.row_hash }]);
      expect(await audit.chainHashes(1, 10)).toEqual([]);
      expect(await audit.linkRows([])).toEqual([]);
      expect(await audit.linkRows([opId(1), opId(9)])).toEqual([
        { op_id: opId(1), chain_seq: 1, kind: 'earn', op: row?.op, outcome: row?.outcome, reversed_by: null },
      ]);
      expect(await audit.firstUnchained()).toBeUndefined();
      expect(await audit.memberCount()).toBe(3);
      expect(await audit.firstBalanceMismatch()).toBeUndefined();
      expect(await audit.firstOrphanDeltas()).toBeUndefined();

      // Tampering around the ledger (tests only reach the tables directly).
      await store
        .kysely()
        .updateTable('members')
        .set({ balance: pts(999) })
        .where('member_id', '=', memberId(2))
        .execute();
      expect(await audit.firstBalanceMismatch()).toEqual({
        memberId: memberId(2),
        balance: 999,
        opening: 100,
        deltas: 0,
      });
      await store.kysely().updateTable('ops').set({ chain_seq: null }).execute();
      expect(await audit.firstUnchained()).toEqual({ op_id: opId(1), till_id: T1, seq: 1 });
    });

    it('finds deltas of a member who is gone', async () => {
      await seedOps();
      await store.kysely().deleteFrom('lots').execute();
      await store.kysely().deleteFrom('holds').execute();
      await store.kysely().deleteFrom('members').where('member_id', '=', memberId(1)).execute();
      expect(await store.auditReads.firstOrphanDeltas()).toEqual({ memberId: memberId(1), deltas: 10 });
      expect(await store.auditReads.memberCount()).toBe(2);
    });
  });

  describe('MemberPrivacy', () => {
    it("gives a member's file, erases it once, and the card and pull follow", async () => {
      await seedOps();
      const privacy = store.memberPrivacy;
      expect(await privacy.file(memberId(9))).toBeUndefined();
      const file = await privacy.file(memberId(1));
      expect(file?.erasedAt).toBeNull();
      expect(file?.tables['members']).toEqual([
        expect.objectContaining({ member_id: memberId(1), name: 'Member 1', card: card(1) }),
      ]);
      expect(file?.tables['ops']?.map((o) => [o['op_id'], typeof o['op']])).toEqual([[opId(1), 'object']]);
      expect(file?.tables['lots']).toHaveLength(1);
      expect(file?.tables['events']).toEqual([expect.objectContaining({ data: { balance: 100, year: 2023 } })]);

      expect(await privacy.erase(memberId(9), T0)).toEqual({ status: 'unknown-member' });
      expect(await privacy.erase(memberId(1), T0 + 1)).toEqual({ status: 'erased', erasedAt: T0 + 1, opsSealed: 0 });
      expect(await privacy.erase(memberId(1), T0 + 2)).toEqual({ status: 'already-erased', erasedAt: T0 + 1 });
      const erased = await store.getMember(memberId(1));
      expect(erased).toMatchObject({ name: '(erased)', email: null, postalAddress: null, balance: 110 });
      expect(await store.findMemberByCard(card(1))).toBeUndefined();
      expect(await store.findMemberByCard(erased!.card)).toBeUndefined();
      expect((await privacy.file(memberId(1)))?.erasedAt).toBe(T0 + 1);
      const page = await store.pullMembers(S1, 0, 10);
      expect(page.members.map((m) => [m.memberId, m.erased ?? false])).toEqual(
        expect.arrayContaining([
          [memberId(1), true],
          [memberId(2), false],
        ]),
      );
      expect(await store.auditReads.erasureSeals([opId(1)])).toEqual(new Map());
    });
  });

  describe('MemberCards', () => {
    it('replaces a card once, retires the old one for good, and refuses what it must', async () => {
      await seedOps();
      const cards = store.memberCards;
      const NEW = 'NEW-CARD-0001' as Card;
      expect(await cards.replaceCard(memberId(9), NEW, T0)).toEqual({ status: 'unknown-member' });
      expect(await cards.replaceCard(memberId(1), card(1), T0)).toEqual({ status: 'same-card' });
      expect(await cards.replaceCard(memberId(1), card(2), T0)).toEqual({ status: 'card-taken' });
      const before = await store.ledgerHead();
      const r = await cards.replaceCard(memberId(1), NEW, T0);
      expect(r).toEqual({ status: 'replaced', oldCard: card(1), ledgerSeq: before + 1 });
      expect(await store.findMemberByCard(card(1))).toBeUndefined();
      expect((await store.findMemberByCard(NEW))?.ledgerSeq).toBe(before + 1);
      // The old card is given to no one again: not by replace-card, not by an enrol.
      expect(await cards.replaceCard(memberId(2), card(1), T0)).toEqual({ status: 'card-taken' });
      const holders = await store.transaction((tx) => tx.getCardHolders([card(1), card(2)]));
      expect(holders).toEqual(
        new Map([
          [card(1), memberId(1)],
          [card(2), memberId(2)],
        ]),
      );
      expect(await store.memberPrivacy.erase(memberId(1), T0)).toMatchObject({ status: 'erased' });
      expect(await cards.replaceCard(memberId(1), 'OTHER-0002' as Card, T0)).toEqual({ status: 'erased' });
    });
  });
});
