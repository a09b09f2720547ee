/**
 * The letter reference: a short code printed on a member's closing notice, which a cashier can type in the card field
 * (F2) when the member brings the letter instead of the card, and which the member's personal link names. Pure.
 *
 * Format `L-XXXX-XXXX-C`: the letter L (a card is digits only, so the two never clash), 8 symbols of Crockford's base 32
 * (40 random bits) and Crockford's mod-37 check symbol, which catches every single wrong symbol and every swap of two
 * neighbours. The check may be one of `* ~ $ = U`, all on a keyboard. As typed, case, spaces and dashes do not matter,
 * and O, I and L read as 0, 1 and 1 (after the leading L).
 */

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const CHECK_ALPHABET = `${ALPHABET}*~$=U`;
const DATA_SYMBOLS = 8;
/** Random bytes `makeLetterRef` needs (40 bits). */
export const LETTER_REF_RANDOM_BYTES = 5;

declare const letterRefBrand: unique symbol;
/** A letter reference in its canonical form, `L-XXXX-XXXX-C`. */
export type LetterRef = string & { readonly [letterRefBrand]: true };

const checkSymbol = (data: string): string => {
  let n = 0;
  for (const ch of data) n = n * 32 + ALPHABET.indexOf(ch);
  return CHECK_ALPHABET[n % 37] ?? '';
};

const canonical = (data: string, check: string): LetterRef =>
  `L-${data.slice(0, 4)}-${data.slice(4)}-${check}` as LetterRef;

/** A letter reference from caller-supplied random bytes (at least 5). */
export function makeLetterRef(randomBytes: Uint8Array): LetterRef {
  if (randomBytes.length < LETTER_REF_RANDOM_BYTES)
    throw new RangeError(`a letter reference needs ${LETTER_REF_RANDOM_BYTES} random bytes, got ${randomBytes.length}`);
  let data = '';
  for (let s = 0; s < DATA_SYMBOLS; s++) {
    let v = 0;
    for (let b = s * 5; b < s * 5 + 5; b++) v = (v << 1) | (((randomBytes[b >> 3] ?? 0) >> (7 - (b & 7))) & 1);
    data += ALPHABET[v] ?? '';
  }
  return canonical(data, checkSymbol(data));
}

export type LetterRefCheck = { ok: true; ref: LetterRef } | { ok: false; reason: 'FORMAT' | 'CHECK' };

/** Whether a card-field entry looks like a letter reference at all (an L first), before it is checked. */
export const looksLikeLetterRef = (typed: string): boolean => /^\s*[Ll]/.test(typed);

/** Checks a reference as typed: FORMAT when it is not one, CHECK when it has a typo; else its canonical form. */
export function checkLetterRef(typed: string): LetterRefCheck {
  const upper = typed.toUpperCase().replace(/[\s-]/g, '');
  if (!upper.startsWith('L') || upper.length !== DATA_SYMBOLS + 2) return { ok: false, reason: 'FORMAT' };
  const body = upper.slice(1).replace(/O/g, '0').replace(/[IL]/g, '1');
  const data = body.slice(0, DATA_SYMBOLS);
  const check = body.slice(DATA_SYMBOLS);
  if ([...data].some((ch) => !ALPHABET.includes(ch)) || !CHECK_ALPHABET.includes(check))
    return { ok: false, reason: 'FORMAT' };
  return checkSymbol(data) === check ? { ok: true, ref: canonical(data, check) } : { ok: false, reason: 'CHECK' };
}

/** A personal link's token as the letter's QR code carries it: the reference's symbols, a dot, the signature. */
const LINK_TOKEN = /^L[0-9A-Z*~$=]{9}\.[A-Za-z0-9_-]{22}$/;
/** The path of a personal link on the portal, before its token (`<portal>/m/<token>`). */
const LINK_IN_URL = /\/m\/([^/?#\s]+)\/?(?:[?#].*)?$/;

/**
 * What a card-field entry says of a letter: not one (undefined: a card), its reference as typed (checked here), the
 * token of its personal link as scanned from the QR code with the reference it carries (checked here; the signature
 * is the ledger's to check), or `bad` (a letter with a typo or a link of no known shape).
 */
export type LetterEntry =
  { kind: 'ref'; ref: LetterRef } | { kind: 'link'; token: string; ref: LetterRef } | { kind: 'bad' };

export function letterOfEntry(typed: string): LetterEntry | undefined {
  const text = typed.trim();
  if (/^https?:\/\//i.test(text)) {
    const m = LINK_IN_URL.exec(text);
    let token = '';
    try {
      token = decodeURIComponent(m?.[1] ?? '');
    } catch {
      return { kind: 'bad' };
    }
    if (!LINK_TOKEN.test(token)) return { kind: 'bad' };
    const ref = checkLetterRef(token.slice(0, token.indexOf('.')));
    return ref.ok ? { kind: 'link', token, ref: ref.ref } : { kind: 'bad' };
  }
  if (!looksLikeLetterRef(text)) return undefined;
  const ref = checkLetterRef(text);
  return ref.ok ? { kind: 'ref', ref: ref.ref } : { kind: 'bad' };
}
