import { describe, expect, it } from 'vitest';
import { demoMembers, demoProgram } from '../../../sync/ledger/demo-data.ts';
import { parseMembersCsv } from '../../../sync/ledger/members-csv.ts';
import { luhnValid } from '../../../sync/loyalty/card.ts';
import { quoteEarn, tierFor } from '../../../sync/loyalty/earn.ts';
import { ProgramSchema } from '../../../sync/loyalty/program.ts';
import { MemberIdSchema } from '../../../sync/loyalty/units.ts';
import type { Cents, StoreId } from '../../../sync/loyalty/units.ts';

const NOW = Date.UTC(2026, 2, 1, 10, 0, 0);

describe('demoProgram', () => {
  it('is a valid program, as ProgramSchema parses it', () => {
    expect(ProgramSchema.parse(demoProgram(NOW))).toEqual(demoProgram(NOW));
  });

  it('is valid on a fake clock starting at 0', () => {
    expect(ProgramSchema.safeParse(demoProgram(0)).success).toBe(true);
  });

  it('has the documented settings', () => {
    const p = demoProgram(NOW);
    expect(p).toMatchObject({
      version: 1,
      currency: 'GBP',
      tenderCentsPer100Points: 100,
      authDeadlineMs: 1_500,
      clockToleranceMs: 120_000,
      floorLimits: {
        maxPointsPerOp: 500,
        maxPointsPerMemberPerDay: 1_000,
        maxOutstandingOps: 20,
        maxOutstandingPoints: 5_000,
      },
    });
    expect(p.earn).toMatchObject({
      pointsPerUnit: 1,
      welcomeBonus: 100,
      categoryPct: { fresh: 200, general: 100, alcohol: 0 },
    });
    expect(p.tiers.map((t) => [t.name, t.minPoints, t.bonusPct])).toEqual([
      ['bronze', 0, 0],
      ['silver', 2_000, 10],
      ['gold', 10_000, 25],
    ]);
    expect(new Set(p.rewards.map((r) => r.kind))).toEqual(new Set(['reward', 'small', 'promo']));
    expect(tierFor(p, 2_500).name).toBe('silver');
  });

  it('runs a campaign at the time it is made for', () => {
    const p = demoProgram(NOW);
    const basket = [{ amountCents: 1_000 as Cents, category: 'fresh' }];
    const kinds = quoteEarn(p, { lifetimePoints: 0, welcomeGiven: true }, basket, NOW).breakdown.map((l) => l.kind);
    expect(kinds).toContain('campaign');
  });
});

describe('demoMembers', () => {
  const stores = ['leeds-01', 'york-02'] as StoreId[];
  const members = demoMembers(500, 42, stores);

  it('gives the same members for the same seed, and others for another seed', () => {
    expect(demoMembers(500, 42, stores)).toEqual(members);
    expect(demoMembers(5, 43)[0]?.card).not.toBe(members[0]?.card);
  });

  it('makes unique 16-digit 6280 cards that pass the Luhn check', () => {
    expect(members).toHaveLength(500);
    for (const m of members) {
      expect(m.card).toMatch(/^6280[0-9]{12}$/);
      expect(luhnValid(m.card)).toBe(true);
    }
    expect(new Set(members.map((m) => m.card)).size).toBe(500);
  });

  it('makes unique lower-case UUID member ids with a version nibble of 4', () => {
    for (const m of members) {
      expect(MemberIdSchema.safeParse(m.memberId).success).toBe(true);
      expect(m.memberId[14]).toBe('4');
      expect('89ab').toContain(m.memberId[19]);
    }
    expect(new Set(members.map((m) => m.memberId)).size).toBe(500);
  });

  it('gives names, unique e-mails on reserved domains, UK postcodes, home stores and balances from 0 to 5,000', () => {
    const emails = members.flatMap((m) => (m.email ? [m.email] : []));
    expect(new Set(emails).size).toBe(emails.length);
    expect(emails.length).toBeGreaterThan(400);
    for (const m of members) {
      expect(m.name).toMatch(/^[A-Z][a-z]+ [A-Z][A-Za-z']+$/);
      if (m.email) expect(m.email).toMatch(/^[a-z.]+[0-9]*@example\.(com|org|net)$/);
      expect(m.postalAddress).toMatch(/\n[A-Z]{1,2}[0-9]{1,2} [0-9][A-Z]{2}$/);
      expect(stores).toContain(m.homeStoreId);
      expect(Number.isInteger(m.openingBalance) && m.openingBalance >= 0 && m.openingBalance <= 5_000).toBe(true);
    }
    expect(members.some((m) => m.openingBalance === 0)).toBe(true);
    expect(members.some((m) => m.openingBalance > 2_000)).toBe(true);
  });

  it('leaves the home store empty when no stores are given', () => {
    expect(demoMembers(3, 1).map((m) => m.homeStoreId)).toEqual([null, null, null]);
  });

  it('brings members over as an import file would: welcome given to those holding points, lifetime = balance', () => {
    for (const m of members) {
      expect(m.lifetimePoints).toBe(m.openingBalance);
      expect(m.welcomeGiven).toBe(m.openingBalance > 0);
    }
    expect(members.filter((m) => m.welcomeGiven).length).toBeGreaterThan(0);
    expect(members.filter((m) => !m.welcomeGiven).length).toBeGreaterThan(0);
    // The demo till's case: a member holding points is quoted no welcome bonus on a £20 basket.
    const p = demoProgram(NOW);
    const holder = members.find((m) => m.openingBalance > 1_000);
    if (!holder) throw new Error('no member holds over 1,000 points');
    const basket = [{ amountCents: 2_000 as Cents, category: 'general' }];
    const kinds = quoteEarn(
      p,
      { lifetimePoints: holder.lifetimePoints ?? 0, welcomeGiven: holder.welcomeGiven ?? false },
      basket,
      NOW,
    ).breakdown.map((l) => l.kind);
    expect(kinds).not.toContain('welcome');
  });

  it('round-trips through the member CSV import', () => {
    const field = (v: string | number | null) => `"${String(v ?? '').replace(/"/g, '""')}"`;
    const text = [
      'card,name,email,postal_address,home_store,opening_balance,birthday',
      ...members.map((m) =>
        [m.card, m.name, m.email, m.postalAddress, m.homeStoreId, m.openingBalance, m.birthday ?? null]
          .map(field)
          .join(','),
      ),
    ].join('\n');
    const ids = members.map((m) => m.memberId);
    let i = 0;
    const r = parseMembersCsv(text, { makeId: () => ids[i++] ?? '' });
    expect(r).toEqual({ ok: true, rows: members });
  });
});
