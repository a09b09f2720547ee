/**
 * Operations (ops): what a till journals and the ledger applies, exactly once, in per-till order.
 * Every op is made at the till with a UUIDv7 id and a gap-free per-till sequence number.
 */
import { z } from 'zod';
import {
  CardSchema,
  CentsSchema,
  MemberIdSchema,
  OpIdSchema,
  PointsSchema,
  StoreIdSchema,
  TillIdSchema,
} from './units.ts';
import { ConsentChangeSchema } from './consent.ts';

const epochMs = z.number().int().nonnegative().max(8_640_000_000_000_000);
const category = z
  .string()
  .min(1)
  .max(40)
  .regex(/^[a-z0-9][a-z0-9_-]*$/, 'lower-case letters, digits, dash and underscore only');

export const OpCommonSchema = z.object({
  opId: OpIdSchema,
  tillId: TillIdSchema,
  storeId: StoreIdSchema,
  /** Gap-free per-till sequence, from 1. */
  seq: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
  memberId: MemberIdSchema,
  /** The till's clock when the op was made (advisory, see DESIGN invariant 9). */
  at: epochMs,
  programVersion: z.number().int().positive(),
});

export const BasketLineSchema = z.object({
  amountCents: CentsSchema.refine((c) => c >= 0 && c <= 100_000_000, 'a line is between 0 and 1,000,000.00'),
  category,
});
export type BasketLine = z.infer<typeof BasketLineSchema>;

export const EnrolOpSchema = OpCommonSchema.extend({
  kind: z.literal('enrol'),
  card: CardSchema,
  name: z.string().trim().min(1).max(200),
  /** Marketing consent given at enrolment (absent: none asked); how: at the till's panel or through the POS API. */
  consent: ConsentChangeSchema.extend({ method: z.enum(['till-enrolment', 'pos-api']) }).optional(),
});
export type EnrolConsent = NonNullable<z.infer<typeof EnrolOpSchema>['consent']>;

export const EarnOpSchema = OpCommonSchema.extend({
  kind: z.literal('earn'),
  lines: z.array(BasketLineSchema).min(1).max(500),
  receiptRef: z.string().max(64).optional(),
  /** What the till quoted; the ledger recomputes and its figure is the one applied. */
  quotedPoints: PointsSchema,
});

export const BurnWhatSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('reward'), rewardId: z.string().min(1).max(40) }),
  z.object({ type: z.literal('points'), points: PointsSchema.refine((p) => p > 0, 'points must be positive') }),
]);
export type BurnWhat = z.infer<typeof BurnWhatSchema>;

export const BurnOpSchema = OpCommonSchema.extend({
  kind: z.literal('burn'),
  what: BurnWhatSchema,
  /** Points taken: the reward's price or the tender amount. */
  points: PointsSchema.refine((p) => p > 0, 'points must be positive'),
  /**
   * What the ledger does if the balance does not cover the burn: `conflict` when the till may have given the
   * reward without an answer (within floor limits), so the burn is recorded and raised for review; `reject` otherwise.
   */
  onOverdraw: z.enum(['conflict', 'reject']),
  receiptRef: z.string().max(64).optional(),
});

export const VoidOpSchema = OpCommonSchema.extend({
  kind: z.literal('void'),
  /** The earn or burn this op reverses; an op can be reversed once. */
  targetOpId: OpIdSchema,
  reason: z.string().trim().min(1).max(200),
});

/**
 * What a refund returns of its target. Of a sale (an earn): part of its amount, stated as a sum (`amount`) or as the
 * returned basket lines (`lines`, whose amounts add up to the sum; the categories say what came back). Of a burn:
 * the reward comes back whole (`reward`), and with it the burn's points.
 */
export const RefundWhatSchema = z.discriminatedUnion('by', [
  z.object({
    by: z.literal('amount'),
    amountCents: CentsSchema.refine((c) => c > 0 && c <= 100_000_000, 'between 0.01 and 1,000,000.00'),
  }),
  z.object({ by: z.literal('lines'), lines: z.array(BasketLineSchema).min(1).max(500) }),
  z.object({ by: z.literal('reward') }),
]);
export type RefundWhat = z.infer<typeof RefundWhatSchema>;

/**
 * A return: part of a sale refunded (its points taken back in proportion, sync/loyalty/refund.ts), or a reward
 * handed back (its points given back). Unlike a void it may be made at any till of any store, and a sale may be
 * refunded several times, never beyond its amount.
 */
export const RefundOpSchema = OpCommonSchema.extend({
  kind: z.literal('refund'),
  /** The earn or burn refunded, found by the till online (by receipt reference or op id). */
  targetOpId: OpIdSchema,
  what: RefundWhatSchema,
  reason: z.string().trim().min(1).max(200),
  /** The refund's own receipt. */
  receiptRef: z.string().max(64).optional(),
});

