/**
 * The audit trail on every backend: an intact ledger verifies; each way of tampering with its database behind its
 * back (raw SQL) is caught with its kind; migration 0004 chains the rows already there; and a property: random
 * groups verify intact, and any one byte edited in a hashed field of any row is caught at that row.
 */
import fc from 'fast-check';
import { sql } from 'kysely';
import { v7 as uuidv7 } from 'uuid';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { applyGroup } from '../../../sync/ledger/apply-group.ts';
import { chainRowHash, GENESIS_HASH, verifyAuditChain, type AuditReport } from '../../../sync/ledger/audit.ts';
import { applyHeadOfficeOps } from '../../../sync/ledger/head-office.ts';
import { openStore } from '../../../sync/ledger/store/open.ts';
import type { LedgerStore } from '../../../sync/ledger/store/types.ts';
import type { Op, OpOutcome, ResolveOp } from '../../../sync/loyalty/ops.ts';
import type { MemberId, OpId, Points } from '../../../sync/loyalty/units.ts';
import { backends, makeTestDatabase, type TestDatabase } from '../../support/databases.ts';
import { OpMaker } from '../../support/ops.ts';
import { seedLedger, type Seeded } from '../../support/seed.ts';

const T0 = Date.UTC(2026, 0, 1);
const MINUTE = 60_000;

/** A manager's resolution of a conflict, next in the till's sequence (OpMaker has no builder for it). */
function resolveOp(till: OpMaker, memberId: MemberId, conflictId: string, manager: string, reason: string): ResolveOp {
  const { lines: _lines, quotedPoints: _quoted, kind: _kind, ...common } = till.earn(memberId, 0);
  return { ...common, kind: 'resolve', conflictId, action: 'write-off', reason, manager };
}

interface Ledger {
  store: LedgerStore;
  seeded: Seeded;
  tills: OpMaker[];
  member(i: number): MemberId;
  /** Applies batches (one per till) in one group, as the intake would, at the clock's time; the outcomes in order. */
  group(...batches: Op[][]): Promise<OpOutcome[]>;
  /** Closes and opens the store again (migrations run). */
  reopen(): Promise<void>;
  tick(): void;
  now(): number;
}

async function openLedger(db: TestDatabase, seeded: Seeded): Promise<Ledger> {
  const open = () => openStore(db.databaseUrl ? { databaseUrl: db.databaseUrl } : { dataDir: db.dataDir });
  let clock = T0;
  const self: Ledger = {
    store: await open(),
    seeded,
    tills: seeded.tills.map((t) => new OpMaker(t, 1, () => clock)),
    member(i) {
      const m = seeded.members[i];
      if (!m) throw new Error(`no member ${i}`);
      return m.memberId;
    },
    async group(...batches) {
      const at = clock;
      const out = await self.store.transaction((tx) =>
        applyGroup(
          tx,
          batches.flatMap((ops) => {
            const first = ops[0];
            return first ? [{ tillId: first.tillId, storeId: first.storeId, ops, sentAt: at, receivedAt: at }] : [];
          }),
          { now: at, clockToleranceMs: () => 120_000 },
        ),
      );
      return out.outcomes.flatMap((o) => o.results.map((r) => r.outcome));
    },
    async reopen() {
      await self.store.close();
      self.store = await open();
    },
    tick() {
      clock += MINUTE;
    },
    now: () => clock,
  };
  return self;
}

const intact = (r: AuditReport) => expect(r.problem, r.problem?.message).toBeNull();

