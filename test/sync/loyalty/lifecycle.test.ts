import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  activityChange,
  DEFAULT_LIFECYCLE,
  nextStatusChange,
  recordActivity,
  statusAt,
  statusChangesBetween,
} from '../../../sync/loyalty/lifecycle.ts';
import type { LifecycleMember, MemberStatus } from '../../../sync/loyalty/lifecycle.ts';
import { ProgramSchema } from '../../../sync/loyalty/program.ts';
import { baseProgram, DAY } from './fixtures.ts';

const utc = (y: number, m: number, d: number, h = 0): number => Date.UTC(y, m - 1, d, h);
const LAST = utc(2024, 1, 15, 12);
const member = (first: number | null, last: number | null = first): LifecycleMember => ({
  firstEarnAt: first,
  lastActivityAt: last,
});

describe('statusAt with the default rules (dormant after 6 months, inactive after 12)', () => {
  it.each<[string, LifecycleMember, number, MemberStatus]>([
    ['never earned, enrolled years ago', member(null), utc(2030, 1, 1), 'never-activated'],
    ['earned, but only after the date asked about', member(LAST), LAST - 1, 'never-activated'],
    ['active on the day of the last activity', member(LAST), LAST, 'active'],
    ['active one millisecond before 6 months', member(LAST), utc(2024, 7, 15, 12) - 1, 'active'],
    ['dormant at exactly 6 months', member(LAST), utc(2024, 7, 15, 12), 'dormant'],
    ['dormant one millisecond before 12 months', member(LAST), utc(2025, 1, 15, 12) - 1, 'dormant'],
    ['inactive at exactly 12 months', member(LAST), utc(2025, 1, 15, 12), 'inactive'],
    ['active when a burn came after the first earn', member(utc(2023, 1, 1), LAST), utc(2024, 6, 1), 'active'],
  ])('is %s', (_why, m, at, status) => {
    expect(statusAt(m, at)).toBe(status);
  });
  it('counts calendar months: quiet since 31 August is dormant on 28 February (no 31st)', () => {
    expect(statusAt(member(utc(2023, 8, 31)), utc(2024, 2, 29) - 1)).toBe('active');
    expect(statusAt(member(utc(2023, 8, 31)), utc(2024, 2, 29))).toBe('dormant');
  });
  it('follows configured thresholds', () => {
    const rules = { dormantAfterMonths: 2, inactiveAfterMonths: 3 };
    expect(statusAt(member(LAST), utc(2024, 3, 15, 12), rules)).toBe('dormant');
    expect(statusAt(member(LAST), utc(2024, 4, 15, 12), rules)).toBe('inactive');
  });
});

describe('activity', () => {
  it('a first earn activates a never-activated member, an event for the feed', () => {
    const r = activityChange(member(null), 'earn', LAST);
    expect(r).toEqual({ member: member(LAST), change: { at: LAST, from: 'never-activated', to: 'active' } });
  });
  it('a burn reactivates a dormant member but does not activate a member who never earned', () => {
    const dormantAt = utc(2024, 9, 1);
    expect(activityChange(member(LAST), 'burn', dormantAt).change).toEqual({
      at: dormantAt,
      from: 'dormant',
      to: 'active',
    });
    expect(activityChange(member(null), 'burn', dormantAt).change).toBeUndefined();
  });
  it('is no change for an already active member', () => {
    expect(activityChange(member(LAST), 'earn', LAST + DAY).change).toBeUndefined();
  });
  it('an activity arriving late (an offline till) never moves the last activity back or the first earn forward', () => {
    const m = member(utc(2024, 1, 1), utc(2024, 5, 1));
    expect(recordActivity(m, 'earn', utc(2023, 12, 1))).toEqual(member(utc(2023, 12, 1), utc(2024, 5, 1)));
    expect(recordActivity(m, 'burn', utc(2024, 3, 1))).toEqual(m);
  });
});

describe('time-driven changes', () => {
  it('lists the changes time alone brings in (from, to], in order', () => {
    expect(statusChangesBetween(member(LAST), LAST, utc(2026, 1, 1))).toEqual([
      { at: utc(2024, 7, 15, 12), from: 'active', to: 'dormant' },
      { at: utc(2025, 1, 15, 12), from: 'dormant', to: 'inactive' },
    ]);
    expect(statusChangesBetween(member(LAST), utc(2024, 7, 15, 12), utc(2026, 1, 1))).toHaveLength(1);
    expect(statusChangesBetween(member(null), 0, utc(2030, 1, 1))).toEqual([]);
  });
  it('says when the next change is due, for scheduling', () => {
    expect(nextStatusChange(member(LAST), LAST)).toEqual({ at: utc(2024, 7, 15, 12), to: 'dormant' });
    expect(nextStatusChange(member(LAST), utc(2024, 8, 1))).toEqual({ at: utc(2025, 1, 15, 12), to: 'inactive' });
    expect(nextStatusChange(member(LAST), utc(2025, 2, 1))).toBeUndefined();
    expect(nextStatusChange(member(null), LAST)).toBeUndefined();
  });
  it('agrees with statusAt: replaying the changes listed after the last activity gives the status at the end', () => {
    fc.assert(
      fc.property(
        fc.option(fc.nat(1_000), { nil: null }),
        fc.nat(400),
        fc.nat(1_000),
        fc.nat(1_000),
        (firstDay, quietDays, fromDay, span) => {
          const base = utc(2022, 1, 1);
          const m =
            firstDay === null ? member(null) : member(base + firstDay * DAY, base + (firstDay + quietDays) * DAY);
          // The job runs on the member as recorded: every activity is at or before `from`.
          const from = base + ((firstDay ?? 0) + quietDays + fromDay) * DAY;
          const to = from + span * DAY;
          let status = statusAt(m, from, DEFAULT_LIFECYCLE);
          for (const c of statusChangesBetween(m, from, to)) {
            expect(c.from).toBe(status);
            status = c.to;
          }
          expect(status).toBe(statusAt(m, to));
        },
      ),
    );
  });
});

describe('LifecycleRulesSchema in the program', () => {
  it('accepts configured thresholds and refuses inactive before dormant', () => {
    const ok = { ...baseProgram(), lifecycle: { dormantAfterMonths: 3, inactiveAfterMonths: 9 } };
    expect(ProgramSchema.parse(ok).lifecycle).toEqual({ dormantAfterMonths: 3, inactiveAfterMonths: 9 });
    const bad = ProgramSchema.safeParse({
      ...baseProgram(),
      lifecycle: { dormantAfterMonths: 6, inactiveAfterMonths: 6 },
    });
    expect(bad.success ? [] : bad.error.issues.map((i) => i.path.join('.'))).toEqual(['lifecycle.inactiveAfterMonths']);
  });
});
