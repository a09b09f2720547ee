/**
 * Program rules as versioned data. The same rules, evaluated by the same code, decide earns and burns at the till
 * and on the ledger; an op names the program version it was made under.
 */
import { z } from 'zod';
import { ClosingSchema } from './closing-schema.ts';
import { ExpiryReminderDaysSchema } from './expiry-reminders.ts';
import { LifecycleRulesSchema } from './lifecycle.ts';
import { LocaleSchema } from './i18n/locale.ts';
import { ExpiryRuleSchema } from './lots.ts';
import { TierPolicySchema } from './tier-policy.ts';

const name = z.string().trim().min(1).max(120);
const key = z
  .string()
  .min(1)
  .max(40)
  .regex(/^[a-z0-9][a-z0-9_-]*$/, 'lower-case letters, digits, dash and underscore only');
const epochMs = z.number().int().nonnegative();
const pct = z.number().int().min(0).max(100_000);
const pts = z.number().int().nonnegative().max(1_000_000_000);

export const CampaignSchema = z
  .object({
    id: key,
    name,
    startsAt: epochMs,
    endsAt: epochMs,
    /** Extra points as a percentage of the base points (100 = one more time the base, i.e. "double points"). */
    extraPct: pct,
    /** Categories the campaign applies to; absent means every category. */
    categories: z.array(key).max(100).optional(),
  })
  .refine((c) => c.endsAt > c.startsAt, { message: 'a campaign must end after it starts', path: ['endsAt'] });
export type Campaign = z.infer<typeof CampaignSchema>;

export const TierSchema = z.object({
  name: key,
  label: name,
  /** Points earned from which the tier applies: lifetime points, or rolling points under a `tierPolicy` (tiers.ts). */
  minPoints: pts,
  /** Extra points on every earn, as a percentage of the base points. */
  bonusPct: pct,
});
export type Tier = z.infer<typeof TierSchema>;

export const RewardSchema = z.object({
  id: key,
  name,
  points: pts.min(1),
  kind: z.enum(['reward', 'small', 'promo']),
});
export type Reward = z.infer<typeof RewardSchema>;

export const FloorLimitsSchema = z.object({
  /** Largest burn, in points, a till may give without the ledger's answer. */
  maxPointsPerOp: pts,
  /** Offline burns per member per (UTC) day, in points, at one till. */
  maxPointsPerMemberPerDay: pts,
  /** Offline burns a till may hold unconfirmed, by count and by total points. */
  maxOutstandingOps: z.number().int().nonnegative().max(100_000),
  maxOutstandingPoints: pts,
});
export type FloorLimits = z.infer<typeof FloorLimitsSchema>;

/** The least (and default) number of days a till keeps answered ops in its journal. */
export const MIN_JOURNAL_RETENTION_DAYS = 35;

