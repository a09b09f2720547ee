/**
 * The view rule (DESIGN invariant 3): what the cashier sees is the ledger's last confirmed snapshot of a member plus
 * the effect of this till's own ops that snapshot did not include yet. Snapshots only ever move forward
 * (invariant 7). Runs in the renderer; pure functions plus Dexie reads and writes inside the caller's transaction.
 */
import { assertNever } from '../loyalty/assert-never.ts';
import { termsToAnswer } from '../loyalty/closing.ts';
import { tierFor } from '../loyalty/earn.ts';
import type { Program, Tier } from '../loyalty/program.ts';
import type { Card, MemberId, Points } from '../loyalty/units.ts';
import type { MemberSnapshot } from '../protocol/messages.ts';
import type { MemberRow, OpRow, TillDb } from './db.ts';

/** A member as the cashier sees it. */
export interface MemberView {
  memberId: MemberId;
  card: Card;
  name: string;
  /** Balance the ledger last confirmed (at `ledgerSeq`). */
  confirmed: Points;
  /** Effect of this till's ops the confirmed balance does not include yet. */
  pending: Points;
  /** confirmed + pending: the balance the cashier works with. */
  displayed: Points;
  /** How many of this till's ops are still counted in `pending`. */
  pendingOps: number;
  lifetimePoints: Points;
  /** Lifetime points with this till's unconfirmed earns (and voids of them): the tier the member is heading for. */
  lifetimeEstimate: Points;
  welcomeGiven: boolean;
  ledgerSeq: number;
  /** The tier the ledger holds the member in (by name), else the one for the confirmed lifetime points; null
   * without a program. */
  tier: Tier | null;
  /** The member's last answer to the new program's terms: this till's newest unconfirmed one, else the ledger's. */
  terms: TermsView | null;
  /** Whether the program's closing asks for terms this member has not answered (accepted or refused) yet. */
  termsToAnswer: boolean;
  /** Whether the member refused the terms the program asks for now: no conversion into the new program. */
  termsRefused: boolean;
  /** The soonest expiring points as the ledger last said (null: none; absent from older ledgers). */
  nextExpiry?: { points: number; at: number } | null;
}

export interface TermsView {
  version: string;
  answer: 'accepted' | 'refused';
  at: number;
  /** False while it is this till's answer the ledger has not confirmed yet. */
  confirmed: boolean;
}

/**
 * The balance effect of one op as best known: the ledger's outcome once answered, else the till's estimate. A void
 * follows its target: nothing if the target was rejected, the negation of the target's known effect otherwise.
 */
export function effectiveDelta(row: OpRow, target?: OpRow): number {
  if (row.status === 'rejected') return 0;
  if (row.outcome && row.outcome.status !== 'rejected') return row.outcome.delta;
  if (row.op.kind === 'void' && target) {
    if (target.status === 'rejected') return 0;
    return -effectiveDelta(target);
  }
  return row.estDelta;
}

/** Ops of this till that `member`'s confirmed snapshot does not include yet, and their summed effect. */
export function pendingEffect(
  member: Pick<MemberRow, 'tillSeq'>,
  memberOps: readonly OpRow[],
): { points: number; count: number } {
  const byId = new Map(memberOps.map((o) => [o.opId, o]));
  let points = 0;
  let count = 0;
  for (const row of memberOps) {
    if (row.seq <= member.tillSeq || row.status === 'rejected') continue;
    const target = row.op.kind === 'void' ? byId.get(row.op.targetOpId) : undefined;
    points += effectiveDelta(row, target);
    count++;
  }
  return { points, count };
}

/**
 * The member's last answer to the terms: the newest of this till's terms ops the snapshot does not include yet (and
 * the ledger did not reject), else the snapshot's.
 */
export function termsOf(member: MemberRow, memberOps: readonly OpRow[]): TermsView | null {
  let newest: OpRow | undefined;
  for (const row of memberOps) {
    if (row.op.kind !== 'terms' || row.seq <= member.tillSeq || row.status === 'rejected') continue;
    if (!newest || row.seq > newest.seq) newest = row;
  }
  if (newest?.op.kind === 'terms')
    return { version: newest.op.termsVersion, answer: newest.op.answer, at: newest.op.at, confirmed: false };
  return member.terms ? { ...member.terms, confirmed: true } : null;
}

/** Confirmed lifetime points plus the effect of this till's unconfirmed earns and their voids. */
function lifetimeEstimateOf(member: MemberRow, memberOps: readonly OpRow[]): number {
  const byId = new Map(memberOps.map((o) => [o.opId, o]));
  let lifetime: number = member.lifetimePoints;
  for (const row of memberOps) {
    if (row.seq <= member.tillSeq || row.status === 'rejected') continue;
    lifetime += lifetimeEffect(row, byId);
  }
  return lifetime;
}

