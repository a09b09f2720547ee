/**
 * Demo data for the ledger's `demo` command, tests and benchmarks: a realistic UK program and deterministic members.
 * Deterministic from a seed so that a demo, a failing test or a benchmark can be reproduced exactly.
 */
import { withLuhn } from '../loyalty/card.ts';
import { migratedStanding } from '../loyalty/migrated-member.ts';
import type { Locale } from '../loyalty/i18n/locale.ts';
import type { Program } from '../loyalty/program.ts';
import type { Card, MemberId, Points, StoreId } from '../loyalty/units.ts';
import type { ImportMember } from './store/types.ts';

const DAY_MS = 86_400_000;

/**
 * The demo program (version 1, GBP): 1 point per £1, fresh food double, alcohol nothing, a campaign running at `now`,
 * bronze/silver/gold tiers, a welcome bonus, six rewards, 100 points = £1 as tender and the floor limits a till uses
 * offline.
 */
export function demoProgram(now: number): Program {
  return {
    version: 1,
    name: 'Demo Rewards',
    currency: 'GBP',
    earn: {
      pointsPerUnit: 1,
      categoryPct: { fresh: 200, general: 100, fuel: 50, alcohol: 0 },
      campaigns: [
        {
          id: 'fresh-fortnight',
          name: 'Fresh fortnight: double points on fresh food',
          // Clamped at 0 so that tests on a fake clock starting at 0 still get a valid, running campaign.
          startsAt: Math.max(0, now - 7 * DAY_MS),
          endsAt: now + 14 * DAY_MS,
          extraPct: 100,
          categories: ['fresh'],
        },
        {
          id: 'spring-weekend',
          name: 'Spring weekend: +50% on everything',
          startsAt: now + 30 * DAY_MS,
          endsAt: now + 33 * DAY_MS,
          extraPct: 50,
        },
      ],
      welcomeBonus: 100,
    },
    tiers: [
      { name: 'bronze', label: 'Bronze', minPoints: 0, bonusPct: 0 },
      { name: 'silver', label: 'Silver', minPoints: 2_000, bonusPct: 10 },
      { name: 'gold', label: 'Gold', minPoints: 10_000, bonusPct: 25 },
    ],
    rewards: [
      { id: 'pastry', name: 'Pastry of the day', points: 100, kind: 'small' },
      { id: 'hot-drink', name: 'Hot drink', points: 150, kind: 'small' },
      { id: 'tote-bag', name: 'Reusable tote bag', points: 200, kind: 'promo' },
      { id: 'fiver-off', name: '£5 off your shop', points: 500, kind: 'reward' },
      { id: 'tenner-off', name: '£10 off your shop', points: 1_000, kind: 'reward' },
      { id: 'cinema-pair', name: 'Two cinema tickets', points: 2_500, kind: 'promo' },
    ],
    tenderCentsPer100Points: 100,
    floorLimits: {
      maxPointsPerOp: 500,
      maxPointsPerMemberPerDay: 1_000,
      maxOutstandingOps: 20,
      maxOutstandingPoints: 5_000,
    },
    authDeadlineMs: 1_500,
    clockToleranceMs: 120_000,
  };
}

/**
 * The demo program for `locale`: en-GB is `demoProgram`; fr-FR is the same rules for a French retailer, in euros
 * (1 point per 1 €, 100 points = 1 €), with its names in French and `locale: 'fr-FR'`, so that the till's screens,
 * receipts and letters are in French (`npm start -- --locale fr-FR`).
 */
export function demoProgramFor(now: number, locale: Locale): Program {
  const p = demoProgram(now);
  if (locale === 'en-GB') return p;
  const names: Record<string, string> = {
    'fresh-fortnight': 'Quinzaine du frais : points doublés sur les produits frais',
    'spring-weekend': 'Week-end de printemps : +50 % sur tout',
    bronze: 'Bronze',
    silver: 'Argent',
    gold: 'Or',
    pastry: 'Viennoiserie du jour',
    'hot-drink': 'Boisson chaude',
    'tote-bag': 'Sac cabas réutilisable',
    'fiver-off': '5 € de remise sur vos courses',
    'tenner-off': '10 € de remise sur vos courses',
    'cinema-pair': 'Deux places de cinéma',
  };
  return {
    ...p,
    name: 'Club Fidélité Démo',
    currency: 'EUR',
    locale,
    earn: { ...p.earn, campaigns: p.earn.campaigns.map((c) => ({ ...c, name: names[c.id] ?? c.name })) },
    tiers: p.tiers.map((t) => ({ ...t, label: names[t.name] ?? t.label })),
    rewards: p.rewards.map((r) => ({ ...r, name: names[r.id] ?? r.name })),
  };
}

