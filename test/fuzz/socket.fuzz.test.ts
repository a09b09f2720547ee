/**
 * Fuzzing the till namespace `/till` of a real ledger (in this process, on port 0, seeded by test/support/seed.ts):
 * arbitrary and mutated payloads for push, authorize, pull and lookup, unknown events, bad handshakes, oversized
 * messages and batches, another store's ids, replayed op ids with other content and seq gaps. Every answer is a
 * response of the protocol with a code from the closed list (sync/protocol/errors.ts); the ledger stays up; a refused
 * message changes nothing (ledgerState before and after); thousands of refused messages leave the heap bounded.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import fc from 'fast-check';
import { io } from 'socket.io-client';
import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { makeVoucherCode } from '../../sync/loyalty/closing.ts';
import { makeLetterRef } from '../../sync/loyalty/letter-ref.ts';
import { createLogger } from '../../sync/ledger/log.ts';
import { startLedgerServer, type LedgerServer } from '../../sync/ledger/server.ts';
import { openStore } from '../../sync/ledger/store/open.ts';
import type { LedgerStore } from '../../sync/ledger/store/types.ts';
import { errorCodes, type ErrorCode } from '../../sync/protocol/errors.ts';
import { OpSchema } from '../../sync/loyalty/ops.ts';
import {
  AuthorizeEnvelopeSchema,
  HelloRequestSchema,
  HelloResponseSchema,
  HistoryRequestSchema,
  HistoryResponseSchema,
  OpEnvelopeSchema,
  PushEnvelopeSchema,
  HandshakeAuthSchema,
  LookupRequestSchema,
  LookupResponseSchema,
  MAX_BATCH_OPS,
  MAX_MESSAGE_BYTES,
  PROTOCOL_VERSION,
  PullRequestSchema,
  PullResponseSchema,
  PushResponseSchema,
  VoucherCheckRequestSchema,
  VoucherRedeemRequestSchema,
  VoucherResponseSchema,
  WireErrorSchema,
  FindSaleRequestSchema,
  FindSaleResponseSchema,
} from '../../sync/protocol/messages.ts';
import { backends, makeTestDatabase, type TestDatabase } from '../support/databases.ts';
import { connectTill, type RawSocket } from '../support/raw-till.ts';
import { seedLedger, type Seeded, type TillCredentials } from '../support/seed.ts';
import { ledgerState, mutate, mutation, runs, throughJson, timeoutFor, weirdString, weirdValue } from './support.ts';

type Event =
  'push' | 'authorize' | 'pull' | 'lookup' | 'voucherCheck' | 'voucherRedeem' | 'hello' | 'history' | 'findSale';
const EVENTS: readonly Event[] = [
  'push',
  'authorize',
  'pull',
  'lookup',
  'voucherCheck',
  'voucherRedeem',
  'hello',
  'history',
  'findSale',
];
/** How the ledger reads each message: a push's ops one by one (see `acceptable`). */
const requestSchemas: Record<Event, z.ZodType> = {
  push: PushEnvelopeSchema,
  authorize: AuthorizeEnvelopeSchema,
  hello: HelloRequestSchema,
  history: HistoryRequestSchema,
  pull: PullRequestSchema,
  lookup: LookupRequestSchema,
  voucherCheck: VoucherCheckRequestSchema,
  voucherRedeem: VoucherRedeemRequestSchema,
  findSale: FindSaleRequestSchema,
};
const responseSchemas: Record<Event, z.ZodType> = {
  push: PushResponseSchema,
  authorize: PushResponseSchema,
  pull: PullResponseSchema,
  lookup: LookupResponseSchema,
  voucherCheck: VoucherResponseSchema,
  voucherRedeem: VoucherResponseSchema,
  hello: HelloResponseSchema,
  history: HistoryResponseSchema,
  findSale: FindSaleResponseSchema,
};
const CODES: ReadonlySet<string> = new Set<string>(errorCodes);
/** Names socket.io-client refuses to emit. */
const RESERVED = new Set(['connect', 'connect_error', 'disconnect', 'disconnecting', 'newListener', 'removeListener']);
const NO_ANSWER = Symbol('no answer');