/** What an unconfirmed op does to lifetime points, as `applyOp` decides it: an earn adds, its void takes back. */
function lifetimeEffect(row: OpRow, byId: ReadonlyMap<string, OpRow>): number {
  const op = row.op;
  switch (op.kind) {
    case 'earn':
      return effectiveDelta(row);
    case 'void': {
      const target = byId.get(op.targetOpId);
      return target?.op.kind === 'earn' ? effectiveDelta(row, target) : 0;
    }
    case 'refund': {
      // A refund of a sale takes points back (delta < 0) and lowers lifetime points as its void would; a returned
      // reward gives points back (delta > 0) and earns nothing.
      const d = effectiveDelta(row);
      return d < 0 ? d : 0;
    }
    case 'enrol':
    case 'burn':
    case 'resolve':
    case 'terms':
    case 'convert':
    case 'expire':
    case 'adjust':
    case 'consent':
    case 'merge-out':
    case 'merge-in':
      return 0;
    default:
      return assertNever(op, 'op kind');
  }
}

/** Builds the view of a member row from its ops (all of this till's ops for the member, any order). */
export function viewOf(member: MemberRow, memberOps: readonly OpRow[], program: Program | undefined): MemberView {
  const pending = pendingEffect(member, memberOps);
  const terms = termsOf(member, memberOps);
  const asked = program?.closing?.termsVersion;
  const held = program && member.tier ? program.tiers.find((t) => t.name === member.tier) : undefined;
  return {
    memberId: member.memberId,
    card: member.card,
    name: member.name,
    confirmed: member.balance,
    pending: pending.points as Points,
    displayed: (member.balance + pending.points) as Points,
    pendingOps: pending.count,
    lifetimePoints: member.lifetimePoints,
    lifetimeEstimate: lifetimeEstimateOf(member, memberOps) as Points,
    welcomeGiven: member.welcomeGiven,
    ledgerSeq: member.ledgerSeq,
    tier: held ?? (program ? tierFor(program, member.lifetimePoints) : null),
    terms,
    termsToAnswer: program ? termsToAnswer(program, terms?.version) : false,
    termsRefused: asked !== undefined && terms?.version === asked && terms.answer === 'refused',
    nextExpiry: member.nextExpiry ?? null,
  };
}

/** Reads a member and its ops and builds the view; undefined when the member is not held. */
export async function readMemberView(
  db: TillDb,
  memberId: MemberId,
  program: Program | undefined,
): Promise<MemberView | undefined> {
  const member = await db.members.get(memberId);
  if (!member) return undefined;
  const ops = await db.ops.where('memberId').equals(memberId).toArray();
  return viewOf(member, ops, program);
}

/**
 * Applies a ledger snapshot that includes exactly this till's ops up to `tillSeq`. Unknown members are inserted
 * (the store holds them). A known member takes the snapshot only when it is newer (ledgerSeq greater); at the same
 * ledgerSeq the member state is identical, so only a later `tillSeq` is taken, and the letters when the snapshot says
 * them (a push answer before it did not). A snapshot that does not say the letters keeps those held. Call inside a
 * rw transaction over `members`. Returns true when something changed.
 */
export async function applySnapshot(db: TillDb, snap: MemberSnapshot, tillSeq: number, now: number): Promise<boolean> {
  return (await applySnapshots(db, [snap], tillSeq, now)) > 0;
}

/**
 * Applies snapshots in order, exactly as `applySnapshot` one after the other would, with a handful of IndexedDB
 * requests instead of three per member: the rows and card holders are read in bulk, the snapshots applied in memory,
 * and the result written with one bulk delete and one bulk put. A sync page or push answer carries hundreds of
 * members; one request each made draining an outbox in a browser take ten times the ledger's time. Call inside a rw
 * transaction over `members`. Returns how many snapshots changed something.
 */