/** A manager's resolution of a conflict (an overdrawn offline burn), with the reason; itself an op, synced. */
export const ResolveOpSchema = OpCommonSchema.extend({
  kind: z.literal('resolve'),
  conflictId: z.string().min(1).max(64),
  /** recover: the member's negative balance is made good by future earns; write-off: the shop absorbs the
   * shortfall (the member is credited what is still owed of it); escalate: head office decides. */
  action: z.enum(['recover', 'write-off', 'escalate']),
  reason: z.string().trim().min(1).max(200),
  /** Who resolved it (the manager's name or id as entered at the till). */
  manager: z.string().trim().min(1).max(80),
});

/** The member's answer to the new program's terms (the closing's `termsVersion`), given at the till. */
export const TermsOpSchema = OpCommonSchema.extend({
  kind: z.literal('terms'),
  termsVersion: z.string().trim().min(1).max(40),
  answer: z.enum(['accepted', 'refused']),
});

/**
 * The member's whole balance converted into a gift voucher worth `valueCents` (the closing's conversion rate). Made
 * at an online till (the ledger's balance must equal `points`, or it is refused and the till asks again) or in bulk
 * by head office. The code is random (95 bits) with a check symbol: it cannot be guessed and a typo is caught.
 */
export const ConvertOpSchema = OpCommonSchema.extend({
  kind: z.literal('convert'),
  points: PointsSchema.refine((p) => p > 0, 'points must be positive'),
  valueCents: CentsSchema.refine((c) => c >= 0, 'a voucher is worth 0 or more'),
  voucherCode: z.string().regex(/^[0-9A-Z]{4}(-[0-9A-Z]{4}){4}$/, 'a voucher code as XXXX-XXXX-XXXX-XXXX-XXXX'),
});

/** Head office only: empties the member's lots expired as of `asOf` (the ledger works out the points). */
export const ExpireOpSchema = OpCommonSchema.extend({
  kind: z.literal('expire'),
  asOf: epochMs,
});

/** Head office only: a manual correction of the balance, with who and why. */
export const AdjustOpSchema = OpCommonSchema.extend({
  kind: z.literal('adjust'),
  points: PointsSchema.refine((p) => p !== 0 && Math.abs(p) <= 1_000_000_000, 'a non-zero change up to 1,000,000,000'),
  reason: z.string().trim().min(1).max(200),
  by: z.string().trim().min(1).max(80),
});

/**
 * A change of marketing consent for a member already enrolled, as an op: at a till's member panel or through the POS
 * API, or (through head office's till) from the members' own channel or head office. Moves no points.
 */
export const ConsentOpSchema = OpCommonSchema.extend({
  kind: z.literal('consent'),
  consent: ConsentChangeSchema.refine((c) => Object.keys(c).length > 0, 'name at least one channel'),
  method: z.enum(['till', 'pos-api', 'member-channel', 'head-office']),
});

/** A lot moved by a merge, with its own expiry (sync/loyalty/lots.ts). */
export const MovedLotSchema = z.strictObject({
  lotId: z.string().min(1).max(64),
  earnedAt: epochMs,
  expiresAt: epochMs.nullable(),
  points: PointsSchema.refine((p) => p > 0, 'a moved lot holds points'),
  original: PointsSchema.refine((p) => p > 0, 'a lot was earned with points'),
});

/**
 * Head office only: the duplicate member `memberId` merged into `into` (`ledger member merge KEEP DROP`). Its whole
 * balance (`points`, which must be the balance: else BALANCE_CHANGED), lifetime points and lots leave it; from then on
 * the ledger lands ops for it on `into`, and the tills drop it. Made in one group with its `merge-in`.
 */
export const MergeOutOpSchema = OpCommonSchema.extend({
  kind: z.literal('merge-out'),
  into: MemberIdSchema,
  points: PointsSchema,
  lifetimePoints: PointsSchema,
  reason: z.string().trim().min(1).max(200),
  by: z.string().trim().min(1).max(80),
});

/**
 * Head office only: the kept member `memberId` receives what a `merge-out` of `from` gave up: its balance, lifetime
 * points (the tier follows) and lots (with their own expiry), and the consent head office chose to keep.
 */
export const MergeInOpSchema = OpCommonSchema.extend({
  kind: z.literal('merge-in'),
  from: MemberIdSchema,
  points: PointsSchema,
  lifetimePoints: PointsSchema,
  welcomeGiven: z.boolean(),
  lots: z.array(MovedLotSchema).max(100_000),
  consent: ConsentChangeSchema.optional(),
  reason: z.string().trim().min(1).max(200),
  by: z.string().trim().min(1).max(80),
});

