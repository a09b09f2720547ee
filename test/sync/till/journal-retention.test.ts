/**
 * Journal retention (fast-check): on random journals, pruning never takes a pending op, an op younger than the
 * retention period, an op its member's confirmed snapshot does not include yet, an op being resent to a restored
 * ledger or a conflict waiting for the manager; and it takes every op that breaks none of these rules.
 */
import fc from 'fast-check';
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import type { Op } from '../../../sync/loyalty/ops.ts';
import { ProgramSchema, journalRetentionDays } from '../../../sync/loyalty/program.ts';
import type { Card, OpId, Points, StoreId, TillId } from '../../../sync/loyalty/units.ts';
import { openTillDb } from '../../../sync/till/db.ts';
import type { MemberRow, OpRow, OpStatus } from '../../../sync/till/db.ts';
import { pruneJournal } from '../../../sync/till/journal-retention.ts';
import { testProgram } from './support/program.ts';
import { memberId } from './support/till.ts';

const DAY = 86_400_000;
const NOW = Date.UTC(2025, 5, 1, 12, 0, 0);
const opId = (seq: number) => `01900000-0000-7000-8000-${seq.toString(16).padStart(12, '0')}` as OpId;

interface RowSpec {
  m: number;
  status: OpStatus;
  /** Days before NOW the op was made, and hours after that it was answered. */
  ageDays: number;
  ackAfterHours: number;
  recovering: boolean;
  resolved: boolean;
  kind: 'earn' | 'burn' | 'void';
}

const rowSpec: fc.Arbitrary<RowSpec> = fc.record({
  m: fc.nat(3),
  status: fc.constantFrom<OpStatus>('pending', 'applied', 'conflict', 'rejected'),
  ageDays: fc.integer({ min: 0, max: 90 }),
  ackAfterHours: fc.integer({ min: 0, max: 24 * 10 }),
  recovering: fc.integer({ min: 0, max: 9 }).map((n) => n === 0),
  resolved: fc.boolean(),
  kind: fc.constantFrom('earn' as const, 'burn' as const, 'void' as const),
});

/** Per member 0..3: absent (not held), or held with a tillSeq (often past the whole journal, or behind it). */
const memberSpec = fc.array(fc.option(fc.oneof(fc.constant(1_000), fc.nat(40)), { nil: undefined }), {
  minLength: 4,
  maxLength: 4,
});

function rowOf(spec: RowSpec, seq: number): OpRow {
  const createdAt = NOW - spec.ageDays * DAY - (seq % 7) * 60_000;
  const op = {
    opId: opId(seq),
    tillId: 'till-1' as TillId,
    storeId: 'store-1' as StoreId,
    seq,
    memberId: memberId(spec.m),
    at: createdAt,
    programVersion: 1,
    kind: spec.kind,
  } as unknown as Op;
  return {
    opId: opId(seq),
    seq,
    memberId: memberId(spec.m),
    op,
    status: spec.status,
    estDelta: 0,
    mode: 'local',
    createdAt,
    ...(spec.status !== 'pending' ? { ackedAt: Math.min(NOW, createdAt + spec.ackAfterHours * 3_600_000) } : {}),
    ...(spec.recovering ? { recovering: true } : {}),
    ...(spec.status === 'conflict' && spec.resolved ? { resolvedBy: opId(10_000 + seq) } : {}),
  };
}

function memberOf(m: number, tillSeq: number): MemberRow {
  return {
    memberId: memberId(m),
    card: `1000-000${m}` as Card,
    name: `M${m}`,
    balance: 0 as Points,
    lifetimePoints: 0 as Points,
    welcomeGiven: true,
    ledgerSeq: 1,
    tillSeq,
    heldAt: 0,
  };
}

let dbCount = 0;

describe('pruneJournal', () => {
  it('keeps pending, young, unconfirmed, recovering and open-conflict ops; prunes every other one', async () => {
    let prunedInAll = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(rowSpec, { maxLength: 40 }),
        memberSpec,
        fc.integer({ min: 35, max: 60 }),
        async (specs, tillSeqs, retentionDays) => {
          const db = await openTillDb(`retention-${dbCount++}`, { indexedDB: new IDBFactory(), IDBKeyRange });
          try {
            const rows = specs.map((s, i) => rowOf(s, i + 1));
            const members = tillSeqs.flatMap((t, m) => (t === undefined ? [] : [memberOf(m, t)]));
            await db.ops.bulkAdd(rows);
            await db.members.bulkAdd(members);

            const deleted = await pruneJournal(db, NOW, retentionDays);

            const left = new Set((await db.ops.toArray()).map((r) => r.opId));
            const gone = rows.filter((r) => !left.has(r.opId));
            expect(deleted).toBe(gone.length);
            prunedInAll += deleted;
            const cutoff = NOW - retentionDays * DAY;
            const tillSeqOf = (r: OpRow) => members.find((m) => m.memberId === r.memberId)?.tillSeq;
            const mustStay = (r: OpRow): boolean =>
              r.status === 'pending' ||
              r.ackedAt === undefined ||
              r.ackedAt >= cutoff ||
              r.createdAt >= cutoff ||
              (r as { recovering?: boolean }).recovering === true ||
              r.seq > (tillSeqOf(r) ?? -1) ||
              (r.status === 'conflict' && r.resolvedBy === undefined);
            for (const r of rows) {
              if (r.status === 'pending') expect(left.has(r.opId), `pending op ${r.seq} pruned`).toBe(true);
              if (NOW - r.createdAt <= retentionDays * DAY)
                expect(left.has(r.opId), `op ${r.seq} younger than retention pruned`).toBe(true);
              if (r.seq > (tillSeqOf(r) ?? -1))
                expect(left.has(r.opId), `op ${r.seq} not in its member's snapshot pruned`).toBe(true);
              // Everything deleted broke no rule, and everything that broke none was deleted.
              expect(left.has(r.opId), `op ${r.seq}`).toBe(mustStay(r));
            }
            // Members are never touched.
            expect(await db.members.count()).toBe(members.length);
          } finally {
            db.close();
          }
        },
      ),
      { numRuns: 60 },
    );
    // The property is not vacuous: the random journals had ops to prune.
    expect(prunedInAll).toBeGreaterThan(20);
  });

  it('refuses a retention below 35 days', async () => {
    const db = await openTillDb('retention-short', { indexedDB: new IDBFactory(), IDBKeyRange });
    await expect(pruneJournal(db, NOW, 34)).rejects.toThrow(RangeError);
    db.close();
  });
});

describe('journalRetentionDays in the program', () => {
  it('is 35 days when the program does not set it, and the program’s setting otherwise', () => {
    const p = testProgram();
    expect(journalRetentionDays(p)).toBe(35);
    expect(journalRetentionDays(ProgramSchema.parse({ ...p, journalRetentionDays: 90 }))).toBe(90);
  });

  it('must be a whole number of days, at least 35', () => {
    const p = testProgram();
    for (const bad of [34, 0, -1, 35.5, '40'])
      expect(ProgramSchema.safeParse({ ...p, journalRetentionDays: bad }).success).toBe(false);
    expect(ProgramSchema.safeParse({ ...p, journalRetentionDays: 35 }).success).toBe(true);
  });
});
