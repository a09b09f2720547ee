/**
 * Members as the tills get them (pushes' acks, pulls, lookups, live changes): the ledger keeps addresses and e-mails
 * to itself, says when the soonest points expire and by which closing letters a till may find the member, and marks
 * the members the tills must drop (erased, merged).
 */
import { nextExpiry, type Lot } from '../loyalty/lots.ts';
import { MAX_SNAPSHOT_LETTERS, MemberLetterSchema, type MemberSnapshot } from '../protocol/messages.ts';
import type { LedgerStore, MemberRecord } from './store/types.ts';

/** A member as a till may hold it: the ledger keeps addresses and e-mails to itself. With the member's lots (those
 * holding expiring points at least) and the time, it says when the soonest points expire, if any do. */
export function snapshotOf(m: MemberRecord, lots?: readonly Lot[], at?: number): MemberSnapshot {
  const next = lots && at !== undefined ? expiryOf(lots, at) : undefined;
  return {
    memberId: m.memberId,
    card: m.card,
    name: m.name,
    balance: m.balance,
    lifetimePoints: m.lifetimePoints,
    welcomeGiven: m.welcomeGiven,
    ledgerSeq: m.ledgerSeq,
    terms: m.terms,
    tier: m.tier,
    // Only when points do expire: a snapshot without it reads as "nothing known to expire", as from older ledgers.
    ...(next ? { nextExpiry: next } : {}),
    // A merged member is dropped by the tills as an erased one is: its points and ops are the kept member's now.
    ...(m.erased === true || m.mergedInto ? { erased: true } : {}),
  };
}

/** The soonest expiring points of these lots at `at`, as a snapshot says it; undefined when none expire. */
export function expiryOf(lots: readonly Lot[], at: number): MemberSnapshot['nextExpiry'] {
  const next = nextExpiry(lots, at);
  return next ? { points: next.points, at: next.expiresAt } : undefined;
}

/**
 * The snapshots of `members` with everything the store knows of them for a till: their next expiry and their closing
 * letters not expired at `at` (the newest MAX_SNAPSHOT_LETTERS). Pulls, lookups and found sales send these; push
 * answers and live changes send `snapshotOf` alone, which the tills read as "letters not said".
 */
export async function fullSnapshots(
  store: Pick<LedgerStore, 'expiringLotsOf' | 'memberChannel'>,
  members: readonly MemberRecord[],
  at: number,
): Promise<MemberSnapshot[]> {
  const ids = members.map((m) => m.memberId);
  const lots = await store.expiringLotsOf(ids);
  const letters = await store.memberChannel.lettersOf(ids, at);
  return members.map((m) => {
    const snap = snapshotOf(m, lots.get(m.memberId) ?? [], at);
    // An erased or merged member is dropped by the till: nothing more to say of it.
    if (snap.erased === true) return snap;
    // Only well-formed references: a till refuses the whole answer over one field it cannot read.
    const good = (letters.get(m.memberId) ?? []).filter((l) => MemberLetterSchema.safeParse(l).success);
    return { ...snap, letters: good.slice(-MAX_SNAPSHOT_LETTERS) };
  });
}