/** mulberry32: a small, fast, seedable generator; good enough for demo data, not for anything secret. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const FIRST =
  'Oliver Amelia George Isla Harry Ava Noah Mia Jack Ivy Leo Freya Arthur Lily Muhammad Florence Oscar Sophia Charlie Grace Jacob Evie Thomas Poppy Alfie Rosie Henry Elsie William Sienna Joshua Olivia Priya Aisha Sean Siobhan Rhys Cerys Callum Eilidh Chidi Zara Tomasz Agnieszka Margaret David Susan Peter Janet Graham'.split(
    ' ',
  );
const LAST =
  "Smith Jones Williams Taylor Brown Davies Evans Wilson Thomas Johnson Roberts Robinson Thompson Wright Walker White Edwards Hughes Green Hall Lewis Harris Clarke Patel Jackson Wood Turner Martin Cooper Hill Ward Morris Moore Clark Lee King Baker Harrison Morgan Allen Khan Singh Begum Hussain Ali Campbell Murphy O'Brien McDonald Nowak Okafor Fraser Llewellyn Bennett Griffiths Kelly Shaw Fisher Jenkins Barnes".split(
    ' ',
  );
const STREETS =
  "High Street|Station Road|Church Lane|Victoria Road|Park Avenue|Green Lane|Manor Road|Queen's Road|Mill Lane|The Crescent|Kings Road|Chapel Street|York Road|Orchard Close|Windsor Drive|Meadow Way".split(
    '|',
  );
/** Towns with their postcode area, so that postcodes look like the town's. */
const TOWNS =
  'Leeds:LS Bristol:BS Norwich:NR Cardiff:CF York:YO Reading:RG Exeter:EX Glasgow:G Nottingham:NG Brighton:BN Sheffield:S Manchester:M Edinburgh:EH Belfast:BT Leicester:LE Swansea:SA'
    .split(' ')
    .map((t) => t.split(':') as [string, string]);
/** Letters used in the inward part of UK postcodes (C, I, K, M, O and V are never used there). */
const INWARD = 'ABDEFGHJLNPQRSTUWXYZ';
const MAIL_DOMAINS = ['example.com', 'example.org', 'example.net'];

/**
 * `count` members, the same for the same `seed`: UK names, cards `6280` + 11 digits + a Luhn check digit (16 digits),
 * e-mails on reserved example domains (about one in ten has none), postal addresses as lines separated by `\n`,
 * opening balances from 0 to 5,000 points, member ids as lower-case UUIDs (version 4 layout, derived from the seed).
 * Home stores are drawn from `storeIds` when given, else null. They come over from an earlier program as an import
 * file would bring them: lifetime points equal to the balance, and the welcome bonus given to those holding points.
 */
export function demoMembers(count: number, seed: number, storeIds: readonly StoreId[] = []): ImportMember[] {
  if (!Number.isSafeInteger(count) || count < 0) throw new RangeError(`count must be a non-negative integer: ${count}`);
  const rand = prng(seed);
  const int = (n: number): number => Math.floor(rand() * n);
  const pick = <T>(list: readonly T[]): T => {
    const x = list[int(list.length)];
    if (x === undefined) throw new RangeError('pick from an empty list');
    return x;
  };
  const digits = (n: number): string => Array.from({ length: n }, () => String(int(10))).join('');
  const uuid = (): MemberId => {
    const hex = Array.from({ length: 32 }, () => int(16).toString(16));
    hex[12] = '4';
    hex[16] = (8 + int(4)).toString(16); // RFC 9562 variant: 10xx
    const h = hex.join('');
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}` as MemberId;
  };

  // Birthdays from a generator of their own, so that adding them left every other field as it was.
  const birthdays = prng(seed ^ 0x5eed);
  const cards = new Set<string>();
  const mails = new Set<string>();
  const out: ImportMember[] = [];
  for (let i = 0; i < count; i++) {
    let card = withLuhn(`6280${digits(11)}`);
    while (cards.has(card)) card = withLuhn(`6280${digits(11)}`);
    cards.add(card);

    const first = pick(FIRST);
    const last = pick(LAST);
    let email: string | null = null;
    if (rand() >= 0.1) {
      const local = `${first}.${last}`.toLowerCase().replace(/[^a-z.]/g, '');
      const domain = pick(MAIL_DOMAINS);
      email = `${local}@${domain}`;
      for (let n = 2; mails.has(email); n++) email = `${local}${n}@${domain}`;
      mails.add(email);
    }
    const [town, area] = pick(TOWNS);
    const postcode = `${area}${1 + int(20)} ${int(10)}${pick([...INWARD])}${pick([...INWARD])}`;
    const flat = rand() < 0.15 ? `Flat ${1 + int(12)}, ` : '';
    const postalAddress = `${flat}${1 + int(180)} ${pick(STREETS)}\n${town}\n${postcode}`;
    // Many members hold little, a few hold a lot: squaring skews the draw towards small balances.
    const r = rand();
    const openingBalance = (rand() < 0.15 ? 0 : Math.floor(r * r * 5_001)) as Points;
    const standing = migratedStanding({ openingBalance, lifetimePoints: null, welcomeGiven: null, joined: null });

    out.push({
      memberId: uuid(),
      card: card as Card,
      name: `${first} ${last}`,
      email,
      postalAddress,
      homeStoreId: storeIds.length > 0 ? pick(storeIds) : null,
      openingBalance,
      birthday: new Date(Date.UTC(2024, 0, 1 + Math.floor(birthdays() * 366))).toISOString().slice(5, 10),
      lifetimePoints: standing.lifetimePoints as Points,
      welcomeGiven: standing.welcomeGiven,
    });
  }
  return out;
}
