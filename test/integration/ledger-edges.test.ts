/** The ledger's edges against a real ledger process: authentication, store isolation, bad input, idempotency, gaps. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROTOCOL_VERSION, type PullResponse, type PushResponse } from '../../sync/protocol/messages.ts';
import { backends, makeTestDatabase, type TestDatabase } from '../support/databases.ts';
import { startLedgerProcess, type LedgerProcess } from '../support/ledger-process.ts';
import { OpMaker } from '../support/ops.ts';
import { connectRaw, connectTill, request, type RawSocket } from '../support/raw-till.ts';
import { seedLedger, type Seeded } from '../support/seed.ts';

describe.each(backends)('ledger edges on %s', (backend) => {
  let db: TestDatabase;
  let ledger: LedgerProcess;
  let seeded: Seeded;
  const sockets: RawSocket[] = [];

  beforeAll(async () => {
    db = await makeTestDatabase(backend);
    seeded = await seedLedger(db);
    ledger = await startLedgerProcess(db);
  });
  afterAll(async () => {
    for (const s of sockets) s.close();
    await ledger?.stop();
    await db?.drop();
  });

  const till = (id: string) => {
    const t = seeded.tills.find((x) => x.tillId === id);
    if (!t) throw new Error(id);
    return t;
  };
  const member = (i: number) => {
    const m = seeded.members[i];
    if (!m) throw new Error(`member ${i}`);
    return m;
  };
  const open = async (id: string) => {
    const s = await connectTill(ledger.url, till(id));
    sockets.push(s);
    return s;
  };
  const pull = async (s: RawSocket) =>
    (await request(s, 'pull', { cursor: 0, limit: 1000, programVersion: 0 })) as PullResponse;

  it('answers GET /health with the dialect and protocol version', async () => {
    const res = await fetch(`${ledger.url}/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'ok', dialect: backend, protocolVersion: PROTOCOL_VERSION });
    const missing = await fetch(`${ledger.url}/nope`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: { code: 'NO_ROUTE' } });
  });

  it.each([
    ['no auth at all', {}, 'AUTH_REQUIRED'],
    [
      'an unknown till',
      { tillId: 'zz9', storeId: 'store-a', token: 'x'.repeat(43), protocolVersion: PROTOCOL_VERSION },
      'AUTH_FAILED',
    ],
    [
      'a wrong token',
      { tillId: 'a1', storeId: 'store-a', token: 'y'.repeat(43), protocolVersion: PROTOCOL_VERSION },
      'AUTH_FAILED',
    ],
    [
      'an old protocol version',
      { tillId: 'a1', storeId: 'store-a', token: 'y'.repeat(43), protocolVersion: 99 },
      'PROTOCOL_VERSION',
    ],
  ])('refuses a handshake with %s', async (_name, auth, code) => {
    const r = await connectRaw(ledger.url, auth);
    expect(r.error?.code).toBe(code);
    expect(r.error?.message.length).toBeGreaterThan(10);
  });

  it("refuses a till's token used for another store", async () => {
    const a1 = till('a1');
    const r = await connectRaw(ledger.url, { ...a1, storeId: 'store-b', protocolVersion: PROTOCOL_VERSION });
    expect(r.error?.code).toBe('WRONG_STORE');
  });

  it('refuses ops made for another till or store, and changes nothing', async () => {
    const s = await open('b1');
    const forA = new OpMaker(till('a1'));
    const res = (await request(s, 'push', {
      ops: [forA.earn(member(0).memberId, 1000)],
      sentAt: Date.now(),
    })) as PushResponse;
    expect(res).toMatchObject({ ok: false, error: { code: 'WRONG_STORE' } });
    const a = await open('a1');
    const after = await pull(a);
    expect(after.ok && after.tillSeq).toBe(0);
  });

  it('refuses malformed, oversized and unknown messages with a code and no state change', async () => {
    const s = await open('a2');
    const before = await pull(s);
    const ops = new OpMaker(till('a2'));
    const good = ops.earn(member(1).memberId, 500);
    const bad: unknown[] = [
      null,
      'push',
      { ops: [] },
      { ops: [{ ...good, seq: -1 }], sentAt: Date.now() },
      // An op whose id and seq cannot be read fails the batch; one that only breaks the schema elsewhere is refused
      // on its own, OP_INVALID (test/integration/till-life.test.ts).
      { ops: [{ ...good, opId: 'not-an-id', kind: 'steal' }], sentAt: Date.now() },
      { ops: [good, good], sentAt: Date.now() },
    ];
    for (const payload of bad) {
      const res = (await request(s, 'push', payload)) as PushResponse;
      expect(res.ok).toBe(false);
      if (!res.ok) expect(res.error.code).toBe('BAD_REQUEST');
    }
    const huge = { ops: [{ ...good, receiptRef: undefined, name: 'x'.repeat(1_500_000) }], sentAt: Date.now() };
    expect(await request(s, 'push', huge)).toMatchObject({ ok: false, error: { code: 'MESSAGE_TOO_LARGE' } });
    expect(await request(s, 'transfer', { to: 'me' })).toMatchObject({ ok: false, error: { code: 'UNKNOWN_EVENT' } });
    const after = await pull(s);
    expect(after).toEqual({ ...before, serverTime: after.ok ? after.serverTime : 0 });
  });

  it('applies an op once: a resend gets the first outcome, the same id with other content is refused', async () => {
    const s = await open('a1');
    const ops = new OpMaker(till('a1'));
    const m = member(2);
    const earn = ops.earn(m.memberId, 12_345);
    const first = (await request(s, 'push', { ops: [earn], sentAt: Date.now() })) as PushResponse;
    if (!first.ok) throw new Error(first.error.code);
    expect(first.results).toHaveLength(1);
    expect(first.results[0]).toMatchObject({ duplicate: false, outcome: { status: 'applied' } });
    const balance = first.balances.find((b) => b.memberId === m.memberId)?.balance;
    expect(balance).toBe(
      m.openingBalance + (first.results[0]?.outcome.status === 'applied' ? first.results[0].outcome.delta : NaN),
    );

    const again = (await request(s, 'push', { ops: [earn], sentAt: Date.now() })) as PushResponse;
    if (!again.ok) throw new Error(again.error.code);
    expect(again.results[0]).toEqual({ ...first.results[0], duplicate: true });
    expect(again.balances.find((b) => b.memberId === m.memberId)?.balance).toBe(balance);

    const tampered = { ...earn, lines: [{ amountCents: 99_999_99, category: 'general' }] };
    const refused = (await request(s, 'push', { ops: [tampered], sentAt: Date.now() })) as PushResponse;
    if (!refused.ok) throw new Error(refused.error.code);
    expect(refused.results[0]?.outcome).toEqual({ status: 'rejected', code: 'OP_ID_REUSED' });
    expect(refused.balances.find((b) => b.memberId === m.memberId)?.balance).toBe(balance);
  });

  it("applies nothing past a gap in a till's sequence, and applies it once the gap is filled", async () => {
    const s = await open('a2');
    const ops = new OpMaker(till('a2'));
    const m = member(3);
    const one = ops.earn(m.memberId, 1000);
    const two = ops.earn(m.memberId, 2000);
    const early = (await request(s, 'push', { ops: [two], sentAt: Date.now() })) as PushResponse;
    expect(early).toMatchObject({ ok: true, results: [], tillSeq: 0 });
    const filled = (await request(s, 'push', { ops: [two, one], sentAt: Date.now() })) as PushResponse;
    if (!filled.ok) throw new Error(filled.error.code);
    expect(filled.results.map((r) => r.seq)).toEqual([1, 2]);
    expect(filled.tillSeq).toBe(2);
  });

  it('refuses a burn for lack of points and records it as rejected', async () => {
    const s = await open('b1');
    const ops = new OpMaker(till('b1'));
    const m = member(4);
    const burn = ops.burn(m.memberId, m.openingBalance + 1_000_000, 'reject');
    const res = (await request(s, 'authorize', { ops: [burn], sentAt: Date.now(), deadlineMs: 1500 })) as PushResponse;
    if (!res.ok) throw new Error(res.error.code);
    expect(res.results[0]?.outcome).toEqual({ status: 'rejected', code: 'INSUFFICIENT_POINTS' });
    expect(res.balances[0]?.balance).toBe(m.openingBalance);
  });
});
