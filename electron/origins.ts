/**
 * URL origin rules shared by the main process and the renderer's setup screen. Pure (no Node or Electron import), so
 * the page can validate a ledger URL with exactly the rule the main process applies.
 */

/** The ledger's http(s) origin and matching ws(s) origin, or an error for anything but an http(s) URL. */
export function ledgerOrigins(ledgerUrl: string): { http: string; ws: string } {
  let u: URL;
  try {
    u = new URL(ledgerUrl);
  } catch {
    throw new TypeError('the ledger URL must be an http: or https: URL');
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    throw new TypeError('the ledger URL must be an http: or https: URL');
  }
  if (u.username !== '' || u.password !== '') throw new TypeError('the ledger URL must not carry credentials');
  // u.host is already normalised (lower case, default port dropped), as in u.origin.
  return { http: u.origin, ws: `${u.protocol === 'https:' ? 'wss:' : 'ws:'}//${u.host}` };
}
