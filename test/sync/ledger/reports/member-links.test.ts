/**
 * The members' channel on the notices: each notice's letter reference and signed personal link (one member, expiring
 * with the closing), the same refusal for tampered, expired and unknown links, and the members no channel reaches.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { parse } from 'csv-parse/sync';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkLinkToken, ledgerLinkSigner, linkSigner } from '../../../../sync/ledger/member-links.ts';
import { issueNotices, portalUrlFrom } from '../../../../sync/ledger/reports/notices.ts';
import { listUnreachable } from '../../../../sync/ledger/reports/unreachable.ts';
import type { LedgerStore } from '../../../../sync/ledger/store/types.ts';
import { consentRecords } from '../../../../sync/loyalty/consent.ts';
import { backends } from '../../../support/databases.ts';
import { importRow, memberId } from '../store/fixtures.ts';
import { DAY, freshStore, reportProgram, T0, type Fresh } from './ledger-builder.ts';

const DEADLINE = Date.UTC(2025, 5, 1);
const PORTAL = 'https://points.example.com/';

describe.each(backends)("members' links on the notices on %s", (backend) => {
  let fresh: Fresh;
  let store: LedgerStore;
  beforeEach(async () => {
    fresh = await freshStore(backend, () => T0);
    store = fresh.store;
    await store.putProgram(reportProgram(1, { burnDeadline: DEADLINE, earnUntil: Date.UTC(2025, 4, 1) }));
    await store.importMembers([
      importRow(1, 500),
      importRow(2, 0),
      { ...importRow(3, 10), postalAddress: null, email: null },
      { ...importRow(4, 10), postalAddress: '  ' },
      { ...importRow(5, 10), postalAddress: null },
    ]);
    // Member 5 consented to e-mail: reachable without an address. Member 4 did not.
    await store.consents.record(
      consentRecords(memberId(5), { email: true }, { at: T0, place: 'import', method: 'import' }),
    );
  });
  afterEach(async () => {
    await fresh.dispose();
  });

  async function csvRows(): Promise<Record<string, string>[]> {
    const out = join(fresh.dataDir, 'notices.csv');
    await issueNotices(store, { format: 'csv', out, portalUrl: portalUrlFrom(PORTAL) }, T0);
    return parse<Record<string, string>>(await readFile(out, 'utf8'), { columns: true });
  }

  it('gives every notice a link naming its member only, signed, which keeps its reference on a rerun', async () => {
    const rows = await csvRows();
    expect(rows).toHaveLength(5);
    const signer = await ledgerLinkSigner(store, {});
    for (const [i, row] of rows.entries()) {
      const link = row['link'] ?? '';
      expect(link).toMatch(/^https:\/\/points\.example\.com\/m\/L[0-9A-Z*~$=]{9}\.[A-Za-z0-9_-]{22}$/);
      const token = link.slice(link.lastIndexOf('/') + 1);
      expect(token.startsWith((row['letter_ref'] ?? '').replace(/-/g, ''))).toBe(true);
      expect(await checkLinkToken(store.memberChannel, signer, token, T0)).toEqual({
        ok: true,
        memberId: memberId(i + 1),
        programVersion: 1,
        ref: row['letter_ref'],
      });
    }
    // A second run (a reprint) gives the same references and links.
    expect(await csvRows()).toEqual(rows);
  });

  it('answers one refusal for a tampered, expired, unknown or foreign-key link', async () => {
    const [row] = await csvRows();
    const link = row?.['link'] ?? '';
    const token = link.slice(link.lastIndexOf('/') + 1);
    const signer = await ledgerLinkSigner(store, {});
    const [ref = '', sig = ''] = token.split('.');
    const flip = (s: string, i: number) => `${s.slice(0, i)}${s[i] === 'A' ? 'B' : 'A'}${s.slice(i + 1)}`;
    const refusals = [
      `${ref}.${flip(sig, 3)}`, // signature changed
      `${flip(ref, 4)}.${sig}`, // reference changed (its check symbol then fails, or it names no one)
      'L0000000000.AAAAAAAAAAAAAAAAAAAAAA', // never existed
      `${ref}.${sig}x`, // malformed
      '',
    ];
    for (const t of refusals) expect(await checkLinkToken(store.memberChannel, signer, t, T0)).toEqual({ ok: false });
    // Expired with the closing: the deadline itself is too late.
    expect(await checkLinkToken(store.memberChannel, signer, token, DEADLINE - 1)).toMatchObject({ ok: true });
    expect(await checkLinkToken(store.memberChannel, signer, token, DEADLINE)).toEqual({ ok: false });
    // Signed with another key (LEDGER_PORTAL_SECRET set on one process only): refused.
    const other = linkSigner('x'.repeat(40));
    expect(await checkLinkToken(store.memberChannel, other, token, T0)).toEqual({ ok: false });
    // LEDGER_PORTAL_SECRET is used when set, and must be long.
    await expect(ledgerLinkSigner(store, { LEDGER_PORTAL_SECRET: 'short' })).rejects.toThrow(/32 characters/);
    const envSigner = await ledgerLinkSigner(store, { LEDGER_PORTAL_SECRET: 'y'.repeat(40) });
    expect(envSigner.token('L-0000-0000-0', 1, 2)).toBe(linkSigner('y'.repeat(40)).token('L-0000-0000-0', 1, 2));
  });

  it('lists the members neither post nor e-mail reaches, with why', async () => {
    const sink = new PassThrough();
    const chunks: Buffer[] = [];
    sink.on('data', (c: Buffer) => chunks.push(c));
    expect(await listUnreachable(store, sink)).toBe(2);
    const rows = parse<Record<string, string>>(Buffer.concat(chunks).toString('utf8'), { columns: true });
    expect(rows.map((r) => [r['member_id'], r['why']])).toEqual([
      [memberId(3), 'no address, no e-mail'],
      [memberId(4), 'no address, no consent to e-mail'],
    ]);
    expect(rows[0]?.['letter_ref']).toMatch(/^L-/);
  });

  it('refuses a portal URL that is not http(s)', () => {
    expect(portalUrlFrom(undefined, {})).toBeNull();
    expect(portalUrlFrom(undefined, { LEDGER_PORTAL_URL: 'https://p.example/x/' })).toBe('https://p.example/x');
    expect(() => portalUrlFrom('ftp://p.example')).toThrow(/https/);
    expect(() => portalUrlFrom('not a url')).toThrow(/not a URL/);
    expect(DAY).toBeGreaterThan(0);
  });
});
