/**
 * The member snapshots a till gets by pull, lookup or found sale carry the member's closing letters: those not yet
 * expired, soonest expiry first, and never a malformed reference (a till refuses a whole answer it cannot read). Each
 * member given a letter takes a fresh ledger sequence of its own, once.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { fullSnapshots } from '../../../sync/ledger/member-snapshots.ts';
import { makeLetterRef } from '../../../sync/loyalty/letter-ref.ts';
import type { MemberId } from '../../../sync/loyalty/units.ts';
import { MemberSnapshotSchema } from '../../../sync/protocol/messages.ts';
import { freshStore, reportProgram, type Fresh } from './reports/ledger-builder.ts';
import { importRow, memberId } from './store/fixtures.ts';

const NOW = Date.UTC(2026, 0, 10);
const DAY = 86_400_000;
let fresh: Fresh | undefined;
afterEach(async () => {
  await fresh?.dispose();
  fresh = undefined;
});

describe('member snapshots with their letters', () => {
  it('carry the letters not expired, well formed, soonest expiry first; each member given one moves on once', async () => {
    fresh = await freshStore('sqlite', () => NOW);
    const store = fresh.store;
    await store.putProgram(reportProgram(1));
    await store.importMembers([1, 2, 3].map((n) => importRow(n)));
    const [m1, m2, m3] = [1, 2, 3].map(memberId) as [MemberId, MemberId, MemberId];
    const refs = [1, 2, 3, 4].map((n) => makeLetterRef(new Uint8Array([n, n, n, n, n])));
    let next = 0;
    const propose = () => refs[next++] ?? 'none';
    const seqs = async () => Promise.all([m1, m2, m3].map(async (id) => (await store.getMember(id))?.ledgerSeq));
    const before = await seqs();

    // Member 1: a letter for version 1 expiring in 30 days and one for version 2 expiring in 10; member 2: expired.
    await store.memberChannel.ensureLinks([m1], 1, NOW + 30 * DAY, NOW, propose);
    await store.memberChannel.ensureLinks([m1], 2, NOW + 10 * DAY, NOW, propose);
    await store.memberChannel.ensureLinks([m2], 1, NOW - DAY, NOW - 40 * DAY, propose);
    // Member 3: a malformed reference (written by hand, not by `ledger notices`).
    await store.memberChannel.ensureLinks([m3], 1, NOW + 30 * DAY, NOW, () => 'L-NOT-A-REF');
    const after = await seqs();
    expect(after.every((s, i) => (s ?? 0) > (before[i] ?? 0))).toBe(true);
    expect(new Set(after).size).toBe(3);
    // Asked again: nothing new, nothing moves.
    await store.memberChannel.ensureLinks([m1, m2, m3], 1, NOW + 30 * DAY, NOW, propose);
    expect(await seqs()).toEqual(after);

    const members = await Promise.all([m1, m2, m3].map(async (id) => (await store.getMember(id)) ?? fail()));
    const snaps = await fullSnapshots(store, members, NOW);
    expect(snaps.map((s) => s.letters)).toEqual([
      [
        { ref: refs[1], expiresAt: NOW + 10 * DAY },
        { ref: refs[0], expiresAt: NOW + 30 * DAY },
      ],
      [],
      [],
    ]);
    for (const s of snaps) expect(MemberSnapshotSchema.safeParse(s).success).toBe(true);
  });
});

function fail(): never {
  throw new Error('no member');
}
