/**
 * What a point-of-sale system may ask of the till engine through the local POS API, and how the engine's answer
 * comes back. Request bodies are cut from the loyalty op schemas (sync/loyalty/ops.ts), so the POS API accepts
 * exactly what the engine would journal. Pure: shared by the POS server (main) and the IPC bridge.
 */
import { z } from 'zod';
import { ConsentChangeSchema } from '../sync/loyalty/consent.ts';
import {
  BurnOpSchema,
  ConsentOpSchema,
  ConvertOpSchema,
  EarnOpSchema,
  EnrolOpSchema,
  RefundOpSchema,
  TermsOpSchema,
  VoidOpSchema,
} from '../sync/loyalty/ops.ts';
import { OpIdSchema } from '../sync/loyalty/units.ts';
import { FindSaleRequestSchema, VoucherRedeemRequestSchema } from '../sync/protocol/messages.ts';

/** One schema per POS request kind; unknown keys are refused so that a misspelt `receiptRef` is not silently lost. */
export const posPayloadSchemas = {
  /** `card`: a card, or a closing letter's reference or scanned personal link (the engine tells which). */
  lookup: z.object({ card: z.string().min(1).max(2048) }).strict(),
  quote: EarnOpSchema.pick({ memberId: true, lines: true }).strict(),
  earn: EarnOpSchema.pick({ memberId: true, lines: true, receiptRef: true }).strict(),
  burn: BurnOpSchema.pick({ memberId: true, what: true, receiptRef: true }).strict(),
  void: z.object({ opId: OpIdSchema, reason: VoidOpSchema.shape.reason }).strict(),
  terms: TermsOpSchema.pick({ memberId: true, answer: true }).strict(),
  conversionQuote: ConvertOpSchema.pick({ memberId: true }).strict(),
  convert: ConvertOpSchema.pick({ memberId: true, points: true }).strict(),
  voucherCheck: VoucherRedeemRequestSchema.pick({ code: true }).strict(),
  voucherRedeem: VoucherRedeemRequestSchema.pick({ code: true, receiptRef: true }).strict(),
  /** A new member; `consent` is the marketing consent the customer gave at the POS (absent: none asked). */
  enrol: EnrolOpSchema.pick({ card: true, name: true }).extend({ consent: ConsentChangeSchema.optional() }).strict(),
  /**
   * A return: the sale (its receipt reference or op id; this till's own is found offline, any other online), what
   * came back, why, and the refund's own `receiptRef` (the same receipt again replays the refund made for it).
   */
  refund: RefundOpSchema.pick({ what: true, reason: true, receiptRef: true })
    .extend({ sale: FindSaleRequestSchema })
    .strict(),
  /** A held member's change of marketing consent, given at the POS (recorded at this till, how `pos-api`). */
  consent: ConsentOpSchema.pick({ memberId: true, consent: true }).strict(),
} as const;

export type PosKind = keyof typeof posPayloadSchemas;
export const posKinds = Object.keys(posPayloadSchemas) as [PosKind, ...PosKind[]];
export type PosPayloads = { [K in PosKind]: z.output<(typeof posPayloadSchemas)[K]> };
export type PosPayload = PosPayloads[PosKind];

/**
 * How the POS API reaches the till engine (which runs in the renderer). Resolves with the engine's answer; rejects
 * with an `EngineError` when the engine refused. `signal` aborts when the caller stops waiting (timeout).
 */
export interface EngineBridge {
  request<K extends PosKind>(kind: K, payload: PosPayloads[K], signal?: AbortSignal): Promise<unknown>;
}

/** The engine refused a request (e.g. UNKNOWN_MEMBER, BAD_INPUT); `engineCode` is the till engine's code. */
export class EngineError extends Error {
  constructor(
    readonly engineCode: string,
    message: string,
    readonly issues: readonly string[] = [],
  ) {
    super(message);
    this.name = 'EngineError';
  }
}

/**
 * The code the renderer answers with while its till engine is not running (the page is starting, or the till waits
 * for its setup): the POS API reports it as ENGINE_UNAVAILABLE (503, retry later), not as an engine refusal.
 */
export const ENGINE_UNAVAILABLE_CODE = 'ENGINE_UNAVAILABLE';

/** No window with a till engine is there to answer (not loaded yet, reloading, crashed). */
export class EngineUnavailableError extends Error {
  constructor() {
    super('The till engine is not running.');
    this.name = 'EngineUnavailableError';
  }
}

const requestId = z.uuid();

/** main → renderer: act on the engine and answer with the same id. */
export const PosRequestMessageSchema = z.discriminatedUnion('kind', [
  z.object({ id: requestId, kind: z.literal('lookup'), payload: posPayloadSchemas.lookup }),
  z.object({ id: requestId, kind: z.literal('quote'), payload: posPayloadSchemas.quote }),
  z.object({ id: requestId, kind: z.literal('earn'), payload: posPayloadSchemas.earn }),
  z.object({ id: requestId, kind: z.literal('burn'), payload: posPayloadSchemas.burn }),
  z.object({ id: requestId, kind: z.literal('void'), payload: posPayloadSchemas.void }),
  z.object({ id: requestId, kind: z.literal('terms'), payload: posPayloadSchemas.terms }),
  z.object({ id: requestId, kind: z.literal('conversionQuote'), payload: posPayloadSchemas.conversionQuote }),
  z.object({ id: requestId, kind: z.literal('convert'), payload: posPayloadSchemas.convert }),
  z.object({ id: requestId, kind: z.literal('voucherCheck'), payload: posPayloadSchemas.voucherCheck }),
  z.object({ id: requestId, kind: z.literal('voucherRedeem'), payload: posPayloadSchemas.voucherRedeem }),
  z.object({ id: requestId, kind: z.literal('enrol'), payload: posPayloadSchemas.enrol }),
  z.object({ id: requestId, kind: z.literal('refund'), payload: posPayloadSchemas.refund }),
  z.object({ id: requestId, kind: z.literal('consent'), payload: posPayloadSchemas.consent }),
]);
export type PosRequestMessage = z.infer<typeof PosRequestMessageSchema>;

/** renderer → main: the engine's answer, or its refusal with the engine's code. */
export const PosResponseMessageSchema = z.discriminatedUnion('ok', [
  z.object({ id: requestId, ok: z.literal(true), result: z.unknown() }),
  z.object({
    id: requestId,
    ok: z.literal(false),
    error: z.object({
      code: z.string().min(1).max(64),
      message: z.string().max(1000),
      issues: z.array(z.string().max(500)).max(20).optional(),
    }),
  }),
]);
export type PosResponseMessage = z.infer<typeof PosResponseMessageSchema>;
