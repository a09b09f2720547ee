/**
 * The standing a member brings over from an earlier loyalty program: lifetime points, whether the welcome bonus was
 * already given, and the tier those points earn here. Pure: the import file's parser, the demo data and head office's
 * import all decide it here, so a migrated member is never quoted a welcome bonus again.
 */
import type { Program } from './program.ts';
import { tierAt } from './tiers.ts';

/** What an import row says about the member's past; null where the file is silent. */
export interface MigratedFacts {
  /** Points the member holds today (may be negative only for rows made by code, never in a file). */
  openingBalance: number;
  /** Points ever earned in the old program. */
  lifetimePoints: number | null;
  /** What the file says explicitly about the welcome bonus. */
  welcomeGiven: boolean | null;
  /** The day the member joined the old program (ISO date). */
  joined: string | null;
}

export interface MigratedStanding {
  lifetimePoints: number;
  welcomeGiven: boolean;
}

/**
 * Lifetime points default to the opening balance when the file does not give them: points held were earned, so that
 * is the smallest true figure (a file may say less, when the old program credited points that were not earned).
 */
export function migratedLifetime(facts: Pick<MigratedFacts, 'openingBalance' | 'lifetimePoints'>): number {
  return facts.lifetimePoints ?? Math.max(0, facts.openingBalance);
}

/**
 * A member arriving with points (held or ever earned) or a join date was a member of the old program, which gave its
 * welcome then; only an explicit `welcome_given` in the file overrides that, either way.
 */
export function migratedWelcomeGiven(facts: MigratedFacts): boolean {
  if (facts.welcomeGiven !== null) return facts.welcomeGiven;
  return facts.openingBalance > 0 || (facts.lifetimePoints ?? 0) > 0 || facts.joined !== null;
}

/** The lifetime points and welcome flag an imported member starts with. */
export function migratedStanding(facts: MigratedFacts): MigratedStanding {
  return { lifetimePoints: migratedLifetime(facts), welcomeGiven: migratedWelcomeGiven(facts) };
}

/**
 * The tier an imported member holds at `at`: the program's tier rules applied to the imported lifetime points as if
 * earned at the import. Without a tier policy that is the tier by lifetime points, the one every later earn computes;
 * under a policy an earn keeps the stored tier, so the two agree as well.
 */
export function migratedTier(program: Program, lifetimePoints: number, at: number): string {
  return tierAt(program, [{ at, points: lifetimePoints, spendCents: 0 }], at).tier.name;
}
