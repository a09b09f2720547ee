/**
 * The renderer's side of the POS bridge: turns a `pos:request` into a call on the till engine and its outcome into
 * a `pos:response`. Runs in the page (the main process only relays through the preload). Typed against the engine's
 * shape (`PosEngine`), not its module, so it is tested without Dexie or Electron; the Electron host wires it as
 * `api.onPosRequest(async (r) => api.respondPos(await answerPosRequest(engine, r)))`.
 *
 * Earns and burns carrying a `receiptRef` are idempotent per (kind, member, receiptRef), refunds per their own
 * `receiptRef`: a POS that retries after its own timeout gets the op already journaled for that receipt instead of a
 * second one. Requests for the same
 * receipt run one after the other, so a retry that arrives while the first is still running (a burn waiting for
 * the ledger's authorization) waits for it and then replays it.
 */
import type { ConsentChange } from '../sync/loyalty/consent.ts';
import type { BasketLine, BurnWhat, EnrolConsent, RefundWhat } from '../sync/loyalty/ops.ts';
import type { OpRow } from '../sync/till/db.ts';
import { TillError } from '../sync/till/engine-core.ts';
import { ENGINE_UNAVAILABLE_CODE } from '../electron/pos-contract.ts';
import { tillErrorSentence } from './engine-messages.ts';
import type { PosRequestMessage, PosResponseMessage } from '../electron/pos-contract.ts';

/** The op kinds a receipt can be replayed for. */
export type ReceiptKind = 'earn' | 'burn';

/** What the POS bridge calls on the till engine (see pos-engine.ts, which adapts a running till to it). */
export interface PosEngine {
  lookup(card: string): Promise<unknown>;
  quote(memberId: string, lines: readonly BasketLine[]): Promise<unknown>;
  earn(input: { memberId: string; lines: readonly BasketLine[]; receiptRef?: string }): Promise<unknown>;
  burn(input: { memberId: string; what: BurnWhat; receiptRef?: string }): Promise<unknown>;
  void(input: { opId: string; reason: string }): Promise<unknown>;
  answerTerms(memberId: string, answer: 'accepted' | 'refused'): Promise<unknown>;
  conversionQuote(memberId: string): Promise<unknown>;
  convert(input: { memberId: string; points: number }): Promise<unknown>;
  checkVoucher(code: string): Promise<unknown>;
  /** Redeems once; the same code and receipt again is recognised as the same redemption. */
  redeemVoucher(input: { code: string; receiptRef?: string }): Promise<unknown>;
  /** Enrols a new member; consent given through the POS is recorded as given at this till, how `pos-api`. */
  enrol(input: { card: string; name: string; consent?: EnrolConsent }): Promise<unknown>;
  /** A refund of part of a sale or of a returned reward; the sale named by receipt reference or op id. */
  refund(input: {
    sale: { by: 'receipt'; receiptRef: string } | { by: 'op'; opId: string };
    what: RefundWhat;
    reason: string;
    receiptRef?: string;
  }): Promise<unknown>;
  /** This till's refund journaled for `receiptRef` that still stands (not rejected), or undefined. Read-only. */
  refundByReceipt(receiptRef: string): Promise<OpRow | undefined>;
  /** Records a held member's change of consent, given through the POS (how `pos-api`). */
  recordConsent(input: { memberId: string; consent: ConsentChange; method: 'pos-api' }): Promise<unknown>;
  /** The member as the cashier sees it (for a replayed answer), or undefined when not held. */
  memberView(memberId: string): Promise<unknown>;
  /**
   * The op of `kind` journaled for `receiptRef` and `memberId` that still stands (neither rejected by the ledger nor
   * voided), or undefined. Read-only.
   */
  findByReceipt(kind: ReceiptKind, memberId: string, receiptRef: string): Promise<OpRow | undefined>;
}

/**
 * The answer to a request that found its receipt's op already journaled: the op and the member's view as now, with
 * `replayed: true`. A replayed earn has no `quote` (the points quoted are `op.op.quotedPoints`); a replayed burn has
 * the shape of a given burn.
 */
export type ReplayedAnswer =
  | { replayed: true; op: OpRow; view: unknown }
  | { replayed: true; ok: true; op: OpRow; mode: 'online' | 'offline'; view: unknown };

async function replay(engine: PosEngine, row: OpRow): Promise<ReplayedAnswer> {
  const view = await engine.memberView(row.memberId);
  if (row.op.kind === 'burn') {
    return { replayed: true, ok: true, op: row, mode: row.mode === 'offline' ? 'offline' : 'online', view };
  }
  return { replayed: true, op: row, view };
}

