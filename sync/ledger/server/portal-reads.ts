/**
 * The ledger's reads behind the members' page, kept where the answer cannot have changed, so that a page costs the
 * ledger one read of the member (two for a member holding vouchers) rather than six. On the closing-day peak every
 * page open, answer and page after the answer passes here.
 *
 * - The portal's till row is read at most once a second per till (the token itself is checked on every request): a
 *   revoked or rotated portal credential is refused within a second, as the tills' sockets are dropped within the
 *   watchers' two.
 * - Link rows (reference → member, version, expiry) are written once and never changed: kept, up to a bound.
 * - Where the member last answered the terms, and that they hold no voucher, change only with an op applied to the
 *   member, which always moves the member's ledger sequence: kept against that sequence, so any change, made by this
 *   process or another one sharing the database, is seen at the next read of the member. Vouchers a member holds are
 *   read every time: a redemption changes them without touching the member.
 */
import type { MemberId, TillId } from '../../loyalty/units.ts';
import type { AnswerVia, MemberLinkRow, MemberVoucherRow } from '../store/interfaces/member-channel.ts';
import type { LedgerStore, MemberRecord, TillRecord } from '../store/types.ts';

/** How long a read of the portal's till row serves. */
export const PORTAL_TILL_TTL_MS = 1_000;
/** Entries kept per cache before it starts again empty (a member's entries are a few hundred bytes). */
const MAX_ENTRIES = 100_000;

export interface PortalReads {
  /** The till row behind a portal credential (undefined: no such till). */
  till(tillId: TillId): Promise<TillRecord | undefined>;
  /** The link row of a letter reference (undefined: unknown). */
  linkByRef(ref: string): Promise<MemberLinkRow | undefined>;
  /** Where the member's last answer to the terms was given, and the member's vouchers, newest first. */
  answersOf(member: MemberRecord): Promise<{ via: AnswerVia | null; vouchers: MemberVoucherRow[] }>;
}

/** A map that starts again empty past `MAX_ENTRIES`, so that no stream of keys grows it without bound. */
function bounded<K, V>(): Map<K, V> & { put(k: K, v: V): void } {
  const m = new Map<K, V>() as Map<K, V> & { put(k: K, v: V): void };
  m.put = (k, v) => {
    if (m.size >= MAX_ENTRIES) m.clear();
    m.set(k, v);
  };
  return m;
}

export function portalReads(store: LedgerStore, now: () => number = Date.now): PortalReads {
  const tills = bounded<TillId, { row: TillRecord | undefined; until: number }>();
  const links = bounded<string, MemberLinkRow>();
  const answers = bounded<MemberId, { ledgerSeq: number; via: AnswerVia | null; noVouchers: boolean }>();
  return {
    async till(tillId) {
      const hit = tills.get(tillId);
      if (hit && now() < hit.until) return hit.row;
      const row = await store.getTill(tillId);
      tills.put(tillId, { row, until: now() + PORTAL_TILL_TTL_MS });
      return row;
    },
    async linkByRef(ref) {
      const hit = links.get(ref);
      if (hit) return hit;
      const row = await store.memberChannel.linkByRef(ref);
      // Only rows: a reference unknown now may be issued by the next notices run.
      if (row) links.put(ref, row);
      return row;
    },
    async answersOf(member) {
      const hit = answers.get(member.memberId);
      if (hit?.ledgerSeq === member.ledgerSeq)
        return {
          via: hit.via,
          vouchers: hit.noVouchers ? [] : await store.memberChannel.vouchersOf(member.memberId),
        };
      // The member was read before these: what they find is at least as new as the sequence they are kept under.
      const via = member.terms ? await store.memberChannel.termsVia(member.memberId) : null;
      const vouchers = await store.memberChannel.vouchersOf(member.memberId);
      answers.put(member.memberId, { ledgerSeq: member.ledgerSeq, via, noVouchers: vouchers.length === 0 });
      return { via, vouchers };
    },
  };
}