describe.each(backends)('the audit trail (%s)', (backend) => {
  let db: TestDatabase;
  let ledger: Ledger;
  /** Ops of the ledger built in beforeEach, by name. */
  const ops: Record<string, Op> = {};
  let rows = 0;

  const q = () => ledger.store.kysely();
  const chainSeqOf = async (opId: string) =>
    (
      await q()
        .selectFrom('ops')
        .select('chain_seq')
        .where('op_id', '=', opId as OpId)
        .executeTakeFirstOrThrow()
    ).chain_seq;
  const verify = () => verifyAuditChain(ledger.store);

  beforeEach(async () => {
    db = await makeTestDatabase(backend);
    const seeded = await seedLedger(db, { members: 5, now: T0, openingBalances: [0, 100, 0, 0, 0] });
    ledger = await openLedger(db, seeded);
    const [a1, a2, b1] = ledger.tills;
    if (!a1 || !a2 || !b1) throw new Error('seed');
    const m = (i: number) => ledger.member(i);

    // Two tills in one group, then a burn, its void, an offline burn that overdraws and the manager's resolution,
    // a head-office adjustment and a refused burn: every kind of row the chain holds.
    ops['e1'] = a1.earn(m(0), 10_000);
    ops['e2'] = a1.earn(m(1), 5_000);
    ops['e3'] = a2.earn(m(2), 2_000);
    await ledger.group([ops['e1'], ops['e2']], [ops['e3']]);
    ledger.tick();
    ops['b1'] = a1.burn(m(0), 100);
    ops['e4'] = b1.earn(m(3), 3_000);
    await ledger.group([ops['b1']], [ops['e4']]);
    ledger.tick();
    ops['v1'] = a1.void(ops['b1']);
    expect(await ledger.group([ops['v1']])).toEqual([{ status: 'applied', delta: 100 }]);
    ledger.tick();
    ops['c1'] = a2.burn(m(4), 500, 'conflict');
    const [conflict] = await ledger.group([ops['c1']]);
    if (conflict?.status !== 'conflict') throw new Error(`expected a conflict, got ${JSON.stringify(conflict)}`);
    ledger.tick();
    ops['r1'] = resolveOp(a2, m(4), conflict.conflictId, 'Dana Shift', 'customer left with the reward');
    expect(await ledger.group([ops['r1']])).toEqual([{ status: 'applied', delta: 500 }]);
    ledger.tick();
    const [adjusted] = await applyHeadOfficeOps(
      ledger.store,
      [{ kind: 'adjust', memberId: m(1), points: 25 as Points, reason: 'complaint #12', by: 'HO Anna' }],
      ledger.now(),
    );
    expect(adjusted?.outcome).toEqual({ status: 'applied', delta: 25 });
    ledger.tick();
    ops['x1'] = a1.burn(m(0), 50_000);
    expect((await ledger.group([ops['x1']]))[0]?.status).toBe('rejected');
    rows = 10;
  });

  afterEach(async () => {
    await ledger.store.close();
    await db.drop();
  });

  it('verifies an intact ledger: every op chained in commit order, the counter at the head, the books balanced', async () => {
    const report = await verify();
    intact(report);
    expect(report.rowsChecked).toBe(rows);
    expect(report.membersChecked).toBe(5);
    const chain = await q()
      .selectFrom('ops')
      .select(['op_id', 'chain_seq', 'row_hash', 'kind'])
      .orderBy('chain_seq')
      .execute();
    expect(chain.map((r) => r.chain_seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(chain.slice(0, 7).map((r) => r.op_id)).toEqual(
      ['e1', 'e2', 'e3', 'b1', 'e4', 'v1', 'c1'].map((k) => ops[k]?.opId),
    );
    const counter = await q().selectFrom('counter').select(['chain_seq', 'chain_hash']).executeTakeFirstOrThrow();
    expect(report.head).toEqual({ chainSeq: 10, hash: counter.chain_hash });
    expect(counter).toEqual({ chain_seq: 10, chain_hash: chain.at(-1)?.row_hash });

    // Who, when and why of the manager's and head office's actions are in chained rows.
    const resolve = await ledger.store.getOp(ops['r1']!.opId);
    expect(resolve?.op).toMatchObject({
      manager: 'Dana Shift',
      reason: 'customer left with the reward',
      at: T0 + 4 * MINUTE,
    });
    const [resolved] = await ledger.store.listConflicts();
    expect(resolved?.resolution).toMatchObject({ manager: 'Dana Shift', opId: ops['r1']?.opId });
    const adjust = chain.find((r) => r.kind === 'adjust');
    expect((await ledger.store.getOp(adjust!.op_id))?.op).toMatchObject({ by: 'HO Anna', reason: 'complaint #12' });
  });

  it('chains every row after the one before it, from the genesis hash', async () => {
    const chain = await q().selectFrom('ops').selectAll().orderBy('chain_seq').execute();
    let prev = GENESIS_HASH;
    for (const r of chain) {
      expect(r.row_hash).toBe(chainRowHash(prev, r));
      prev = r.row_hash ?? '';
    }
  });

  it('catches an op whose delta was edited (EDITED)', async () => {
    await sql`update ops set delta = delta + 1000 where op_id = ${ops['e2']!.opId}`.execute(q());
    const { problem } = await verify();
    expect(problem).toMatchObject({ kind: 'EDITED', chainSeq: 2, opId: ops['e2']?.opId });
    expect(problem?.message).toContain('was edited');
  });

  it('catches an op whose JSON was edited (EDITED), also when the forger recomputed its row hash', async () => {
    const id = ops['e1']!.opId;
    await sql`update ops set op = replace(op, '"amountCents":10000', '"amountCents":90000') where op_id = ${id}`.execute(
      q(),
    );
    expect((await verify()).problem).toMatchObject({ kind: 'EDITED', chainSeq: 1, opId: id });

    // The row's own hash recomputed: its content hash no longer matches its op.
    const row = await q().selectFrom('ops').selectAll().where('op_id', '=', id).executeTakeFirstOrThrow();
    await sql`update ops set row_hash = ${chainRowHash(GENESIS_HASH, row)} where op_id = ${id}`.execute(q());
    expect((await verify()).problem).toMatchObject({ kind: 'EDITED', chainSeq: 1, opId: id });
  });

  it('catches a row deleted from the middle or the end of the chain (REMOVED)', async () => {
    await sql`delete from ops where op_id = ${ops['e3']!.opId}`.execute(q());
    const { problem } = await verify();
    expect(problem).toMatchObject({ kind: 'REMOVED', chainSeq: 3, opId: null });
    expect(problem?.message).toContain('chain place 3 is missing');
  });

  it('catches the last row deleted (REMOVED), though the rows left chain perfectly', async () => {
    await sql`delete from ops where op_id = ${ops['x1']!.opId}`.execute(q());
    expect((await verify()).problem).toMatchObject({ kind: 'REMOVED', chainSeq: 10 });
  });

  it('catches two rows whose chain places were swapped (REORDERED)', async () => {
    const [a, b] = [await chainSeqOf(ops['e2']!.opId), await chainSeqOf(ops['v1']!.opId)];
    // Through a free place: the unique index refuses a swap in one statement on PostgreSQL.
    await sql`update ops set chain_seq = -1 where chain_seq = ${a}`.execute(q());
    await sql`update ops set chain_seq = ${a} where chain_seq = ${b}`.execute(q());
    await sql`update ops set chain_seq = ${b} where chain_seq = -1`.execute(q());
    expect((await verify()).problem).toMatchObject({ kind: 'REORDERED', chainSeq: a, opId: ops['v1']?.opId });

    // Adjacent rows too.
    await sql`update ops set chain_seq = -1 where chain_seq = ${b}`.execute(q());
    await sql`update ops set chain_seq = ${b} where chain_seq = ${a}`.execute(q());
    await sql`update ops set chain_seq = ${a} where chain_seq = -1`.execute(q());
    intact(await verify());
    await sql`update ops set chain_seq = -1 where chain_seq = 4`.execute(q());
    await sql`update ops set chain_seq = 4 where chain_seq = 5`.execute(q());
    await sql`update ops set chain_seq = 5 where chain_seq = -1`.execute(q());
    expect((await verify()).problem).toMatchObject({ kind: 'REORDERED', chainSeq: 4, opId: ops['e4']?.opId });
  });

  /** A copy of op `from` under a new id and till seq, written straight into the table. */
  const insertCopy = async (from: Op, chainSeq: number | null, rowHash: string | null) => {
    const id = uuidv7();
    await sql`insert into ops (op_id, till_id, seq, member_id, kind, content_hash, op, outcome, delta, ledger_seq,
        reversed_by, applied_at, draws, at, chain_seq, row_hash)
      select cast(${id} as text), till_id, 999, member_id, kind, content_hash, op, outcome, delta, ledger_seq, null,
        applied_at, draws, at, cast(${chainSeq} as bigint), cast(${rowHash} as text)
      from ops where op_id = ${from.opId}`.execute(q());
    return id;
  };

  it('catches a row inserted without a chain place, after the head or in the middle (INSERTED)', async () => {
    const loose = await insertCopy(ops['e1']!, null, null);
    expect((await verify()).problem).toMatchObject({ kind: 'INSERTED', chainSeq: null, opId: loose });
    await sql`delete from ops where op_id = ${loose}`.execute(q());
    intact(await verify());

    const after = await insertCopy(ops['e1']!, 11, 'f'.repeat(64));
    expect((await verify()).problem).toMatchObject({ kind: 'INSERTED', chainSeq: 11, opId: after });
    await sql`delete from ops where op_id = ${after}`.execute(q());

    // Rows 4.. moved up one place (two steps, for the unique index) to make room at 4.
    await sql`update ops set chain_seq = chain_seq + 1000 where chain_seq >= 4`.execute(q());
    await sql`update ops set chain_seq = chain_seq - 999 where chain_seq >= 1000`.execute(q());
    const middle = await insertCopy(ops['e1']!, 4, 'e'.repeat(64));
    expect((await verify()).problem).toMatchObject({ kind: 'INSERTED', chainSeq: 4, opId: middle });
  });

  it('catches a reversal cleared or made up (REVERSAL_MISMATCH)', async () => {
    const burn = ops['b1']!.opId;
    await sql`update ops set reversed_by = null where op_id = ${burn}`.execute(q());
    const cleared = (await verify()).problem;
    expect(cleared).toMatchObject({ kind: 'REVERSAL_MISMATCH', chainSeq: 4, opId: burn });
    expect(cleared?.message).toContain(`reversed op ${burn}, but that op is not marked reversed`);

    await sql`update ops set reversed_by = ${ops['v1']!.opId} where op_id = ${burn}`.execute(q());
    intact(await verify());
    await sql`update ops set reversed_by = ${ops['v1']!.opId} where op_id = ${ops['e3']!.opId}`.execute(q());
    expect((await verify()).problem).toMatchObject({ kind: 'REVERSAL_MISMATCH', chainSeq: 3, opId: ops['e3']?.opId });
  });

  it('catches a member balance edited (BALANCE_MISMATCH)', async () => {
    const m = ledger.member(2);
    await sql`update members set balance = balance + 500 where member_id = ${m}`.execute(q());
    const { problem, rowsChecked } = await verify();
    expect(rowsChecked).toBe(rows);
    expect(problem).toMatchObject({ kind: 'BALANCE_MISMATCH', chainSeq: null, memberId: m });
  });

  it('catches a counter whose chain head was edited (COUNTER_MISMATCH)', async () => {
    await sql`update counter set chain_hash = ${'0'.repeat(64)} where id = 1`.execute(q());
    expect((await verify()).problem).toMatchObject({ kind: 'COUNTER_MISMATCH', chainSeq: 10 });
  });

  it('migration 0004 chains the rows already there in (applied_at, till_id, seq) order, and new groups chain on', async () => {
    // Back to a database as it was before 0004: no chain columns, the migration (and those after it) not recorded.
    await sql`drop index ops_chain_seq`.execute(q());
    for (const [table, column] of [
      ['ops', 'chain_seq'],
      ['ops', 'row_hash'],
      ['counter', 'chain_seq'],
      ['counter', 'chain_hash'],
    ] as const)
      await sql`alter table ${sql.table(table)} drop column ${sql.ref(column)}`.execute(q());
    await sql`delete from kysely_migration where name = '0004_audit_chain'`.execute(q());
    // Later migrations go too: Kysely runs migrations in order only, so 0005 to 0012 must run again after 0004.
    await sql`alter table members drop column merged_into`.execute(q());
    await sql`delete from kysely_migration where name = '0012_member_merge'`.execute(q());
    await sql`drop table refunds`.execute(q());
    await sql`drop table sale_receipts`.execute(q());
    await sql`delete from kysely_migration where name = '0011_refunds'`.execute(q());
    await sql`drop table member_links`.execute(q());
    await sql`drop table notice_emails`.execute(q());
    await sql`delete from ledger_meta where key = 'link_secret'`.execute(q());
    await sql`delete from kysely_migration where name = '0013_member_channel'`.execute(q());
    await sql`drop table console_sessions`.execute(q());
    await sql`drop table console_users`.execute(q());
    await sql`delete from kysely_migration where name = '0014_console_users'`.execute(q());
    await sql`drop table actions`.execute(q());
    await sql`alter table vouchers drop column redemption_id`.execute(q());
    for (const table of ['ledger_meta', 'till_incarnations', 'recovered_ops', 'refused_ops'])
      await sql`drop table ${sql.table(table)}`.execute(q());
    for (const column of ['incarnation', 'moving_to', 'row_seq'])
      await sql`alter table tills drop column ${sql.ref(column)}`.execute(q());
    for (const table of ['erased_members', 'erased_ops', 'retired_cards'])
      await sql`drop table ${sql.table(table)}`.execute(q());
    await sql`delete from kysely_migration where name in ('0005_action_log', '0006_voucher_redemption', '0007_till_life', '0009_erasure', '0010_cards')`.execute(
      q(),
    );
    await sql`drop table member_consents`.execute(q());
    await sql`alter table webhooks drop column consent_channel`.execute(q());
    await sql`delete from kysely_migration where name = '0008_consent'`.execute(q());
    await ledger.reopen();

    intact(await verify());
    const chained = await q().selectFrom('ops').select('op_id').orderBy('chain_seq').execute();
    const legacy = await q()
      .selectFrom('ops')
      .select('op_id')
      .orderBy('applied_at')
      .orderBy('till_id')
      .orderBy('seq')
      .execute();
    expect(chained).toEqual(legacy);
    expect(chained).toHaveLength(rows);

    const [a1] = ledger.tills;
    await ledger.group([a1!.earn(ledger.member(0), 700)]);
    const report = await verify();
    intact(report);
    expect(report.head.chainSeq).toBe(rows + 1);
  });
});

/** The columns under the row hash, with how one of their bytes is edited in place. */
const HASHED_TEXT = ['op_id', 'till_id', 'member_id', 'kind', 'content_hash', 'op', 'outcome', 'draws'] as const;
const HASHED_NUMBERS = ['seq', 'delta', 'ledger_seq', 'applied_at', 'at'] as const;
const PRINTABLE = Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i)).join('');

