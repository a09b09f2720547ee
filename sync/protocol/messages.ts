/**
 * The wire contract between tills and the ledger: one zod schema per message, types inferred from the schemas.
 * Every handler parses what it receives as `unknown` through these schemas before acting.
 */
import { z } from 'zod';
import { checkLetterRef } from '../loyalty/letter-ref.ts';
import { ProgramSchema } from '../loyalty/program.ts';
import { BurnOpSchema, EarnOpSchema, OpSchema, OpOutcomeSchema, type Op } from '../loyalty/ops.ts';
import {
  CardSchema,
  CentsSchema,
  MemberIdSchema,
  OpIdSchema,
  PointsSchema,
  StoreIdSchema,
  TillIdSchema,
} from '../loyalty/units.ts';
import { errorCodes } from './errors.ts';
import { PinHashSchema } from './pin.ts';

/**
 * The protocol version this code speaks, bumped on any incompatible change. The ledger speaks every version from
 * MIN_PROTOCOL_VERSION up, so a till holding ops made under an older version drains them after a ledger upgrade.
 * 2: incarnations (handshake), `hello`, `history`, ops refused on their own, recovered ops.
 * 3: the `refund` op kind and `findSale` (a sale looked up across stores, with its member for the till to hold);
 *    `lookup` by a closing letter's reference or personal link (`letter`, refused LETTER_UNKNOWN).
 *    Later, without a bump (an optional field older tills drop when they parse): member snapshots in pulls, lookups
 *    and found sales carry the member's letter references (`letters`), so a till finds a held member by letter
 *    offline.
 */
export const PROTOCOL_VERSION = 3;
/** The oldest protocol version the ledger still speaks. */
export const MIN_PROTOCOL_VERSION = 1;
/** Most ops in one push. */
export const MAX_BATCH_OPS = 500;
/** Largest socket message the ledger accepts, in bytes (socket.io maxHttpBufferSize). */
export const MAX_MESSAGE_BYTES = 1_000_000;
/** Largest pull page. */
export const MAX_PULL_LIMIT = 1000;

const epochMs = z.number().int().nonnegative().max(8_640_000_000_000_000);
const seq = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);

/** A till database's identity (a UUIDv7 made when it was created), or `legacy` for tills older than incarnations. */
export const IncarnationSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[0-9a-z-]+$/, 'lower-case letters, digits and dashes');

export const HandshakeAuthSchema = z.object({
  tillId: TillIdSchema,
  storeId: StoreIdSchema,
  token: z.string().min(16).max(256),
  protocolVersion: z.number().int().positive(),
  /** Protocol 2: the till database the socket speaks for, and the first seq of its seq space. */
  incarnation: IncarnationSchema.optional(),
  baseSeq: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER).optional(),
});
export type HandshakeAuth = z.infer<typeof HandshakeAuthSchema>;

export const WireErrorSchema = z.object({
  code: z.enum(errorCodes),
  message: z.string(),
  retryAfterMs: z.number().int().nonnegative().optional(),
  issues: z.array(z.string()).optional(),
});

/** A closing letter's reference in its canonical form (letter-ref.ts), its check symbol right. */
export const LetterRefSchema = z
  .string()
  .max(16)
  .refine((s) => {
    const c = checkLetterRef(s);
    return c.ok && c.ref === s;
  }, 'a letter reference L-XXXX-XXXX-C in canonical form');

/** Most letter references one snapshot carries (one per closing whose letters have not expired). */
export const MAX_SNAPSHOT_LETTERS = 8;

/** A member's closing letter as a till may find it by: its reference and when it stops being good (its link's expiry). */
export const MemberLetterSchema = z.object({ ref: LetterRefSchema, expiresAt: epochMs });
export type MemberLetter = z.infer<typeof MemberLetterSchema>;

/** A member as a till holds it: no postal address or e-mail (DESIGN invariant 10). */
export const MemberSnapshotSchema = z.object({
  memberId: MemberIdSchema,
  card: CardSchema,
  name: z.string(),
  balance: PointsSchema,
  lifetimePoints: PointsSchema,
  welcomeGiven: z.boolean(),
  /** The ledger sequence of the member's last balance change; a till keeps only the newest. */
  ledgerSeq: seq,
  /** The member's last answer to the new program's terms (absent from ledgers before the closing kit). */
  terms: z
    .object({ version: z.string().max(40), answer: z.enum(['accepted', 'refused']), at: epochMs })
    .nullable()
    .optional(),
  /** The tier the ledger holds the member in, by name. */
  tier: z.string().max(40).nullable().optional(),
  /** The soonest expiring points when the snapshot was made: how many, and the instant they stop being usable (null:
   * none expire; absent from ledgers before expiry reminders). For "N points expire on D". */
  nextExpiry: z.object({ points: PointsSchema, at: epochMs }).nullable().optional(),
  /**
   * The member's closing letters not expired when the snapshot was made, the whole list. Only pulls, lookups and
   * found sales say it; absent (push answers, live changes, older ledgers) means "not said": the till keeps the
   * letters it holds. A letter never changes once issued; it only expires.
   */
  letters: z.array(MemberLetterSchema).max(MAX_SNAPSHOT_LETTERS).optional(),
  /** The member was erased (`ledger member erase`): the till drops it. Absent from older ledgers. */
  erased: z.literal(true).optional(),
});
export type MemberSnapshot = z.infer<typeof MemberSnapshotSchema>;

