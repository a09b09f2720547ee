/**
 * The wire contract between the members' page (`ledger portal`, its own process) and the ledger: HTTP POSTs of JSON
 * under /portal/v1/, authenticated with the portal's till credentials. The page names the member only by the
 * personal link's token; the ledger checks it and answers that member's view, never anyone else's.
 */
import { z } from 'zod';
import { OpIdSchema } from '../loyalty/units.ts';
import { LocaleSchema } from '../loyalty/i18n/locale.ts';
import { WireErrorSchema } from './messages.ts';

export const PORTAL_API = {
  member: '/portal/v1/member',
  terms: '/portal/v1/terms',
  convert: '/portal/v1/convert',
  ref: '/portal/v1/ref',
} as const;

/** Largest request body the ledger reads on these routes. */
export const PORTAL_MAX_BODY_BYTES = 4_096;

const link = z.string().min(1).max(200);

export const PortalMemberRequestSchema = z.strictObject({ link });
/** An answer to the terms: `requestId` is the op's id, so that a form posted twice applies once. */
export const PortalTermsRequestSchema = z.strictObject({
  link,
  answer: z.enum(['accepted', 'refused']),
  requestId: OpIdSchema,
});
export const PortalConvertRequestSchema = z.strictObject({ link, requestId: OpIdSchema });
export type PortalTermsRequest = z.infer<typeof PortalTermsRequestSchema>;
export type PortalConvertRequest = z.infer<typeof PortalConvertRequestSchema>;

const money = z.number().int();
const instant = z.number().int().nonnegative();

/** A voucher the member holds, as the page shows it. */
export const PortalVoucherSchema = z.object({
  code: z.string(),
  valueCents: money,
  validUntil: instant,
  redeemedAt: instant.nullable(),
});

/** What the member's page shows. */
export const PortalMemberViewSchema = z.object({
  programName: z.string(),
  /** The program's locale: the page speaks it (absent from an older ledger: en-GB). */
  locale: LocaleSchema.optional(),
  currency: z.string(),
  name: z.string(),
  ref: z.string(),
  balance: z.number().int(),
  tier: z.string().nullable(),
  valueCents: money,
  voucherCents: money,
  conversionPct: z.number().int(),
  earnUntil: instant,
  burnDeadline: instant,
  conversionOpen: z.boolean(),
  termsVersion: z.string().nullable(),
  terms: z.object({ answer: z.enum(['accepted', 'refused']), at: instant, via: z.enum(['till', 'page']) }).nullable(),
  /** What the points buy now: the burn window's rewards, then the catalogue. */
  rewards: z.array(z.object({ name: z.string(), points: z.number().int(), window: z.boolean() })),
  vouchers: z.array(PortalVoucherSchema),
});
export type PortalMemberView = z.infer<typeof PortalMemberViewSchema>;

/** The outcome of an answer the page sent: applied, or refused with the op's code. */
export const PortalResponseSchema = z.discriminatedUnion('ok', [
  z.object({
    ok: z.literal(true),
    member: PortalMemberViewSchema,
    /** For an answer: applied now, or already applied (a form posted twice). */
    duplicate: z.boolean().optional(),
  }),
  z.object({ ok: z.literal(false), error: WireErrorSchema }),
]);
export type PortalResponse = z.infer<typeof PortalResponseSchema>;