/** Emits `event` with `args` and an ack; resolves with the answer, or NO_ANSWER after `timeoutMs`. */
function ask(socket: RawSocket, event: string, args: unknown[], timeoutMs = 10_000): Promise<unknown> {
  const emitter = socket.timeout(timeoutMs) as unknown as {
    emitWithAck(e: string, ...a: unknown[]): Promise<unknown>;
  };
  return emitter.emitWithAck(event, ...args).catch(() => NO_ANSWER);
}

/** The answer is a refusal of the protocol: `{ok: false, error: {code, message}}`, the code from the closed list. */
function expectRefusal(answer: unknown): ErrorCode {
  const r = (answer as { ok?: unknown; error?: unknown } | null) ?? {};
  expect(r.ok, JSON.stringify(answer)?.slice(0, 500)).toBe(false);
  const error = WireErrorSchema.parse(r.error);
  expect(CODES.has(error.code)).toBe(true);
  expect(error.message.length).toBeGreaterThan(10);
  return error.code;
}

/** What the ledger should accept: the schema, the size limit, and a batch of this till's own, distinct op ids. */
function acceptable(event: Event, payload: unknown, till: TillCredentials): boolean {
  const json = throughJson(payload);
  if (Buffer.byteLength(JSON.stringify(json) ?? '') > MAX_MESSAGE_BYTES) return false;
  const r = requestSchemas[event].safeParse(json);
  if (!r.success) return false;
  if (event !== 'push' && event !== 'authorize') return true;
  // Each op is read on its own: one that breaks the schema but shows its id and seq is refused alone (OP_INVALID),
  // which uses up its seq; one without them fails the whole batch.
  const raw = (r.data as { ops: unknown[] }).ops;
  const ops: { tillId: string; storeId: string; opId: string }[] = [];
  for (const op of raw) {
    const full = OpSchema.safeParse(op);
    const env = full.success ? full : OpEnvelopeSchema.safeParse(op);
    if (!env.success) return false;
    ops.push(env.data);
  }
  return (
    ops.every((o) => o.tillId === till.tillId && o.storeId === till.storeId) &&
    new Set(ops.map((o) => o.opId)).size === ops.length
  );
}

