/**
 * Marketing consent on every backend: given at enrolment through the ledger (the enrol op's consent), at import (the
 * CSV's consent columns), later through the members' channel (the store's record, appended to the history); events
 * about a member carry the member's consent; a webhook limited to a channel does not get a non-consenting member's
 * events.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyGroup } from '../../../sync/ledger/apply-group.ts';
import { applyHeadOfficeOps } from '../../../sync/ledger/head-office.ts';
import { createLogger } from '../../../sync/ledger/log.ts';
import { recordMemberConsent } from '../../../sync/ledger/member-consent.ts';
import { parseMembersCsv } from '../../../sync/ledger/members-csv.ts';
import { openStore } from '../../../sync/ledger/store/open.ts';
import type { LedgerStore } from '../../../sync/ledger/store/types.ts';
import { addWebhook, createWebhookWorker, eventHead, parseConsentChannel } from '../../../sync/ledger/webhooks.ts';
import { withLuhn } from '../../../sync/loyalty/card.ts';
import { consentRecords, consentState } from '../../../sync/loyalty/consent.ts';
import { LoyaltyEventSchema, type LoyaltyEvent } from '../../../sync/loyalty/events.ts';
import type { Op, OpOutcome } from '../../../sync/loyalty/ops.ts';
import type { Card, MemberId, Points } from '../../../sync/loyalty/units.ts';
import { backends, makeTestDatabase, type TestDatabase } from '../../support/databases.ts';
import { OpMaker } from '../../support/ops.ts';
import { seedLedger, type Seeded } from '../../support/seed.ts';

const T0 = Date.UTC(2026, 0, 1);

describe('consent state (pure)', () => {
  it('is the latest record per channel; channels not named are not given', () => {
    const m = uuidv7() as MemberId;
    const given = consentRecords(m, { email: true, sms: true }, { at: 1, place: 'import', method: 'import' });
    const withdrawn = consentRecords(m, { sms: false }, { at: 2, place: 'member', method: 'member-channel' });
    expect(given.map((r) => r.channel)).toEqual(['email', 'sms']);
    expect(consentState(given)).toEqual({ email: true, sms: true, post: false });
    expect(consentState([...withdrawn, ...given])).toEqual({ email: true, sms: false, post: false });
  });

  it('refuses an unknown webhook channel with a code', () => {
    expect(parseConsentChannel('sms')).toBe('sms');
    expect(() => parseConsentChannel('fax')).toThrow(/not a consent channel/);
  });
});

describe.each(backends)('consent on %s', (backend) => {
  let db: TestDatabase;
  let store: LedgerStore;
  let seeded: Seeded;
  let till: OpMaker;
  const clock = T0;

  const group = async (ops: Op[]): Promise<OpOutcome[]> => {
    const first = ops[0];
    if (!first) return [];
    const out = await store.transaction((tx) =>
      applyGroup(tx, [{ tillId: first.tillId, storeId: first.storeId, ops, sentAt: clock, receivedAt: clock }], {
        now: clock,
        clockToleranceMs: () => 120_000,
      }),
    );
    return out.outcomes.flatMap((o) => o.results.map((r) => r.outcome));
  };
  let cardNo = 0;
  const enrol = (consent?: Extract<Op, { kind: 'enrol' }>['consent']): Extract<Op, { kind: 'enrol' }> => {
    const { lines: _l, quotedPoints: _q, kind: _k, ...common } = till.earn(uuidv7(), 0);
    return {
      ...common,
      kind: 'enrol',
      card: withLuhn(`7${String(++cardNo).padStart(13, '0')}`) as Card,
      name: `Consent ${cardNo}`,
      ...(consent ? { consent } : {}),
    };
  };

  beforeAll(async () => {
    db = await makeTestDatabase(backend);
    seeded = await seedLedger(db, { members: 2, now: T0 });
    store = await openStore(db.databaseUrl ? { databaseUrl: db.databaseUrl } : { dataDir: db.dataDir });
    const t = seeded.tills[0];
    if (!t) throw new Error('no till');
    till = new OpMaker(t, 1, () => clock);
  });
  afterAll(async () => {
    await store?.close();
    await db?.drop();
  });

  it('records the consent an enrolment gives, with when, where and how; none when none was asked', async () => {
    const yes = enrol({ email: true, sms: false, method: 'till-enrolment' });
    const none = enrol();
    expect(await group([yes, none])).toEqual([
      { status: 'applied', delta: 0 },
      { status: 'applied', delta: 0 },
    ]);
    expect(await store.consents.history(yes.memberId)).toEqual([
      {
        memberId: yes.memberId,
        channel: 'email',
        given: true,
        at: T0,
        place: 'store-a/a1',
        method: 'till-enrolment',
        opId: yes.opId,
      },
      {
        memberId: yes.memberId,
        channel: 'sms',
        given: false,
        at: T0,
        place: 'store-a/a1',
        method: 'till-enrolment',
        opId: yes.opId,
      },
    ]);
    expect(await store.consents.history(none.memberId)).toEqual([]);
    const states = await store.consents.states([yes.memberId, none.memberId]);
    expect(states.get(yes.memberId)).toEqual({ email: true, sms: false, post: false });
    expect(states.get(none.memberId)).toEqual({ email: false, sms: false, post: false });
  });

  it('appends a later change from the members’ channel to the history; a refused enrolment records nothing', async () => {
    const e = enrol({ post: true, method: 'pos-api' });
    await group([e]);
    await store.consents.record(
      consentRecords(
        e.memberId,
        { post: false, email: true },
        { at: T0 + 1000, place: 'member', method: 'member-channel' },
      ),
    );
    const history = await store.consents.history(e.memberId);
    expect(history.map((r) => [r.channel, r.given, r.method])).toEqual([
      ['post', true, 'pos-api'],
      ['email', true, 'member-channel'],
      ['post', false, 'member-channel'],
    ]);
    expect((await store.consents.states([e.memberId])).get(e.memberId)).toEqual({
      email: true,
      sms: false,
      post: false,
    });
    // The same card again: CARD_TAKEN, and its consent is not recorded.
    const again = { ...enrol({ email: true, method: 'till-enrolment' }), card: e.card };
    expect(await group([again])).toEqual([{ status: 'rejected', code: 'CARD_TAKEN' }]);
    expect(await store.consents.history(again.memberId)).toEqual([]);
    await expect(
      store.consents.record(
        consentRecords(uuidv7() as MemberId, { email: true }, { at: T0, place: 'member', method: 'member-channel' }),
      ),
    ).rejects.toThrow(/no member/);
  });

  it('takes a member’s own change through the members’ channel request, as an op, refusing a bad one with a code', async () => {
    const e = enrol({ email: true, sms: true, method: 'till-enrolment' });
    await group([e]);
    const start = Math.max(0, ...(await store.listEvents(0, 10_000)).map((ev) => ev.seq));
    await expect(
      recordMemberConsent(store, { memberId: e.memberId, consent: { sms: false } }, T0 + 5),
    ).resolves.toEqual({ email: true, sms: false, post: false });
    expect((await store.consents.history(e.memberId)).at(-1)).toMatchObject({
      channel: 'sms',
      given: false,
      at: T0 + 5,
      place: 'member',
      method: 'member-channel',
    });
    // A consent op of head office's till: in the audit chain, with its event.
    const changed = (await store.listEvents(start, 100)).filter((ev) => ev.type === 'consent-changed');
    expect((await store.consents.history(e.memberId)).at(-1)?.opId).toBe(changed[0]?.opId);
    expect(changed).toEqual([
      expect.objectContaining({ memberId: e.memberId, data: { sms: false, method: 'member-channel' } }),
    ]);
    for (const [request, code] of [
      [{ memberId: e.memberId, consent: {} }, 'BAD_REQUEST'],
      [{ memberId: e.memberId, consent: { fax: true } }, 'BAD_REQUEST'],
      [{ memberId: uuidv7(), consent: { email: false } }, 'UNKNOWN_MEMBER'],
    ] as const)
      await expect(recordMemberConsent(store, request, T0 + 6)).rejects.toMatchObject({ code });
    expect(await store.consents.history(e.memberId)).toHaveLength(3);
  });

  it('imports the consent columns: per channel, at the file’s date or the import’s, where and how "import"', async () => {
    const ids = [uuidv7(), uuidv7()];
    let i = 0;
    const csv = [
      'card,name,consent_email,consent_sms,consent_post,consent_date',
      `${withLuhn('60000000000001')},Ann,yes,no,,2018-05-25`,
      `${withLuhn('60000000000002')},Bob,,,,`,
    ].join('\n');
    const parsed = parseMembersCsv(csv, { makeId: () => ids[i++] ?? uuidv7() });
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
    await store.importMembers(parsed.rows);
    const [ann, bob] = parsed.rows.map((r) => r.memberId);
    if (!ann || !bob) throw new Error('rows');
    const at = Date.UTC(2018, 4, 25);
    expect(await store.consents.history(ann)).toEqual([
      { memberId: ann, channel: 'email', given: true, at, place: 'import', method: 'import', opId: null },
      { memberId: ann, channel: 'sms', given: false, at, place: 'import', method: 'import', opId: null },
    ]);
    expect(await store.consents.history(bob)).toEqual([]);
    const bad = parseMembersCsv(`card,name,consent_email\n${withLuhn('60000000000003')},Cy,maybe`, {
      makeId: () => uuidv7(),
    });
    expect(bad).toMatchObject({ ok: false, errors: [{ line: 2, code: 'CSV_ROW_INVALID' }] });
  });

  it('events about a member carry its consent; a webhook limited to email skips the others’ member events', async () => {
    const consenting = enrol({ email: true, method: 'till-enrolment' });
    const refusing = enrol({ email: false, sms: true, method: 'till-enrolment' });
    await group([consenting, refusing]);
    const start = await eventHead(store);
    await applyHeadOfficeOps(
      store,
      [consenting, refusing].map((e) => ({
        kind: 'adjust' as const,
        memberId: e.memberId,
        points: 5 as Points,
        reason: 'consent test',
        by: 'tests',
      })),
    );
    const events = await store.listEvents(start, 100);
    const about = (m: MemberId) => events.filter((e) => e.memberId === m);
    expect(about(consenting.memberId).length).toBeGreaterThan(0);
    for (const e of about(consenting.memberId)) expect(e.consent).toEqual({ email: true, sms: false, post: false });
    for (const e of about(refusing.memberId)) expect(e.consent).toEqual({ email: false, sms: true, post: false });

    const rx = await startReceiver();
    const all = await addWebhook(store, { url: rx.url, secret: 's'.repeat(32), after: start });
    const emailOnly = await addWebhook(store, {
      url: `${rx.url}?email`,
      secret: 's'.repeat(32),
      after: start,
      consent: 'email',
    });
    expect(emailOnly.consentChannel).toBe('email');
    const worker = createWebhookWorker({ store, logger: createLogger('silent'), pollMs: 20, timeoutMs: 5_000 });
    worker.start();
    try {
      const head = await eventHead(store);
      const deadline = Date.now() + 15_000;
      for (;;) {
        const hooks = await store.webhooks.list();
        if (hooks.every((h) => h.cursor === head)) break;
        if (Date.now() > deadline) throw new Error('webhooks did not catch up');
        await new Promise((r) => setTimeout(r, 20));
      }
    } finally {
      await worker.close();
      await rx.close();
    }
    const got = (path: string) => rx.received.filter((d) => d.path === path).flatMap((d) => d.events);
    expect(got('/hook').map((e) => e.memberId)).toEqual(events.map((e) => e.memberId));
    const limited = got('/hook?email');
    expect(limited.map((e) => e.seq)).toEqual(about(consenting.memberId).map((e) => e.seq));
    expect(limited.some((e) => e.memberId === refusing.memberId)).toBe(false);
    expect(all.consentChannel).toBeNull();
  });
});

/** A receiver answering 200 to every POST, keeping the events by request path. */
async function startReceiver() {
  const received: { path: string; events: LoyaltyEvent[] }[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { events: unknown[] };
      received.push({ path: req.url ?? '', events: body.events.map((e) => LoyaltyEventSchema.parse(e)) });
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    received,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
