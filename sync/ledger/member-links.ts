/**
 * Members' personal links: `<portal>/m/<token>`, the token being the letter reference (without its dashes) and an
 * HMAC-SHA256 over the reference, the program version and the expiry, with the ledger's link key. Unguessable (the
 * 128-bit signature), good for one member (the reference names one), and expiring with the closing (the burn
 * deadline, kept with the reference). Checking answers the member or one refusal for every kind of bad link, so that
 * a tampered, expired or unknown link cannot be told apart.
 *
 * The key is `ledger_meta.link_secret` (made by migration 0013, shared by every ledger process on one database) unless
 * LEDGER_PORTAL_SECRET is set.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { checkLetterRef, LETTER_REF_RANDOM_BYTES, makeLetterRef } from '../loyalty/letter-ref.ts';
import type { MemberId } from '../loyalty/units.ts';
import type { MemberChannelStore } from './store/interfaces/member-channel.ts';
import type { LedgerStore } from './store/types.ts';

/** The link path prefix on the portal. */
export const MEMBER_LINK_PATH = '/m/';
/** Bytes of the HMAC kept in a link (128 bits). */
const SIGNATURE_BYTES = 16;
/** A link token as it may appear: reference symbols (the check may be one of *~$=U), a dot, base64url. */
const TOKEN = /^L[0-9A-Z*~$=]{9}\.[A-Za-z0-9_-]{22}$/;

export interface LinkSigner {
  /** The token of a member's link. */
  token(ref: string, programVersion: number, expiresAt: number): string;
  /** Whether `signature` is that of the reference, version and expiry. */
  verify(ref: string, programVersion: number, expiresAt: number, signature: string): boolean;
}

export function linkSigner(secret: string): LinkSigner {
  const sign = (ref: string, version: number, expiresAt: number): Buffer =>
    createHmac('sha256', secret)
      .update(`member-link:v1:${ref}:${version}:${expiresAt}`)
      .digest()
      .subarray(0, SIGNATURE_BYTES);
  return {
    token: (ref, version, expiresAt) =>
      `${ref.replace(/-/g, '')}.${sign(ref, version, expiresAt).toString('base64url')}`,
    verify(ref, version, expiresAt, signature) {
      const given = Buffer.from(signature, 'base64url');
      const want = sign(ref, version, expiresAt);
      return given.length === want.length && timingSafeEqual(given, want);
    },
  };
}

/** The signer of this ledger: LEDGER_PORTAL_SECRET when set (at least 32 characters), else the stored key. */
export async function ledgerLinkSigner(store: LedgerStore, env: NodeJS.ProcessEnv = process.env): Promise<LinkSigner> {
  const fromEnv = env['LEDGER_PORTAL_SECRET'];
  if (fromEnv !== undefined && fromEnv !== '') {
    if (fromEnv.length < 32) throw new Error('LEDGER_PORTAL_SECRET must be at least 32 characters');
    return linkSigner(fromEnv);
  }
  return linkSigner(await store.memberChannel.linkSecret());
}

/** A fresh random letter reference. */
export const newLetterRef = (): string => makeLetterRef(randomBytes(LETTER_REF_RANDOM_BYTES));

/** The full link of a token on a portal (its base URL, with or without a trailing slash). */
export function memberLinkUrl(portalUrl: string, token: string): string {
  return `${portalUrl.replace(/\/+$/, '')}${MEMBER_LINK_PATH}${token}`;
}

export type LinkCheck = { ok: true; memberId: MemberId; programVersion: number; ref: string } | { ok: false };

/** Where link rows are read: the store's `memberChannel`, or a cache of it (server/portal-reads.ts). */
export type LinkRows = Pick<MemberChannelStore, 'linkByRef'>;

/**
 * Checks a link token: well formed, a known reference, the right signature, not expired at `now`. Every refusal is
 * the same `{ ok: false }`.
 */
export async function checkLinkToken(
  links: LinkRows,
  signer: LinkSigner,
  token: unknown,
  now: number,
): Promise<LinkCheck> {
  if (typeof token !== 'string' || !TOKEN.test(token)) return { ok: false };
  const [refPart = '', signature = ''] = token.split('.');
  const ref = checkLetterRef(refPart);
  if (!ref.ok) return { ok: false };
  const row = await links.linkByRef(ref.ref);
  if (!row || !signer.verify(row.ref, row.programVersion, row.expiresAt, signature)) return { ok: false };
  if (now >= row.expiresAt) return { ok: false };
  return { ok: true, memberId: row.memberId, programVersion: row.programVersion, ref: row.ref };
}

/**
 * The member a closing letter names, as a till sends it in a lookup: the reference as typed (a known one, not
 * expired at `now`), or the token of the personal link scanned from its QR code (checked as the portal checks it,
 * signature included). Undefined for a typo, an unknown, expired or tampered letter alike.
 */
export async function memberOfLetter(
  store: LedgerStore,
  signer: () => Promise<LinkSigner>,
  letter: string,
  now: number,
): Promise<MemberId | undefined> {
  if (letter.includes('.')) {
    const link = await checkLinkToken(store.memberChannel, await signer(), letter, now);
    return link.ok ? link.memberId : undefined;
  }
  const ref = checkLetterRef(letter);
  if (!ref.ok) return undefined;
  const row = await store.memberChannel.linkByRef(ref.ref);
  return row && now < row.expiresAt ? row.memberId : undefined;
}