async function run(engine: PosEngine, r: PosRequestMessage): Promise<unknown> {
  switch (r.kind) {
    case 'lookup':
      return engine.lookup(r.payload.card);
    case 'quote':
      return engine.quote(r.payload.memberId, r.payload.lines);
    case 'earn': {
      const { memberId, lines, receiptRef } = r.payload;
      if (receiptRef === undefined) return engine.earn({ memberId, lines });
      const done = await engine.findByReceipt('earn', memberId, receiptRef);
      return done ? replay(engine, done) : engine.earn({ memberId, lines, receiptRef });
    }
    case 'burn': {
      const { memberId, what, receiptRef } = r.payload;
      if (receiptRef === undefined) return engine.burn({ memberId, what });
      const done = await engine.findByReceipt('burn', memberId, receiptRef);
      return done ? replay(engine, done) : engine.burn({ memberId, what, receiptRef });
    }
    case 'void':
      return engine.void(r.payload);
    case 'terms':
      return engine.answerTerms(r.payload.memberId, r.payload.answer);
    case 'conversionQuote':
      return engine.conversionQuote(r.payload.memberId);
    case 'convert':
      return engine.convert(r.payload);
    case 'voucherCheck':
      return engine.checkVoucher(r.payload.code);
    case 'voucherRedeem': {
      const { code, receiptRef } = r.payload;
      return engine.redeemVoucher(receiptRef === undefined ? { code } : { code, receiptRef });
    }
    case 'enrol': {
      const { card, name, consent } = r.payload;
      return engine.enrol(
        consent === undefined ? { card, name } : { card, name, consent: { ...consent, method: 'pos-api' } },
      );
    }
    case 'refund': {
      const { sale, what, reason, receiptRef } = r.payload;
      if (receiptRef === undefined) return engine.refund({ sale, what, reason });
      const done = await engine.refundByReceipt(receiptRef);
      return done ? replay(engine, done) : engine.refund({ sale, what, reason, receiptRef });
    }
    case 'consent':
      return engine.recordConsent({ ...r.payload, method: 'pos-api' });
  }
}

/** The tail of the requests running per receipt key, per engine: the next one for the same key waits for it. */
const receiptQueues = new WeakMap<PosEngine, Map<string, Promise<unknown>>>();

function receiptKey(r: PosRequestMessage): string | undefined {
  // A refund's receipt is its own: the same receipt is the same refund, whoever the member.
  if (r.kind === 'refund')
    return r.payload.receiptRef === undefined ? undefined : JSON.stringify([r.kind, r.payload.receiptRef]);
  if ((r.kind !== 'earn' && r.kind !== 'burn') || r.payload.receiptRef === undefined) return undefined;
  return JSON.stringify([r.kind, r.payload.memberId, r.payload.receiptRef]);
}

/** Runs `r` after any earlier request for the same receipt has settled (whatever its outcome). */
function runInTurn(engine: PosEngine, r: PosRequestMessage): Promise<unknown> {
  const key = receiptKey(r);
  if (key === undefined) return run(engine, r);
  let queues = receiptQueues.get(engine);
  if (!queues) receiptQueues.set(engine, (queues = new Map<string, Promise<unknown>>()));
  const before = queues.get(key) ?? Promise.resolve();
  const mine = before.then(
    () => run(engine, r),
    () => run(engine, r),
  );
  const tail = mine.then(
    () => undefined,
    () => undefined,
  );
  queues.set(key, tail);
  void tail.then(() => {
    if (queues.get(key) === tail) queues.delete(key);
  });
  return mine;
}

/**
 * Runs one POS request on the engine; a refusal carrying a `code` (TillError) keeps its code, anything else is
 * INTERNAL. With no engine (not started yet, or waiting for setup) it answers ENGINE_UNAVAILABLE at once.
 */
export async function answerPosRequest(
  engine: PosEngine | null,
  request: PosRequestMessage,
): Promise<PosResponseMessage> {
  if (!engine) return engineUnavailable(request);
  try {
    return { id: request.id, ok: true, result: await runInTurn(engine, request) };
  } catch (e) {
    const coded = e instanceof Error && typeof (e as { code?: unknown }).code === 'string';
    const issues = coded ? (e as { issues?: unknown }).issues : undefined;
    return {
      id: request.id,
      ok: false,
      error: coded
        ? {
            code: (e as Error & { code: string }).code,
            // The engine's refusals carry a code; the POS reads its sentence.
            message: e instanceof TillError ? tillErrorSentence(e) : e.message,
            ...(Array.isArray(issues) ? { issues: issues.filter((i): i is string => typeof i === 'string') } : {}),
          }
        : { code: 'INTERNAL', message: 'The till engine failed.' },
    };
  }
}

/** The answer to a POS request that arrived while no till engine runs in the page. */
export function engineUnavailable(request: Pick<PosRequestMessage, 'id'>): PosResponseMessage {
  return {
    id: request.id,
    ok: false,
    error: {
      code: ENGINE_UNAVAILABLE_CODE,
      message: 'The till engine is not running yet (the till is starting or waiting for its setup).',
    },
  };
}