/** Forces a full GC (the flag is set at run time; vitest does not pass --expose-gc). */
function collectGarbage(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

describe.each(backends)('socket fuzzing on %s', (backend) => {
  let db: TestDatabase;
  let store: LedgerStore;
  let server: LedgerServer;
  let seeded: Seeded;
  const sockets = new Map<string, RawSocket>();

  beforeAll(async () => {
    db = await makeTestDatabase(backend);
    seeded = await seedLedger(db, { members: 5 });
    store = await openStore(db.databaseUrl ? { databaseUrl: db.databaseUrl } : { dataDir: db.dataDir });
    server = await startLedgerServer({
      store,
      logger: createLogger(process.env['LEDGER_LOG_LEVEL'] ?? 'silent'),
      port: 0,
      // The fuzzer's valid pushes come faster than a till's; the rate limit has its own tests.
      rateLimits: { push: { ratePerSec: 1e6, burst: 1e6 }, authorize: { ratePerSec: 1e6, burst: 1e6 } },
      webhooks: false,
      adminToken: undefined,
    });
    for (const t of seeded.tills) sockets.set(t.tillId, await connectTill(server.url, t));
  });
  afterAll(async () => {
    for (const s of sockets.values()) s.close();
    await server?.close();
    await store?.close();
    await db?.drop();
  });

  const till = (id: string): TillCredentials => {
    const t = seeded.tills.find((x) => x.tillId === id);
    if (!t) throw new Error(id);
    return t;
  };
  /** The till's socket, reconnected if the ledger closed it (an oversized frame closes the connection). */
  const socketOf = async (id: string): Promise<RawSocket> => {
    const s = sockets.get(id);
    if (s?.connected) return s;
    s?.close();
    const fresh = await connectTill(server.url, till(id));
    sockets.set(id, fresh);
    return fresh;
  };
  const expectAlive = async () => {
    const res = await fetch(`${server.url}/health`);
    expect(res.status).toBe(200);
  };
  const nextSeq = async (tillId: string) => ((await store.getTill(tillId as never))?.lastSeq ?? 0) + 1;
  const member = (i: number) => seeded.members[i % seeded.members.length]!;

  const earn = (t: TillCredentials, seq: number, memberIndex = 0, amountCents = 1250) => ({
    opId: uuidv7(),
    tillId: t.tillId,
    storeId: t.storeId,
    seq,
    memberId: member(memberIndex).memberId,
    at: Date.now(),
    programVersion: seeded.program.version,
    kind: 'earn',
    lines: [{ amountCents, category: 'general' }],
    quotedPoints: 0,
  });
  const burn = (t: TillCredentials, seq: number, memberIndex = 1) => ({
    ...earn(t, seq, memberIndex),
    kind: 'burn',
    lines: undefined,
    quotedPoints: undefined,
    what: { type: 'points', points: 10 },
    points: 10,
    onOverdraw: 'reject',
  });
  /** A well-formed message of each kind for till `t`, whose next seq is `seq`. */
  const validMessage = (event: Event, t: TillCredentials, seq: number): unknown => {
    switch (event) {
      case 'push':
        return { ops: [earn(t, seq), burn(t, seq + 1)], sentAt: Date.now() };
      case 'authorize':
        return { ops: [burn(t, seq)], sentAt: Date.now(), deadlineMs: 5_000 };
      case 'pull':
        return { cursor: 0, limit: 100, programVersion: 0 };
      case 'lookup':
        // By card, or (protocol 3) by a closing letter's reference or scanned link token.
        return seq % 3 === 0
          ? { card: member(2).card }
          : seq % 3 === 1
            ? { letter: makeLetterRef(new Uint8Array(5).fill(seq % 256)) }
            : { letter: `${makeLetterRef(new Uint8Array(5).fill(seq % 256)).replace(/-/g, '')}.${'A'.repeat(22)}` };
      case 'voucherCheck':
        return { code: makeVoucherCode(new Uint8Array(12).fill(seq % 256)) };
      case 'voucherRedeem':
        return { code: makeVoucherCode(new Uint8Array(12).fill(seq % 256)), redemptionId: uuidv7() };
      case 'hello':
        return { journaledSeq: seq - 1, pending: 0 };
      case 'history':
        return { limit: 20 };
      case 'findSale':
        return { by: 'receipt', receiptRef: `R-${seq}` };
    }
  };

  /** Sends one message and checks the contract: a listed code, and no change unless the ledger may accept it. */
  const check = async (tillId: string, event: Event, payload: unknown): Promise<void> => {
    const t = till(tillId);
    const socket = await socketOf(tillId);
    const before = await ledgerState(store);
    const answer = await ask(socket, event, [payload]);
    expect(answer).not.toBe(NO_ANSWER);
    const parsed = responseSchemas[event].safeParse(answer);
    expect(parsed.success, JSON.stringify(answer)?.slice(0, 500)).toBe(true);
    if (!acceptable(event, payload, t)) {
      const code = expectRefusal(answer);
      if (Buffer.byteLength(JSON.stringify(throughJson(payload)) ?? '') > MAX_MESSAGE_BYTES)
        expect(code).toBe('MESSAGE_TOO_LARGE');
      expect(await ledgerState(store)).toBe(before);
    } else if ((answer as { ok: boolean }).ok === false) {
      // A well-formed message may still be refused (an unknown card, letter, voucher or sale, a busy ledger), with a
      // listed code.
      expect([
        'NOT_FOUND',
        'LETTER_UNKNOWN',
        'OVERLOADED',
        'SHUTTING_DOWN',
        'VOUCHER_CODE_INVALID',
        'VOUCHER_UNKNOWN',
        'SALE_NOT_FOUND',
      ]).toContain(expectRefusal(answer));
      expect(await ledgerState(store)).toBe(before);
    }
  };

  it(
    'answers arbitrary payloads on every event with a listed code and changes nothing',
    async () => {
      const payload = fc.oneof(
        weirdValue,
        fc.anything({ maxDepth: 4, maxKeys: 6, withTypedArray: true, withSparseArray: true, withNullPrototype: true }),
        fc.record({ ops: fc.array(weirdValue, { maxLength: 5 }), sentAt: weirdValue }, { requiredKeys: [] }),
        fc.record({ cursor: weirdValue, limit: weirdValue, programVersion: weirdValue }, { requiredKeys: [] }),
        fc.record({ card: weirdValue }, { requiredKeys: [] }),
      );
      await fc.assert(
        fc.asyncProperty(fc.constantFrom(...EVENTS), fc.constantFrom('a1', 'b1'), payload, async (event, t, p) => {
          await check(t, event, p);
        }),
        { numRuns: runs(300) },
      );
      await expectAlive();
    },
    timeoutFor(15_000),
  );

  it(
    'answers mutated valid messages (wrong types, missing and extra fields, edge numbers) without harm',
    async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(...EVENTS),
          fc.constantFrom('a1', 'a2', 'b1'),
          fc.array(mutation, { minLength: 1, maxLength: 3 }),
          async (event, tillId, mutations) => {
            const t = till(tillId);
            await check(tillId, event, mutate(validMessage(event, t, await nextSeq(tillId)), mutations));
          },
        ),
        { numRuns: runs(400) },
      );
      await expectAlive();
    },
    timeoutFor(20_000),
  );

  it(
    "refuses another store's or till's ops, replayed op ids with other content, and leaves seq gaps pending",
    async () => {
      const a1 = till('a1');
      await fc.assert(
        fc.asyncProperty(
          fc.integer({ min: 0, max: 100_000_000 }),
          fc.integer({ min: 1, max: 1_000 }),
          fc.constantFrom('amount', 'member', 'kind', 'seq', 'at'),
          fc.constantFrom(
            { tillId: 'b1', storeId: 'store-b' },
            { tillId: 'a2', storeId: 'store-a' },
            { tillId: 'a1', storeId: 'store-b' },
            { tillId: 'zz', storeId: 'store-a' },
          ),
          async (amount, gap, change, other) => {
            const s = await socketOf('a1');
            const seq = await nextSeq('a1');
            const op = earn(a1, seq, 0, amount);
            const first = (await ask(s, 'push', [{ ops: [op], sentAt: Date.now() }])) as { ok: boolean };
            expect(PushResponseSchema.parse(first).ok).toBe(true);
            const after = await ledgerState(store);

            // The same op id with other content: OP_ID_REUSED, nothing applied.
            const changed = {
              amount: { ...op, lines: [{ amountCents: (amount + 1) % 100_000_000, category: 'general' }] },
              member: { ...op, memberId: member(3).memberId },
              kind: { ...burn(a1, seq, 0), opId: op.opId },
              seq: { ...op, seq: seq + 1 },
              at: { ...op, at: op.at + 1 },
            }[change];
            const replay = PushResponseSchema.parse(await ask(s, 'push', [{ ops: [changed], sentAt: Date.now() }]));
            expect(replay).toMatchObject({
              ok: true,
              results: [{ duplicate: false, outcome: { code: 'OP_ID_REUSED' } }],
            });
            // The same op again: a duplicate with the first outcome.
            const again = PushResponseSchema.parse(await ask(s, 'push', [{ ops: [op], sentAt: Date.now() }]));
            expect(again).toMatchObject({ ok: true, results: [{ duplicate: true }] });
            // A gap: nothing applied, no result, the op waits for the missing ones.
            const gapped = PushResponseSchema.parse(
              await ask(s, 'push', [{ ops: [earn(a1, seq + 1 + gap)], sentAt: Date.now() }]),
            );
            expect(gapped).toMatchObject({ ok: true, results: [] });
            // Another store's or till's ids: WRONG_STORE.
            const foreign = { ...earn(a1, seq + 1), ...other };
            expect(expectRefusal(await ask(s, 'push', [{ ops: [foreign], sentAt: Date.now() }]))).toBe('WRONG_STORE');
            expect(expectRefusal(await ask(s, 'authorize', [{ ops: [foreign], sentAt: 1, deadlineMs: 500 }]))).toBe(
              'WRONG_STORE',
            );
            // Store b's till looking up a card nobody has.
            expect(expectRefusal(await ask(await socketOf('b1'), 'lookup', [{ card: `0000-${gap}` }]))).toBe(
              'NOT_FOUND',
            );
            expect(await ledgerState(store)).toBe(after);
          },
        ),
        { numRuns: runs(30) },
      );
      await expectAlive();
    },
    timeoutFor(15_000),
  );

  it(
    'answers unknown events with UNKNOWN_EVENT',
    async () => {
      const name = fc
        .oneof(weirdString, fc.constantFrom('PUSH', 'push ', 'pull2', 'changes', 'config', 'shed', 'error', 'ping'))
        .filter((e) => !EVENTS.includes(e as Event) && !RESERVED.has(e));
      await fc.assert(
        fc.asyncProperty(name, fc.array(weirdValue, { maxLength: 3 }), async (event, args) => {
          const before = await ledgerState(store);
          const answer = await ask(await socketOf('a1'), event, args);
          expect(expectRefusal(answer)).toBe('UNKNOWN_EVENT');
          expect(await ledgerState(store)).toBe(before);
        }),
        { numRuns: runs(100) },
      );
      await expectAlive();
    },
    timeoutFor(8_000),
  );

  it(
    'refuses bad handshakes with a listed code and lets only the real credentials in',
    async () => {
      const a1 = till('a1');
      const valid = { tillId: a1.tillId, storeId: a1.storeId, token: a1.token, protocolVersion: PROTOCOL_VERSION };
      const auth = fc.oneof(
        fc.array(mutation, { minLength: 1, maxLength: 3 }).map((m) => mutate(valid, m)),
        fc.constantFrom(
          {},
          { ...valid, protocolVersion: PROTOCOL_VERSION + 1 },
          { ...valid, protocolVersion: 0 },
          { ...valid, protocolVersion: '1' },
          { ...valid, storeId: 'store-b' },
          { ...valid, tillId: 'b1' },
          { ...valid, token: till('b1').token },
          { ...valid, token: `${a1.token.slice(0, -1)}x` },
          { ...valid, token: 'y'.repeat(5_000) },
        ),
        fc.dictionary(weirdString, weirdValue, { maxKeys: 5 }),
      );
      await fc.assert(
        fc.asyncProperty(auth, async (a) => {
          const before = await ledgerState(store);
          const result = await handshake(server.url, a);
          const json = throughJson(a) as Record<string, unknown> | undefined;
          const parsed = HandshakeAuthSchema.safeParse(json);
          const genuine =
            parsed.success &&
            parsed.data.tillId === valid.tillId &&
            parsed.data.storeId === valid.storeId &&
            parsed.data.token === valid.token &&
            parsed.data.protocolVersion === PROTOCOL_VERSION;
          if (genuine) expect(result).toBe('connected');
          else {
            expect(result).not.toBe('connected');
            expect(result).not.toBe('no answer');
            expect(CODES.has(result), result).toBe(true);
          }
          expect(await ledgerState(store)).toBe(before);
        }),
        { numRuns: runs(120) },
      );
      await expectAlive();
    },
    timeoutFor(10_000),
  );

  it(
    'answers messages near and over the size limits and batches over MAX_BATCH_OPS',
    async () => {
      const a1 = till('a1');
      const size = fc.oneof(
        fc.constantFrom(MAX_MESSAGE_BYTES - 200, MAX_MESSAGE_BYTES, MAX_MESSAGE_BYTES + 1, 2 * MAX_MESSAGE_BYTES),
        fc.integer({ min: MAX_MESSAGE_BYTES - 10_000, max: 3 * MAX_MESSAGE_BYTES }),
      );
      const shape = fc.constantFrom('string', 'array', 'ops', 'unicode');
      await fc.assert(
        fc.asyncProperty(fc.constantFrom(...EVENTS), size, shape, async (event, bytes, how) => {
          const seq = await nextSeq('a1');
          const base = validMessage(event, a1, seq) as Record<string, unknown>;
          const payload =
            how === 'string'
              ? { ...base, pad: 'x'.repeat(bytes) }
              : how === 'unicode'
                ? { ...base, card: '😀'.repeat(Math.floor(bytes / 4)) }
                : how === 'array'
                  ? { ...base, ops: Array.from({ length: Math.floor(bytes / 10) }, () => 1_000_000) }
                  : {
                      ...base,
                      ops: Array.from({ length: Math.min(Math.floor(bytes / 300), 20_000) }, (_x, i) =>
                        earn(a1, seq + i),
                      ),
                    };
          await check('a1', event, payload);
        }),
        { numRuns: runs(12) },
      );
      // Exactly one op more than a batch may hold, each op valid.
      const seq = await nextSeq('a1');
      const ops = Array.from({ length: MAX_BATCH_OPS + 1 }, (_x, i) => earn(a1, seq + i));
      const before = await ledgerState(store);
      const code = expectRefusal(await ask(await socketOf('a1'), 'push', [{ ops, sentAt: Date.now() }]));
      expect(['BAD_REQUEST', 'BATCH_TOO_LARGE']).toContain(code);
      expect(await ledgerState(store)).toBe(before);
      // Over the transport's cap (4 × MAX_MESSAGE_BYTES) the connection is closed: no answer, nothing changed, up.
      const huge = await ask(await socketOf('a1'), 'push', [{ pad: 'x'.repeat(4 * MAX_MESSAGE_BYTES + 10) }], 5_000);
      expect(huge === NO_ANSWER || expectRefusal(huge) === 'MESSAGE_TOO_LARGE').toBe(true);
      expect(await ledgerState(store)).toBe(before);
      await expectAlive();
    },
    timeoutFor(20_000),
  );

  it('refuses requests without a payload or with extra arguments with a code, and drops one without an ack', async () => {
    const s = await socketOf('a1');
    const before = await ledgerState(store);
    // Without a payload, or with an argument after it, the ack is still the last argument: a coded refusal.
    const asks = [[], [validMessage('pull', till('a1'), 1), 'extra']].flatMap((args) =>
      EVENTS.map((event) => ask(s, event, args, 5_000)),
    );
    for (const answer of await Promise.all(asks)) {
      expect(answer).not.toBe(NO_ANSWER);
      expectRefusal(answer);
    }
    // A push with no ack at all: dropped, not applied.
    (s as unknown as { emit(e: string, p: unknown): void }).emit(
      'push',
      validMessage('push', till('a1'), await nextSeq('a1')),
    );
    expect(await ledgerState(store)).toBe(before);
    await expectAlive();
  });

  it(
    'keeps memory bounded under thousands of refused messages',
    async () => {
      const sample = fc.sample(
        fc.tuple(
          fc.constantFrom(...EVENTS),
          fc.oneof(
            weirdValue.map((raw) => ({ raw })),
            fc.array(mutation, { minLength: 1, maxLength: 3 }).map((mutations) => ({ mutations })),
          ),
        ),
        { numRuns: runs(3_000) },
      );
      const s = await socketOf('a2');
      const a2 = till('a2');
      const before = await ledgerState(store);
      const messages = sample
        .map(([event, p]): [Event, unknown] => [
          event,
          'mutations' in p ? mutate(validMessage(event, a2, 1), p.mutations) : p.raw,
        ])
        .filter(([event, p]) => !acceptable(event, p, a2));
      const burst = async () => {
        for (let i = 0; i < messages.length; i += 100) {
          const answers = await Promise.all(messages.slice(i, i + 100).map(([e, p]) => ask(s, e, [p])));
          for (const a of answers) expectRefusal(a);
        }
      };
      await burst(); // warm up: caches, JIT, socket buffers
      collectGarbage();
      const heapBefore = process.memoryUsage().heapUsed;
      await burst();
      await burst();
      collectGarbage();
      const growth = process.memoryUsage().heapUsed - heapBefore;
      expect(growth, `heap grew ${Math.round(growth / 1e6)} MB over ${2 * messages.length} messages`).toBeLessThan(
        50_000_000,
      );
      expect(await ledgerState(store)).toBe(before);
      await expectAlive();
    },
    timeoutFor(20_000),
  );
});

/** Handshakes with `auth`; resolves 'connected', the refusal's code, or 'no answer' after 5 s. */
function handshake(url: string, auth: unknown): Promise<string> {
  const socket = io(`${url}/till`, {
    auth: auth as Record<string, unknown>,
    reconnection: false,
    transports: ['websocket'],
    forceNew: true,
  });
  let timer: ReturnType<typeof setTimeout> | undefined;
  return new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve('no answer'), 5_000);
    socket.once('connect', () => resolve('connected'));
    socket.once('connect_error', (err: Error & { data?: { code?: string } }) =>
      resolve(err.data?.code ?? `TRANSPORT ${err.message}`),
    );
    socket.once('disconnect', () => resolve('no answer'));
  }).finally(() => {
    clearTimeout(timer);
    socket.close();
  });
}
