/**
 * A program's tier policy as data (see tiers.ts for the evaluation): a part of ProgramSchema, in a module of its own so
 * that program.ts and tiers.ts do not import each other.
 */
import { z } from 'zod';

/**
 * How tiers are earned and lost, as program data (absent in the program: lifetime points against each tier's
 * `minPoints`, as `tierFor` does).
 * - `basis`: `points` compares the points earned in the window with each tier's `minPoints`; `spend` compares the
 *   spend in the window (minor units) with `minSpendCents[tier.name]`.
 * - `windowMonths`: an activity counts from its date for `windowMonths` calendar months (like a lot's expiry).
 * - `downgrade`: `immediate` drops the tier as soon as the member no longer qualifies; `grace` keeps a tier for
 *   `months` after the last instant the member qualified for it; `never` keeps the highest tier ever reached.
 */
export const TierPolicySchema = z.object({
  basis: z.enum(['points', 'spend']),
  windowMonths: z.number().int().min(1).max(120),
  downgrade: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('immediate') }),
    z.object({ kind: z.literal('grace'), months: z.number().int().min(1).max(60) }),
    z.object({ kind: z.literal('never') }),
  ]),
  /** For basis `spend`: rolling spend, in minor units, from which each tier applies, by tier name. */
  minSpendCents: z.record(z.string(), z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER)).optional(),
});
export type TierPolicy = z.infer<typeof TierPolicySchema>;
