/** Earn quotes: integer points from a basket, with the breakdown a cashier and a receipt show. */
import type { BasketLine } from './ops.ts';
import { localeOf } from './i18n/locale.ts';
import { messages } from './i18n/messages.ts';
import type { Program, Tier } from './program.ts';
import type { Points } from './units.ts';

export interface EarnLine {
  kind: 'base' | 'category' | 'campaign' | 'tier' | 'welcome';
  label: string;
  points: Points;
}

export interface EarnQuote {
  points: Points;
  breakdown: EarnLine[];
}

/** What an earn quote needs to know of the member. */
export interface EarnMember {
  lifetimePoints: number;
  welcomeGiven: boolean;
}

/** The tier a member holds for the given lifetime points (the highest whose threshold is reached). */
export function tierFor(program: Program, lifetimePoints: number): Tier {
  let tier = program.tiers[0];
  for (const t of program.tiers) if (lifetimePoints >= t.minPoints) tier = t;
  if (!tier) throw new Error('a program has at least one tier');
  return tier;
}

/** Percentage of `base`, rounded down, so that bonuses never create fractional points. */
const pctOf = (base: number, pct: number): number => Math.floor((base * pct) / 100);

/**
 * Quotes the points earned on a basket at time `at` (ms). Base points are per whole currency unit of each line
 * (fractions dropped per line), category multipliers and campaigns apply per line, the tier bonus and the welcome
 * bonus to the whole basket; a category earning 0% is excluded from campaigns and the tier bonus. Every figure is an integer; the sum of the breakdown is the quote.
 */
export function quoteEarn(program: Program, member: EarnMember, lines: readonly BasketLine[], at: number): EarnQuote {
  let base = 0;
  // Lines of a category earning 0% (e.g. alcohol where the law forbids rewards) get no campaign or tier bonus either.
  let eligibleBase = 0;
  let category = 0;
  // Keyed by position, not id: two campaigns sharing an id must not each be credited with both totals.
  const campaignPoints = new Map<number, number>();
  for (const line of lines) {
    const lineBase = Math.floor((line.amountCents * program.earn.pointsPerUnit) / 100);
    base += lineBase;
    // Own keys only: a category named like an Object.prototype member ("constructor") must not read it.
    const pct = Object.hasOwn(program.earn.categoryPct, line.category)
      ? (program.earn.categoryPct[line.category] ?? 100)
      : 100;
    category += pctOf(lineBase, pct) - lineBase;
    if (pct === 0) continue;
    eligibleBase += lineBase;
    program.earn.campaigns.forEach((c, i) => {
      if (at < c.startsAt || at >= c.endsAt) return;
      if (c.categories && !c.categories.includes(line.category)) return;
      campaignPoints.set(i, (campaignPoints.get(i) ?? 0) + pctOf(lineBase, c.extraPct));
    });
  }
  // The labels are worded in the program's locale (they are shown and printed; nothing decides on them).
  const m = messages(localeOf(program));
  const rate = String(program.earn.pointsPerUnit);
  const breakdown: EarnLine[] = [
    { kind: 'base', label: m.t('earn.base', { rate, currency: program.currency }), points: base as Points },
  ];
  if (category !== 0) breakdown.push({ kind: 'category', label: m.t('earn.category'), points: category as Points });
  program.earn.campaigns.forEach((c, i) => {
    const p = campaignPoints.get(i);
    if (p) breakdown.push({ kind: 'campaign', label: c.name, points: p as Points });
  });
  const tier = tierFor(program, member.lifetimePoints);
  const tierBonus = pctOf(eligibleBase, tier.bonusPct);
  if (tierBonus > 0)
    breakdown.push({ kind: 'tier', label: m.t('earn.tierBonus', { tier: tier.label }), points: tierBonus as Points });
  if (!member.welcomeGiven && program.earn.welcomeBonus > 0)
    breakdown.push({ kind: 'welcome', label: m.t('earn.welcome'), points: program.earn.welcomeBonus as Points });
  const points = breakdown.reduce((s, l) => s + l.points, 0) as Points;
  return { points, breakdown };
}