export const ProgramSchema = z
  .object({
    version: z.number().int().positive(),
    name,
    currency: z.string().regex(/^[A-Z]{3}$/, 'an ISO 4217 code such as GBP'),
    earn: z.object({
      /** Points per whole currency unit spent (per 100 minor units). */
      pointsPerUnit: z.number().int().min(0).max(10_000),
      /** Multipliers per category, in percent of the base rate (200 = double); absent categories earn 100. */
      categoryPct: z.record(key, pct),
      campaigns: z.array(CampaignSchema).max(200),
      /** One-off bonus on a member's first earn. */
      welcomeBonus: pts,
    }),
    tiers: z.array(TierSchema).min(1).max(20),
    rewards: z.array(RewardSchema).max(1000),
    /** What 100 points are worth, in minor units, when paid as tender. */
    tenderCentsPer100Points: z.number().int().min(1).max(1_000_000),
    floorLimits: FloorLimitsSchema,
    /** How long a till waits for an online authorization before deciding offline. */
    authDeadlineMs: z.number().int().min(100).max(30_000),
    /** Till clock drift the ledger accepts before it corrects op times by the skew it measured. */
    clockToleranceMs: z.number().int().min(0).max(86_400_000),
    // Optional, so that every program stored before them still parses (absent = the behaviour before them).
    /** When earned points expire (lots.ts); absent or null: never. */
    expiry: ExpiryRuleSchema.nullable().optional(),
    /** Days before a lot expires on which the member is reminded (expiry-reminders.ts), e.g. [30, 7]; absent: none. */
    expiryReminderDays: ExpiryReminderDaysSchema.optional(),
    /** Tiers by rolling points or spend with a downgrade policy (tiers.ts); absent: lifetime points. */
    tierPolicy: TierPolicySchema.optional(),
    /** Dormant and inactive thresholds (lifecycle.ts); absent: 6 and 12 months. */
    lifecycle: LifecycleRulesSchema.optional(),
    /** The program's closing (closing.ts); absent: the program runs on. */
    closing: ClosingSchema.optional(),
    /** Days a till keeps the ops the ledger answered, for a ledger restored from a backup to get them back
     * (sync/till/journal-retention.ts); absent: 35. */
    journalRetentionDays: z.number().int().min(MIN_JOURNAL_RETENTION_DAYS).max(3_650).optional(),
    /** The language and formats of the till's screens, receipts, letters and e-mails (i18n/); absent: en-GB. */
    locale: LocaleSchema.optional(),
  })
  .superRefine((p, ctx) => {
    if (p.tiers[0]?.minPoints !== 0)
      ctx.addIssue({
        code: 'custom',
        message: 'the first tier must start at 0 points',
        path: ['tiers', 0, 'minPoints'],
      });
    for (let i = 1; i < p.tiers.length; i++) {
      if ((p.tiers[i]?.minPoints ?? 0) <= (p.tiers[i - 1]?.minPoints ?? 0))
        ctx.addIssue({
          code: 'custom',
          message: 'tiers must be in increasing order of minPoints',
          path: ['tiers', i, 'minPoints'],
        });
    }
    // Ids name things in ops, quotes and reports: each must name one thing.
    const once = (list: readonly string[], what: string, at: (i: number) => (string | number)[]) => {
      const seen = new Set<string>();
      list.forEach((id, i) => {
        if (seen.has(id)) ctx.addIssue({ code: 'custom', message: `${what} ${id} appears twice`, path: at(i) });
        seen.add(id);
      });
    };
    once(
      p.rewards.map((r) => r.id),
      'reward id',
      (i) => ['rewards', i, 'id'],
    );
    once(
      p.earn.campaigns.map((c) => c.id),
      'campaign id',
      (i) => ['earn', 'campaigns', i, 'id'],
    );
    once(
      p.tiers.map((t) => t.name),
      'tier name',
      (i) => ['tiers', i, 'name'],
    );
    // A window reward is priced by id beside the catalogue: its id must name one reward (catalogue clashes among
    // themselves are reported above).
    const seenIds = new Set(p.rewards.map((r) => r.id));
    (p.closing?.burnWindow?.rewards ?? []).forEach((r, i) => {
      if (seenIds.has(r.id))
        ctx.addIssue({
          code: 'custom',
          message: `reward id ${r.id} appears twice`,
          path: ['closing', 'burnWindow', 'rewards', i, 'id'],
        });
      seenIds.add(r.id);
    });
    const policy = p.tierPolicy;
    if (policy?.basis === 'spend') {
      const spend = policy.minSpendCents ?? {};
      let previous = -1;
      p.tiers.forEach((t, i) => {
        const min = Object.hasOwn(spend, t.name) ? spend[t.name] : undefined;
        if (min === undefined)
          ctx.addIssue({
            code: 'custom',
            message: `tier ${t.name} needs a spend threshold`,
            path: ['tierPolicy', 'minSpendCents'],
          });
        else if (i === 0 ? min !== 0 : min <= previous)
          ctx.addIssue({
            code: 'custom',
            message: i === 0 ? 'the first tier must start at 0 spend' : 'spend thresholds must increase with the tiers',
            path: ['tierPolicy', 'minSpendCents', t.name],
          });
        previous = min ?? previous;
      });
      for (const name of Object.keys(spend))
        if (!p.tiers.some((t) => t.name === name))
          ctx.addIssue({
            code: 'custom',
            message: `no tier named ${name}`,
            path: ['tierPolicy', 'minSpendCents', name],
          });
    }
  });
export type Program = z.infer<typeof ProgramSchema>;

/** How many days a till keeps the ops the ledger answered: the program's setting, 35 when it has none. */
export function journalRetentionDays(program: Pick<Program, 'journalRetentionDays'>): number {
  return program.journalRetentionDays ?? MIN_JOURNAL_RETENTION_DAYS;
}
