/**
 * The portal's way to the ledger: POSTs of the portal API (sync/protocol/portal.ts) with the portal's till
 * credentials, each with a deadline. Every answer is parsed through the schema; an answer that never came, or that
 * does not parse, is `unreachable` (the page then says so, and a retry with the same request id applies once).
 */
import { PORTAL_API, PortalResponseSchema, type PortalResponse } from '../../protocol/portal.ts';

export type LedgerAnswer = PortalResponse | { ok: 'unreachable' };

export interface LedgerClient {
  member(link: string): Promise<LedgerAnswer>;
  terms(link: string, answer: 'accepted' | 'refused', requestId: string): Promise<LedgerAnswer>;
  convert(link: string, requestId: string): Promise<LedgerAnswer>;
}

/** `tillId:token`, as `ledger portal token` prints it. */
export function parsePortalCredentials(value: string | undefined): { tillId: string; token: string } {
  const m = /^([A-Za-z0-9._-]{1,64}):([A-Za-z0-9_-]{20,100})$/.exec(value ?? '');
  if (!m?.[1] || !m[2]) throw new Error('LEDGER_PORTAL_TOKEN must be TILL:TOKEN, as printed by "ledger portal token"');
  return { tillId: m[1], token: m[2] };
}

export function ledgerClient(opts: { ledgerUrl: string; credentials: string; timeoutMs?: number }): LedgerClient {
  const { tillId, token } = parsePortalCredentials(opts.credentials);
  const base = new URL(opts.ledgerUrl);
  const post = async (path: string, body: unknown): Promise<LedgerAnswer> => {
    try {
      const res = await fetch(new URL(path, base), {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${tillId}:${token}` },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(opts.timeoutMs ?? 5_000),
      });
      const parsed = PortalResponseSchema.safeParse(await res.json());
      return parsed.success ? parsed.data : { ok: 'unreachable' };
    } catch {
      return { ok: 'unreachable' };
    }
  };
  return {
    member: (link) => post(PORTAL_API.member, { link }),
    terms: (link, answer, requestId) => post(PORTAL_API.terms, { link, answer, requestId }),
    convert: (link, requestId) => post(PORTAL_API.convert, { link, requestId }),
  };
}
