/**
 * A program's closing as data (see closing.ts for the rules that read it): a part of ProgramSchema, in a module of its
 * own so that program.ts and closing.ts do not import each other.
 */
import { z } from 'zod';

const epochMs = z.number().int().nonnegative();
const key = z
  .string()
  .min(1)
  .max(40)
  .regex(/^[a-z0-9][a-z0-9_-]*$/, 'lower-case letters, digits, dash and underscore only');

/** A reward offered only during the burn window: small quantities and promotions that make burning easy. */
export const WindowRewardSchema = z.object({
  id: key,
  name: z.string().trim().min(1).max(120),
  points: z.number().int().min(1).max(1_000_000_000),
  kind: z.enum(['small', 'promo']),
});

/**
 * A program's closing. Instants are exclusive ends: earning is allowed while `at < earnUntil`, burning while
 * `at < burnDeadline`, the window's rewards while `startsAt <= at < endsAt`; conversion from `conversionFrom`
 * (default `earnUntil`) while burning is allowed, since a conversion is a burn into a voucher.
 */
export const ClosingSchema = z
  .object({
    earnUntil: epochMs,
    burnDeadline: epochMs,
    burnWindow: z
      .object({ startsAt: epochMs, endsAt: epochMs, rewards: z.array(WindowRewardSchema).max(200) })
      .refine((w) => w.endsAt > w.startsAt, { message: 'a burn window must end after it starts', path: ['endsAt'] })
      .optional(),
    /** The new program's terms, which members accept or refuse at the till; absent when nothing replaces it. */
    termsVersion: z.string().trim().min(1).max(40).optional(),
    /** The voucher's value as a percentage of the points' tender value: 120 = worth 120%. */
    conversionPct: z.number().int().min(100).max(1_000),
    conversionFrom: epochMs.optional(),
    /** How long a gift voucher stays valid, from its issue. */
    voucherValidDays: z.number().int().min(1).max(3_650),
    /** Least days members must have between their notice and the burn deadline (closing.ts); absent: 30. */
    noticeDays: z.number().int().min(0).max(365).optional(),
  })
  .superRefine((c, ctx) => {
    if (c.burnDeadline < c.earnUntil)
      ctx.addIssue({ code: 'custom', message: 'burning must not stop before earning', path: ['burnDeadline'] });
    if (c.burnWindow && c.burnWindow.endsAt > c.burnDeadline)
      ctx.addIssue({
        code: 'custom',
        message: 'the burn window must end by the burn deadline',
        path: ['burnWindow', 'endsAt'],
      });
    if (c.conversionFrom !== undefined && c.conversionFrom >= c.burnDeadline)
      ctx.addIssue({
        code: 'custom',
        message: 'conversion must open before the burn deadline',
        path: ['conversionFrom'],
      });
  });
export type Closing = z.infer<typeof ClosingSchema>;