export async function applySnapshots(
  db: TillDb,
  snaps: readonly MemberSnapshot[],
  tillSeq: number,
  now: number,
): Promise<number> {
  if (snaps.length === 0) return 0;
  const ids = [...new Set(snaps.map((s) => s.memberId))];
  const rows = await db.members.bulkGet(ids);
  // The rows as they were (undefined: not held); `state` is them as the snapshots are applied in memory.
  const original = new Map<string, MemberRow | undefined>(ids.map((id, i) => [id, rows[i]]));
  // Only a card that is new to its member can be held by another row (the card index is unique): look those up.
  const cards = [...new Set(snaps.filter((s) => original.get(s.memberId)?.card !== s.card).map((s) => s.card))];
  const holders = cards.length > 0 ? await db.members.where('card').anyOf(cards).toArray() : [];
  for (const h of holders) if (!original.has(h.memberId)) original.set(h.memberId, h);
  const state = new Map(original);
  const cardOwner = new Map<string, string>();
  for (const r of original.values()) if (r) cardOwner.set(r.card, r.memberId);
  const put = (row: MemberRow) => {
    const before = state.get(row.memberId);
    if (before && before.card !== row.card && cardOwner.get(before.card) === row.memberId)
      cardOwner.delete(before.card);
    state.set(row.memberId, row);
    cardOwner.set(row.card, row.memberId);
  };

  let changed = 0;
  for (const snap of snaps) {
    const current = state.get(snap.memberId);
    if (snap.erased === true) {
      // An erased member: the till keeps nothing of it.
      if (current) {
        if (cardOwner.get(current.card) === snap.memberId) cardOwner.delete(current.card);
        state.set(snap.memberId, undefined);
        changed++;
      }
      continue;
    }
    if (!current || snap.ledgerSeq > current.ledgerSeq) {
      // The ledger owns card numbers: a local row holding this card for another member (an enrol the ledger will
      // refuse with CARD_TAKEN) gives way, else the unique card index would abort the whole sync transaction.
      const holder = cardOwner.get(snap.card);
      if (holder !== undefined && holder !== snap.memberId) {
        state.set(holder, undefined);
        cardOwner.delete(snap.card);
      }
    }
    if (!current) {
      put({ ...pickSnapshot(snap), ...lettersOf(snap.letters), tillSeq, heldAt: now });
      changed++;
    } else if (snap.ledgerSeq > current.ledgerSeq) {
      // The ledger applies a till's ops in order, so a newer snapshot never includes fewer of them; max() guards anyway.
      // Letters not said (a push answer, a live change) are the ones held.
      put({
        ...pickSnapshot(snap),
        ...lettersOf(snap.letters ?? current.letters),
        tillSeq: Math.max(tillSeq, current.tillSeq),
        heldAt: current.heldAt,
      });
      changed++;
    } else if (snap.ledgerSeq === current.ledgerSeq) {
      // The same member state; but the letters may not have come with it the first time (a push answer says none).
      const letters = snap.letters !== undefined && !sameLetters(snap.letters, current.letters);
      if (tillSeq > current.tillSeq || letters) {
        const { letters: held, letterRefs: _refs, ...rest } = current;
        put({ ...rest, ...lettersOf(letters ? snap.letters : held), tillSeq: Math.max(tillSeq, current.tillSeq) });
        changed++;
      }
    }
  }

  const deletes: string[] = [];
  const puts: MemberRow[] = [];
  for (const [id, row] of state) {
    const was = original.get(id);
    if (row === undefined) {
      if (was !== undefined) deletes.push(id);
    } else if (row !== was) {
      puts.push(row);
      // Its old card must be free before another row is put with it (the card index is unique).
      if (was !== undefined && was.card !== row.card) deletes.push(id);
    }
  }
  if (deletes.length > 0) await db.members.bulkDelete(deletes as MemberId[]);
  if (puts.length > 0) await db.members.bulkPut(puts);
  return changed;
}

/** A row's letters and their index (none: neither field). */
function lettersOf(letters: MemberSnapshot['letters']): Pick<MemberRow, 'letters' | 'letterRefs'> {
  if (letters === undefined || letters.length === 0) return {};
  return {
    letters: letters.map((l) => ({ ref: l.ref, expiresAt: l.expiresAt })),
    letterRefs: letters.map((l) => l.ref),
  };
}

function sameLetters(a: MemberSnapshot['letters'], b: MemberSnapshot['letters']): boolean {
  const x = a ?? [];
  const y = b ?? [];
  return x.length === y.length && x.every((l, i) => l.ref === y[i]?.ref && l.expiresAt === y[i]?.expiresAt);
}

/** Keeps only the snapshot's fields, letters apart (a parsed message may carry no more, but a row must not either). */
function pickSnapshot(s: MemberSnapshot): MemberSnapshot {
  return {
    memberId: s.memberId,
    card: s.card,
    name: s.name,
    balance: s.balance,
    lifetimePoints: s.lifetimePoints,
    welcomeGiven: s.welcomeGiven,
    ledgerSeq: s.ledgerSeq,
    // Ledgers before the closing kit send neither; a row then holds neither.
    ...(s.terms !== undefined ? { terms: s.terms } : {}),
    ...(s.tier !== undefined ? { tier: s.tier } : {}),
    ...(s.nextExpiry !== undefined ? { nextExpiry: s.nextExpiry } : {}),
  };
}
