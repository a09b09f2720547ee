/**
 * `ledger notices --unreachable`: the members the closing concerns whom neither post nor e-mail can reach (no postal
 * address, and no e-mail address or no consent to e-mail), as CSV. They can only be told at a till or by other means;
 * head office sees how many and who. Records nothing
 * but the letter references the members lack (each member keeps one reference).
 */
import { Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { stringify } from 'csv-stringify';
import type { LedgerStore } from '../store/types.ts';
import { closingProgram, memberPages, safeText, type Notice } from './notices.ts';

const COLUMNS = ['member_id', 'name', 'balance_points', 'email', 'why', 'letter_ref'] as const;

/** Whether the post can reach a member: an address with something in it. */
export const reachableByPost = (n: Pick<Notice, 'postalAddress'>): boolean => (n.postalAddress ?? '').trim() !== '';

/** Whether e-mail can reach a member: an address, and consent to e-mail. */
export const reachableByEmail = (n: Pick<Notice, 'email'>, consented: boolean): boolean =>
  (n.email ?? '').trim() !== '' && consented;

/** Writes the unreachable members as CSV into `sink`; answers how many. */
export async function listUnreachable(
  store: LedgerStore,
  sink: Writable,
  options: { pageSize?: number | undefined; end?: boolean | undefined } = {},
): Promise<number> {
  const program = await closingProgram(store);
  let count = 0;
  async function* records(): AsyncGenerator<string[]> {
    for await (const page of memberPages(store, program, { pageSize: options.pageSize, portalUrl: null })) {
      const consents = await store.consents.states(page.map((n) => n.memberId));
      for (const n of page) {
        const consented = consents.get(n.memberId)?.email ?? false;
        if (reachableByPost(n) || reachableByEmail(n, consented)) continue;
        count++;
        const why = (n.email ?? '').trim() === '' ? 'no address, no e-mail' : 'no address, no consent to e-mail';
        yield [n.memberId, safeText(n.name), String(n.balance), safeText(n.email), why, n.ref];
      }
    }
  }
  await pipeline(Readable.from(records()), stringify({ header: true, columns: [...COLUMNS] }), sink, {
    end: options.end ?? true,
  });
  return count;
}