const failure = z.object({ ok: z.literal(false), error: WireErrorSchema });

export const PushRequestSchema = z.object({
  ops: z.array(OpSchema).min(1).max(MAX_BATCH_OPS),
  /** The till's clock when it sent the batch; the ledger measures the till's skew from it. */
  sentAt: epochMs,
  /** Ops of the batch the till sends again because the ledger no longer had them (a restore). */
  recovered: z.array(OpIdSchema).max(MAX_BATCH_OPS).optional(),
});
/**
 * What a till sends. Its ops are of type Op, except an op too large for a message, sent as its envelope with
 * `tooLarge: true` (the ledger refuses it on its own, OP_TOO_LARGE).
 */
export type PushRequest = Omit<z.infer<typeof PushRequestSchema>, 'ops'> & { ops: (Op | TooLargeOp)[] };

/** The envelope of an op too large to send: enough for the ledger to use up its seq. */
export interface TooLargeOp {
  opId: Op['opId'];
  tillId: Op['tillId'];
  storeId: Op['storeId'];
  seq: number;
  memberId: Op['memberId'];
  at: number;
  programVersion: number;
  kind: Op['kind'];
  tooLarge: true;
}

/**
 * How the ledger reads a push: the batch's shape strictly, each op on its own, so that one op it cannot read is
 * refused alone (OP_INVALID) and the rest go on. Only an op without a readable id and seq fails the whole batch.
 */
export const PushEnvelopeSchema = z.object({
  ops: z.array(z.unknown()).min(1).max(MAX_BATCH_OPS),
  sentAt: epochMs,
  recovered: z.array(OpIdSchema).max(MAX_BATCH_OPS).optional(),
});
/** The part of an op the ledger must read to refuse it on its own. */
export const OpEnvelopeSchema = z.object({
  opId: OpIdSchema,
  tillId: TillIdSchema,
  storeId: StoreIdSchema,
  seq: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
});

export const OpResultSchema = z.object({
  opId: OpIdSchema,
  seq: seq,
  /** True when the op had been applied before; the outcome is the first one. */
  duplicate: z.boolean(),
  outcome: OpOutcomeSchema,
});
export type OpResult = z.infer<typeof OpResultSchema>;

/**
 * The ledger's load when it answered, for the manager's sync-health panel: ops waiting in its intake and requests it
 * has answered OVERLOADED (all tills) since it started.
 */
export const LedgerLoadSchema = z.object({
  queuedOps: z.number().int().nonnegative(),
  shedTotal: z.number().int().nonnegative(),
});
export type LedgerLoad = z.infer<typeof LedgerLoadSchema>;

/**
 * Results come for the ops applied in order; ops after a gap get none and are resent after the missing ones.
 * `tillSeq` is this till's last applied seq at the moment the balances were read: a snapshot includes exactly the
 * till's ops up to it. `load` is optional so that acks of ledgers that do not send it still parse.
 */
export const PushResponseSchema = z.discriminatedUnion('ok', [
  z.object({
    ok: z.literal(true),
    results: z.array(OpResultSchema),
    balances: z.array(MemberSnapshotSchema),
    tillSeq: seq,
    serverTime: epochMs,
    load: LedgerLoadSchema.optional(),
  }),
  failure,
]);
export type PushResponse = z.infer<typeof PushResponseSchema>;

/** An online authorization: a push with priority, answered within the deadline or not at all. */
export type AuthorizeRequest = PushRequest & { deadlineMs: number };
export const AuthorizeEnvelopeSchema = PushEnvelopeSchema.extend({
  deadlineMs: z.number().int().min(1).max(30_000),
});

/**
 * Protocol 2, first on every connection: the till says how far its journal goes in its incarnation; the ledger
 * answers with its identity (epoch), its head, and its high-water mark for the incarnation, so the till can tell a
 * restored ledger (it resends what the ledger lost) and an old disk image of itself (it starts a new incarnation).
 */