export const OpSchema = z.discriminatedUnion('kind', [
  EnrolOpSchema,
  EarnOpSchema,
  BurnOpSchema,
  VoidOpSchema,
  RefundOpSchema,
  ResolveOpSchema,
  TermsOpSchema,
  ConvertOpSchema,
  ExpireOpSchema,
  AdjustOpSchema,
  ConsentOpSchema,
  MergeOutOpSchema,
  MergeInOpSchema,
]);
export type Op = z.infer<typeof OpSchema>;
export type EnrolOp = z.infer<typeof EnrolOpSchema>;
export type EarnOp = z.infer<typeof EarnOpSchema>;
export type BurnOp = z.infer<typeof BurnOpSchema>;
export type VoidOp = z.infer<typeof VoidOpSchema>;
export type RefundOp = z.infer<typeof RefundOpSchema>;
export type ResolveOp = z.infer<typeof ResolveOpSchema>;
export type TermsOp = z.infer<typeof TermsOpSchema>;
export type ConvertOp = z.infer<typeof ConvertOpSchema>;
export type ExpireOp = z.infer<typeof ExpireOpSchema>;
export type AdjustOp = z.infer<typeof AdjustOpSchema>;
export type ConsentOp = z.infer<typeof ConsentOpSchema>;
export type MergeOutOp = z.infer<typeof MergeOutOpSchema>;
export type MergeInOp = z.infer<typeof MergeInOpSchema>;

export type OpKind = Op['kind'];

/** Every op kind, in the order of `OpSchema`: derived from the schema, so a kind added there is listed here. */
export const OP_KINDS: readonly OpKind[] = OpSchema.options.map((o) => o.shape.kind.value);

/** Whether `kind` (read from storage, say) is an op kind this code knows. */
export const isOpKind = (kind: string): kind is OpKind => (OP_KINDS as readonly string[]).includes(kind);

const HEAD_OFFICE_ONLY = ['expire', 'adjust', 'merge-out', 'merge-in'] as const satisfies readonly OpKind[];
/** Ops only head office makes (through the ledger's own till); a till sending one is refused HEAD_OFFICE_ONLY. */
export const HEAD_OFFICE_KINDS: ReadonlySet<OpKind> = new Set<OpKind>(HEAD_OFFICE_ONLY);
/** The kinds a store's till makes. */
export type TillOpKind = Exclude<OpKind, (typeof HEAD_OFFICE_ONLY)[number]>;
/** Every kind a store's till makes, in the order of `OpSchema`. */
export const TILL_OP_KINDS: readonly TillOpKind[] = OP_KINDS.filter((k): k is TillOpKind => !HEAD_OFFICE_KINDS.has(k));

/** Why the ledger refuses an op; each has a sentence in sync/protocol/errors.ts. */
export const RejectCodeSchema = z.enum([
  'INSUFFICIENT_POINTS',
  'UNKNOWN_MEMBER',
  'UNKNOWN_REWARD',
  'REWARD_PRICE_MISMATCH',
  'UNKNOWN_PROGRAM_VERSION',
  'CARD_TAKEN',
  'MEMBER_EXISTS',
  'NOTHING_TO_REVERSE',
  'ALREADY_REVERSED',
  'NOT_REVERSIBLE',
  'MEMBER_MISMATCH',
  'REFUND_EXCEEDS_SALE',
  'REFUND_MISMATCH',
  'OP_ID_REUSED',
  'SEQ_REUSED',
  'UNKNOWN_CONFLICT',
  'ALREADY_RESOLVED',
  'EARN_CLOSED',
  'BURN_CLOSED',
  'UNKNOWN_TERMS',
  'TERMS_REFUSED',
  'CONVERSION_NOT_OPEN',
  'NOTHING_TO_CONVERT',
  'BALANCE_CHANGED',
  'VOUCHER_VALUE_MISMATCH',
  'VOUCHER_CODE_INVALID',
  'VOUCHER_CODE_TAKEN',
  'HEAD_OFFICE_ONLY',
  'MEMBER_MERGED',
  'MEMBER_ERASED',
  'OP_INVALID',
  'OP_TOO_LARGE',
]);
export type RejectCode = z.infer<typeof RejectCodeSchema>;

/** The ledger's answer for one op; a resend gets the same outcome again. */
export const OpOutcomeSchema = z.discriminatedUnion('status', [
  z.object({ status: z.literal('applied'), delta: PointsSchema }),
  z.object({
    status: z.literal('conflict'),
    delta: PointsSchema,
    conflictId: z.string().min(1).max(64),
    /** Points the burn took beyond the balance. */
    shortfall: PointsSchema,
  }),
  z.object({ status: z.literal('rejected'), code: RejectCodeSchema }),
]);
export type OpOutcome = z.infer<typeof OpOutcomeSchema>;
