/**
 * Fuzzing the ledger's portal API (`/portal/v1/{member,terms,convert}`) and the portal's own pages: arbitrary bodies
 * (valid requests mutated), links and form fields. Every answer from the ledger carries a code from the closed list,
 * never a 500; the portal answers a page with a known status; and nothing changes: no op is recorded, no balance moves.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorCodes } from '../../sync/protocol/errors.ts';
import { PORTAL_API } from '../../sync/protocol/portal.ts';
import { startPortalRig, type PortalRig } from '../support/portal.ts';
import { mutate, mutation, runs, timeoutFor, weirdString, weirdValue } from './support.ts';

const CODES: ReadonlySet<string> = new Set<string>(errorCodes);

describe('fuzzing the portal API and pages', () => {
  let rig: PortalRig;
  let before: unknown;
  const state = async () => ({
    ops: await rig.fresh.store.kysely().selectFrom('ops').select('op_id').execute(),
    members: await rig.fresh.store
      .kysely()
      .selectFrom('members')
      .select(['member_id', 'balance', 'terms_answer'])
      .execute(),
  });
  beforeAll(async () => {
    // Limits out of reach, so that every request is read to the end (the limits have their own test).
    const wide = { ratePerSec: 10_000, burst: 10_000 };
    rig = await startPortalRig('sqlite', { limits: { perLink: wide, perAddress: wide } });
    before = await state();
  });
  afterAll(async () => {
    await rig.close();
  });

  it(
    'answers every malformed request to the ledger with a coded refusal and changes nothing',
    async () => {
      const link = rig.link(1).slice(rig.link(1).lastIndexOf('/') + 1);
      const valid = { link, answer: 'accepted', requestId: '01900000-0000-7000-8000-000000000001' };
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(...Object.values(PORTAL_API)),
          fc.oneof(
            fc.array(mutation, { minLength: 1, maxLength: 4 }).map((m) => mutate({ ...valid, link: `${link}x` }, m)),
            weirdValue,
          ),
          fc.boolean(),
          async (path, body, authed) => {
            const res = await fetch(new URL(path, rig.ledger.url), {
              method: 'POST',
              headers: {
                'content-type': 'application/json',
                ...(authed ? { authorization: `Bearer ${rig.credentials}` } : {}),
              },
              body: JSON.stringify(body) ?? 'null',
            });
            const answer = (await res.json()) as { ok: boolean; error?: { code: string } };
            expect(res.status).not.toBe(500);
            expect(answer.ok).toBe(false);
            expect(CODES.has(answer.error?.code ?? '')).toBe(true);
          },
        ),
        { numRuns: runs(150) },
      );
      expect(await state()).toEqual(before);
    },
    timeoutFor(20_000),
  );

  it(
    'answers every odd link and form on the page with a plain page and changes nothing',
    async () => {
      await fc.assert(
        fc.asyncProperty(
          weirdString,
          fc.constantFrom('', '/terms', '/convert'),
          fc.dictionary(fc.constantFrom('csrf', 'requestId', 'answer', 'x'), weirdString),
          async (token, action, form) => {
            const encoded = encodeURIComponent(token.replace(/[\ud800-\udfff]/g, '\ufffd'));
            const res = await fetch(`${rig.portal.url}/m/${encoded}${action}`, {
              method: action ? 'POST' : 'GET',
              redirect: 'manual',
              headers: { 'content-type': 'application/x-www-form-urlencoded' },
              ...(action ? { body: new URLSearchParams(form).toString() } : {}),
            });
            expect([403, 404]).toContain(res.status);
            expect(await res.text()).toMatch(/^<!doctype html>/);
          },
        ),
        { numRuns: runs(150) },
      );
      expect(await state()).toEqual(before);
    },
    timeoutFor(20_000),
  );
});