export const HelloRequestSchema = z.object({
  /** The till's last journaled seq in its incarnation (0: none yet). */
  journaledSeq: seq,
  /** Ops waiting in its outbox. */
  pending: z.number().int().nonnegative(),
});
export type HelloRequest = z.infer<typeof HelloRequestSchema>;

export const HelloResponseSchema = z.discriminatedUnion('ok', [
  z.object({
    ok: z.literal(true),
    epoch: z.string().min(1).max(64),
    /** The ledger's sequence now: a till whose pull cursor is past it talks to a ledger that went back. */
    head: seq,
    incarnation: z.object({
      known: z.boolean(),
      lastSeq: seq,
      lastOpId: OpIdSchema.nullable(),
    }),
    /** The store the till moves to once its outbox is drained (`ledger till move`). */
    moveTo: StoreIdSchema.nullable(),
    protocol: z.object({ min: z.number().int().positive(), max: z.number().int().positive() }),
    serverTime: epochMs,
  }),
  failure,
]);
export type HelloResponse = z.infer<typeof HelloResponseSchema>;

/** Protocol 2: a till database made anew asks for the till's recent ops, so that a void of an earlier sale works. */
export const HistoryRequestSchema = z.object({ limit: z.number().int().min(1).max(200) });
export type HistoryRequest = z.infer<typeof HistoryRequestSchema>;

export const PastOpSchema = z.object({
  op: OpSchema,
  outcome: OpOutcomeSchema,
  reversedBy: OpIdSchema.nullable(),
  appliedAt: epochMs,
});
export type PastOp = z.infer<typeof PastOpSchema>;

export const HistoryResponseSchema = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), ops: z.array(PastOpSchema) }),
  failure,
]);
export type HistoryResponse = z.infer<typeof HistoryResponseSchema>;

export const PullRequestSchema = z.object({
  cursor: seq,
  limit: z.number().int().min(1).max(MAX_PULL_LIMIT),
  /** The program version the till holds; a newer one comes back with the page. */
  programVersion: z.number().int().nonnegative(),
});
export type PullRequest = z.infer<typeof PullRequestSchema>;

/** What a till needs to know of its store: its name and the manager PIN's hash (null until head office sets one). */
export const StoreConfigSchema = z.object({
  storeId: StoreIdSchema,
  name: z.string(),
  managerPin: PinHashSchema.nullable(),
});
export type StoreConfig = z.infer<typeof StoreConfigSchema>;

export const PullResponseSchema = z.discriminatedUnion('ok', [
  z.object({
    ok: z.literal(true),
    members: z.array(MemberSnapshotSchema),
    cursor: seq,
    more: z.boolean(),
    tillSeq: seq,
    program: ProgramSchema.optional(),
    store: StoreConfigSchema.optional(),
    serverTime: epochMs,
  }),
  failure,
]);
export type PullResponse = z.infer<typeof PullResponseSchema>;

/**
 * A member looked up by card, or by the closing letter the member brought instead (protocol 3): `letter` is its
 * reference as typed (`L-XXXX-XXXX-C`, any case, spaces and dashes) or the token of its personal link as scanned
 * from the letter's QR code (`LXXXXXXXXC.<signature>`, whose signature the ledger verifies).
 */
export const LookupRequestSchema = z.union([
  z.object({ card: CardSchema }),
  z.object({ letter: z.string().min(1).max(64) }),
]);
export type LookupRequest = z.infer<typeof LookupRequestSchema>;

export const LookupResponseSchema = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), member: MemberSnapshotSchema, tillSeq: seq }),
  failure,
]);
export type LookupResponse = z.infer<typeof LookupResponseSchema>;

/**
 * A sale (or a reward's burn) that a customer brings back, looked up online by a till of any store before it makes a
 * `refund` op: by the receipt reference printed on it, or by op id.
 */
export const FindSaleRequestSchema = z.discriminatedUnion('by', [
  z.object({ by: z.literal('receipt'), receiptRef: z.string().min(1).max(64) }),
  z.object({ by: z.literal('op'), opId: OpIdSchema }),
]);
export type FindSaleRequest = z.infer<typeof FindSaleRequestSchema>;

/** A sale as a refund needs it: what it was, what the ledger decided, and what its refunds took so far. */
export const SaleViewSchema = z.object({
  op: z.discriminatedUnion('kind', [EarnOpSchema, BurnOpSchema]),
  outcome: OpOutcomeSchema,
  reversedBy: OpIdSchema.nullable(),
  appliedAt: epochMs,
  storeId: StoreIdSchema,
  refundedCents: CentsSchema,
  refundedPoints: PointsSchema,
});
export type SaleView = z.infer<typeof SaleViewSchema>;