/** `text` with the character at `pos % length` replaced by another from `alphabet` (chosen by `pick`). */
function editByte(text: string, pos: number, pick: number, alphabet: string): string {
  const i = pos % text.length;
  const others = alphabet.replace(text.charAt(i), '');
  return text.slice(0, i) + others.charAt(pick % others.length) + text.slice(i + 1);
}

const opSpec = fc.record({
  till: fc.nat({ max: 2 }),
  member: fc.nat({ max: 4 }),
  kind: fc.constantFrom('earn', 'earn', 'burn', 'void'),
  amount: fc.integer({ min: 1, max: 400 }),
  target: fc.nat(),
});

describe.each(backends)('the audit trail, property (%s)', (backend) => {
  let db: TestDatabase;
  let ledger: Ledger;

  beforeEach(async () => {
    db = await makeTestDatabase(backend);
    ledger = await openLedger(db, await seedLedger(db, { members: 5, now: T0, openingBalances: [500, 500, 0, 0, 0] }));
  });

  afterEach(async () => {
    await ledger.store.close();
    await db.drop();
  });

  it('random groups verify intact, and any single byte edited in a hashed field of any row is caught there', async () => {
    const made: Op[] = [];
    let caught = 0;
    const numRuns = backend === 'sqlite' ? 25 : 10;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(opSpec, { minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 3 }),
        fc.record({
          row: fc.nat(),
          column: fc.constantFrom(...HASHED_TEXT, ...HASHED_NUMBERS),
          pos: fc.nat(),
          pick: fc.nat(),
        }),
        async (groups, edit) => {
          // The ledger grows run after run: each run's groups are appended to the chain of the ones before.
          for (const specs of groups) {
            const batches: Op[][] = [[], [], []];
            for (const s of specs) {
              const till = ledger.tills[s.till]!;
              const m = ledger.member(s.member);
              const target = made.length > 0 ? made[s.target % made.length] : undefined;
              const op =
                s.kind === 'earn'
                  ? till.earn(m, s.amount * 100)
                  : s.kind === 'burn' || !target
                    ? till.burn(m, s.amount)
                    : till.void(target);
              made.push(op);
              batches[s.till]!.push(op);
            }
            ledger.tick();
            await ledger.group(...batches);
          }
          intact(await verifyAuditChain(ledger.store));

          const q = ledger.store.kysely();
          const all = await q.selectFrom('ops').selectAll().orderBy('chain_seq').execute();
          const row = all[edit.row % all.length]!;
          const column = edit.column;
          const was = row[column];
          if (was === null) return; // nothing to edit in place
          const now =
            typeof was === 'number'
              ? Number(editByte(String(was), edit.pos, edit.pick, '0123456789'))
              : editByte(was, edit.pos, edit.pick, PRINTABLE);
          const set = (v: string | number) =>
            sql`update ops set ${sql.ref(column)} = ${v} where chain_seq = ${row.chain_seq}`.execute(q);
          try {
            await set(now);
          } catch {
            return; // the database refused it (a key or reference): nothing was changed
          }
          const { problem } = await verifyAuditChain(ledger.store);
          expect(problem, `${column} ${String(was)} -> ${String(now)}`).not.toBeNull();
          // Renaming a void (or its target) breaks its reversal link, which may show at an earlier row first.
          if (problem?.kind !== 'REVERSAL_MISMATCH')
            expect(problem).toMatchObject({ kind: 'EDITED', chainSeq: row.chain_seq });
          caught++;
          await set(was);
          intact(await verifyAuditChain(ledger.store));
        },
      ),
      { numRuns },
    );
    // Most edits take (a null column or a key the database guards leaves nothing to edit).
    expect(caught).toBeGreaterThan(numRuns / 2);
  });
});
