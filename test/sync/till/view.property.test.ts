/**
 * Snapshots applied in bulk (`applySnapshots`) leave the members table exactly as applying them one by one would:
 * inserts, newer and older ledger sequences, a later till seq at the same sequence, and cards moving between members
 * (a local holder gives way), in any order and with repeats.
 */
import fc from 'fast-check';
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import type { Card, Points } from '../../../sync/loyalty/units.ts';
import type { MemberSnapshot } from '../../../sync/protocol/messages.ts';
import { openTillDb, type MemberRow, type TillDb } from '../../../sync/till/db.ts';
import { applySnapshots } from '../../../sync/till/view.ts';
import { memberId } from './support/till.ts';

/** The one-by-one reference: the algorithm as it was before the bulk version, request by request. */
async function applyOneByOne(db: TillDb, snap: MemberSnapshot, tillSeq: number, now: number): Promise<void> {
  const current = await db.members.get(snap.memberId);
  if (!current || snap.ledgerSeq > current.ledgerSeq) {
    const holder = await db.members.where('card').equals(snap.card).first();
    if (holder && holder.memberId !== snap.memberId) await db.members.delete(holder.memberId);
  }
  const row = {
    memberId: snap.memberId,
    card: snap.card,
    name: snap.name,
    balance: snap.balance,
    lifetimePoints: snap.lifetimePoints,
    welcomeGiven: snap.welcomeGiven,
    ledgerSeq: snap.ledgerSeq,
  };
  if (!current) await db.members.put({ ...row, tillSeq, heldAt: now });
  else if (snap.ledgerSeq > current.ledgerSeq)
    await db.members.put({ ...row, tillSeq: Math.max(tillSeq, current.tillSeq), heldAt: current.heldAt });
  else if (snap.ledgerSeq === current.ledgerSeq && tillSeq > current.tillSeq)
    await db.members.update(snap.memberId, { tillSeq });
}

const snapshot: fc.Arbitrary<MemberSnapshot> = fc
  .record({ m: fc.nat(5), card: fc.nat(4), seq: fc.nat(6), balance: fc.nat(500) })
  .map(({ m, card, seq, balance }) => ({
    memberId: memberId(m),
    card: `9000-000${card}` as Card,
    name: `M${m}`,
    balance: balance as Points,
    lifetimePoints: balance as Points,
    welcomeGiven: true,
    ledgerSeq: seq,
  }));

/** A starting table with unique cards, as a till holds it. */
const table: fc.Arbitrary<MemberRow[]> = fc
  .uniqueArray(fc.tuple(fc.nat(5), fc.nat(4)), { selector: ([m]) => m, maxLength: 5 })
  .map((pairs) => {
    const seen = new Set<number>();
    return pairs
      .filter(([, c]) => !seen.has(c) && (seen.add(c), true))
      .map(([m, c]) => ({
        memberId: memberId(m),
        card: `9000-000${c}` as Card,
        name: `M${m}`,
        balance: 10 as Points,
        lifetimePoints: 10 as Points,
        welcomeGiven: true,
        ledgerSeq: 3,
        tillSeq: 2,
        heldAt: 1,
      }));
  });

async function freshDb(rows: MemberRow[]): Promise<TillDb> {
  const db = await openTillDb('till', { indexedDB: new IDBFactory(), IDBKeyRange });
  await db.members.bulkAdd(rows);
  return db;
}

const dump = async (db: TillDb) => (await db.members.toArray()).sort((a, b) => a.memberId.localeCompare(b.memberId));

describe('applySnapshots', () => {
  it('leaves the members table as applying the snapshots one by one does', async () => {
    await fc.assert(
      fc.asyncProperty(
        table,
        fc.array(fc.tuple(fc.array(snapshot, { maxLength: 8 }), fc.nat(5)), { minLength: 1, maxLength: 4 }),
        async (start, calls) => {
          const bulk = await freshDb(start);
          const single = await freshDb(start);
          try {
            for (const [snaps, tillSeq] of calls) {
              await bulk.transaction('rw', bulk.members, () => applySnapshots(bulk, snaps, tillSeq, 99));
              await single.transaction('rw', single.members, async () => {
                for (const s of snaps) await applyOneByOne(single, s, tillSeq, 99);
              });
            }
            expect(await dump(bulk)).toEqual(await dump(single));
          } finally {
            bulk.close();
            single.close();
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('drops an erased member, whatever its ledger sequence, and frees its card', async () => {
    const held: MemberRow = {
      memberId: memberId(1),
      card: '9000-0001' as Card,
      name: 'M1',
      balance: 10 as Points,
      lifetimePoints: 10 as Points,
      welcomeGiven: true,
      ledgerSeq: 3,
      tillSeq: 2,
      heldAt: 1,
    };
    const db = await freshDb([held]);
    try {
      const erased: MemberSnapshot = {
        memberId: held.memberId,
        card: 'erased-0123456789abcdef01234567' as Card,
        name: '(erased)',
        balance: held.balance,
        lifetimePoints: held.lifetimePoints,
        welcomeGiven: true,
        ledgerSeq: 0,
        erased: true,
      };
      const unknown = { ...erased, memberId: memberId(99) };
      const changed = await db.transaction('rw', db.members, () => applySnapshots(db, [erased, unknown], 9, 99));
      expect(changed).toBe(1);
      expect(await db.members.get(held.memberId)).toBeUndefined();
      expect(await db.members.get(memberId(99))).toBeUndefined();
      expect(await db.members.where('card').equals(held.card).count()).toBe(0);
    } finally {
      db.close();
    }
  });
});