/**
 * Several stores may print one receipt reference: every match, newest first (SALE_NOT_FOUND when none). With them,
 * the members they belong to, now held by the asking till's store (as a lookup holds them), and that till's seq.
 */
export const FindSaleResponseSchema = z.discriminatedUnion('ok', [
  z.object({
    ok: z.literal(true),
    sales: z.array(SaleViewSchema).min(1),
    members: z.array(MemberSnapshotSchema),
    tillSeq: seq,
  }),
  failure,
]);
export type FindSaleResponse = z.infer<typeof FindSaleResponseSchema>;

/** A gift voucher code as typed or scanned; the ledger checks its form and check character. */
const VoucherCodeInputSchema = z.string().min(1).max(40);

export const VoucherCheckRequestSchema = z.object({ code: VoucherCodeInputSchema });
export type VoucherCheckRequest = z.infer<typeof VoucherCheckRequestSchema>;

/**
 * A redemption at a till. `redemptionId` (a UUIDv7 the till makes once per attempt) makes a retry after a lost answer
 * safe: the same till sending the same id again is told it succeeded, not that the voucher was already redeemed.
 */
export const VoucherRedeemRequestSchema = z.object({
  code: VoucherCodeInputSchema,
  redemptionId: z.uuid(),
  /** The POS receipt the voucher paid for, for the audit. */
  receiptRef: z.string().min(1).max(64).optional(),
});
export type VoucherRedeemRequest = z.infer<typeof VoucherRedeemRequestSchema>;

/** A voucher as a till shows it: its value and validity, and whether (and where) it was redeemed. */
export const VoucherViewSchema = z.object({
  code: z.string(),
  valueCents: z.number().int().nonnegative(),
  currency: z.string().length(3),
  issuedAt: epochMs,
  validUntil: epochMs,
  redeemedAt: epochMs.nullable(),
  /** Who redeemed it: `store/till` for a till, the person's name for head office. */
  redeemedBy: z.string().nullable(),
});
export type VoucherView = z.infer<typeof VoucherViewSchema>;

export const VoucherResponseSchema = z.discriminatedUnion('ok', [
  z.object({
    ok: z.literal(true),
    voucher: VoucherViewSchema,
    /** For a redemption: true when this till's same redemption had already succeeded (a retry). */
    duplicate: z.boolean().optional(),
  }),
  failure,
]);
export type VoucherResponse = z.infer<typeof VoucherResponseSchema>;

/** Live balance changes for members this till's store holds, with every one of the store's tills' seq. */
export const ChangesEventSchema = z.object({
  members: z.array(MemberSnapshotSchema),
  tillSeqs: z.record(TillIdSchema, seq),
  /** Protocol 2: the incarnation each `tillSeqs` entry counts in; a till ignores an entry not for its own. */
  tillIncarnations: z.record(TillIdSchema, IncarnationSchema).optional(),
});
export type ChangesEvent = z.infer<typeof ChangesEventSchema>;

export const ConfigEventSchema = z.object({ program: ProgramSchema });
export type ConfigEvent = z.infer<typeof ConfigEventSchema>;

export const ShedEventSchema = z.object({ retryAfterMs: z.number().int().nonnegative() });
export type ShedEvent = z.infer<typeof ShedEventSchema>;

/** Typed socket.io event maps; the ledger still parses every payload as `unknown`. */
export interface ClientToServerEvents {
  push: (req: PushRequest, ack: (res: PushResponse) => void) => void;
  authorize: (req: AuthorizeRequest, ack: (res: PushResponse) => void) => void;
  pull: (req: PullRequest, ack: (res: PullResponse) => void) => void;
  lookup: (req: LookupRequest, ack: (res: LookupResponse) => void) => void;
  voucherCheck: (req: VoucherCheckRequest, ack: (res: VoucherResponse) => void) => void;
  voucherRedeem: (req: VoucherRedeemRequest, ack: (res: VoucherResponse) => void) => void;
  hello: (req: HelloRequest, ack: (res: HelloResponse) => void) => void;
  history: (req: HistoryRequest, ack: (res: HistoryResponse) => void) => void;
  findSale: (req: FindSaleRequest, ack: (res: FindSaleResponse) => void) => void;
}
export interface ServerToClientEvents {
  changes: (ev: ChangesEvent) => void;
  config: (ev: ConfigEvent) => void;
  shed: (ev: ShedEvent) => void;
}

/** Turns a zod error into short "path: problem" lines for a BAD_REQUEST answer. */
export function describeIssues(error: z.ZodError): string[] {
  return error.issues.slice(0, 10).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
}
