import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DAY_MS,
  expiryNotice,
  groupReminders,
  lastUsableDay,
  remindersDue,
  type SentReminder,
} from '../../../sync/loyalty/expiry-reminders.ts';
import { addLot, type Lot } from '../../../sync/loyalty/lots.ts';
import { ProgramSchema } from '../../../sync/loyalty/program.ts';
import { receiptMessages, receiptText } from '../../../sync/loyalty/receipt.ts';
import { baseProgram, burnOp } from './fixtures.ts';

const T0 = Date.UTC(2026, 0, 1);
const lot = (lotId: string, expiresAt: number | null, points: number): Lot => {
  const [made] = addLot([], { lotId, earnedAt: T0 - 100 * DAY_MS, expiresAt, points: 1_000 });
  if (!made) throw new Error('no lot');
  return { ...made, points: points as Lot['points'] }; // emptied lots (0) too
};

describe('expiryReminderDays in the program', () => {
  it('is optional: a program without it parses as before', () => {
    expect(ProgramSchema.parse(baseProgram()).expiryReminderDays).toBeUndefined();
    expect(ProgramSchema.parse({ ...baseProgram(), expiryReminderDays: [30, 7] }).expiryReminderDays).toEqual([30, 7]);
  });

  it.each([[[0]], [[7, 7]], [[1.5]], [[400]], [Array.from({ length: 11 }, (_, i) => i + 1)]])('refuses %j', (days) => {
    expect(ProgramSchema.safeParse({ ...baseProgram(), expiryReminderDays: days }).success).toBe(false);
  });
});

describe('remindersDue', () => {
  const E = T0 + 40 * DAY_MS;
  const lots = [lot('a', E, 100), lot('b', E, 0), lot('c', null, 50), lot('d', T0, 10)];

  it('opens reminder d at d days before the expiry; skips emptied, never-expiring and expired lots', () => {
    expect(remindersDue(lots, [30, 7], E - 30 * DAY_MS - 1, [])).toEqual([]);
    expect(remindersDue(lots, [30, 7], E - 30 * DAY_MS, [])).toEqual([
      { lotId: 'a', expiresAt: E, points: 100, daysBefore: 30 },
    ]);
    expect(remindersDue(lots, [30, 7], E - 7 * DAY_MS, [{ lotId: 'a', daysBefore: 30 }])).toEqual([
      { lotId: 'a', expiresAt: E, points: 100, daysBefore: 7 },
    ]);
    expect(remindersDue(lots, [30, 7], E, [])).toEqual([]);
  });

  it('sends only the most urgent reminder when several opened at once, and none after a smaller one', () => {
    expect(remindersDue(lots, [30, 7], E - DAY_MS, [])).toEqual([
      { lotId: 'a', expiresAt: E, points: 100, daysBefore: 7 },
    ]);
    expect(remindersDue(lots, [30, 7], E - 8 * DAY_MS, [{ lotId: 'a', daysBefore: 7 }])).toEqual([]);
  });

  it('sends nothing without reminder days', () => {
    expect(remindersDue(lots, undefined, E - DAY_MS, [])).toEqual([]);
    expect(remindersDue(lots, [], E - DAY_MS, [])).toEqual([]);
  });

  it('property: over consecutive daily runs, each lot × reminder fires exactly once, before the lot expires', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 1, max: 60 }), { minLength: 1, maxLength: 4 }),
        fc.array(
          fc.record({
            expiresIn: fc.integer({ min: 0, max: 120 * DAY_MS }),
            points: fc.integer({ min: 0, max: 1_000 }),
            emptiedOnDay: fc.option(fc.integer({ min: 0, max: 130 }), { nil: undefined }),
          }),
          { maxLength: 6 },
        ),
        fc.integer({ min: 0, max: DAY_MS - 1 }),
        (days, specs, offset) => {
          const start = T0 + offset;
          // The first run comes before every window opens: every lot's expiry is at least 61 days after it.
          const lots = specs.map((s, i) => lot(`l${i}`, start + 61 * DAY_MS + s.expiresIn, s.points));
          const sent: SentReminder[] = [];
          const fired: { lotId: string; daysBefore: number; at: number }[] = [];
          for (let day = 0; day <= 190; day++) {
            const asOf = start + day * DAY_MS;
            const held = lots.map((l, i): Lot => {
              const e = specs[i]?.emptiedOnDay;
              return e !== undefined && day >= e ? lot(l.lotId, l.expiresAt, 0) : l;
            });
            for (const d of remindersDue(held, days, asOf, sent)) {
              const l = held.find((x) => x.lotId === d.lotId);
              expect(l?.points).toBeGreaterThan(0);
              expect(asOf).toBeLessThan(d.expiresAt);
              expect(asOf).toBeGreaterThanOrEqual(d.expiresAt - d.daysBefore * DAY_MS);
              sent.push({ lotId: d.lotId, daysBefore: d.daysBefore });
              fired.push({ ...d, at: asOf });
            }
          }
          lots.forEach((l, i) => {
            const e = specs[i]?.emptiedOnDay;
            for (const d of days) {
              const times = fired.filter((f) => f.lotId === l.lotId && f.daysBefore === d).length;
              const opens = (l.expiresAt ?? 0) - d * DAY_MS;
              // Expected when the lot still held points on the first run at or after the window opened.
              const firstRunDay = Math.ceil((opens - start) / DAY_MS);
              const heldThen = l.points > 0 && (e === undefined || firstRunDay < e);
              expect(times).toBe(heldThen ? 1 : 0);
            }
          });
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('groupReminders', () => {
  it('tells the lots of one expiry and reminder together', () => {
    const E = T0 + 5 * DAY_MS;
    expect(
      groupReminders([
        { lotId: 'b', expiresAt: E, points: 5 as never, daysBefore: 7 },
        { lotId: 'a', expiresAt: E - 1, points: 3 as never, daysBefore: 7 },
        { lotId: 'c', expiresAt: E, points: 2 as never, daysBefore: 7 },
      ]),
    ).toEqual([
      { expiresAt: E - 1, daysBefore: 7, points: 3, lotIds: ['a'] },
      { expiresAt: E, daysBefore: 7, points: 7, lotIds: ['b', 'c'] },
    ]);
  });
});

describe('expiryNotice', () => {
  const at = Date.UTC(2026, 3, 1); // expires at the start of 1 April: the last day is 31 March
  it('says "N points expire on D" within the largest reminder window', () => {
    expect(lastUsableDay(at)).toBe('2026-03-31');
    expect(expiryNotice({ points: 1_200, at }, [30, 7], at - 30 * DAY_MS)).toBe('1,200 points expire on 31 March 2026');
    expect(expiryNotice({ points: 1, at }, [7], at - DAY_MS)).toBe('1 point expires on 31 March 2026');
    expect(expiryNotice({ points: 1_200, at }, [30, 7], at - DAY_MS, 200)).toBe('200 points expire on 31 March 2026');
  });

  it('says nothing too early, once expired, with no reminders, or with nothing left', () => {
    expect(expiryNotice({ points: 100, at }, [30, 7], at - 30 * DAY_MS - 1)).toBeUndefined();
    expect(expiryNotice({ points: 100, at }, [30, 7], at)).toBeUndefined();
    expect(expiryNotice({ points: 100, at }, undefined, at - DAY_MS)).toBeUndefined();
    expect(expiryNotice(null, [30], at - DAY_MS)).toBeUndefined();
    expect(expiryNotice({ points: 100, at }, [30], at - DAY_MS, 0)).toBeUndefined();
  });
});

describe('the expiry notice on the receipt and in the member messages', () => {
  const at = Date.UTC(2026, 3, 1);
  const member = {
    name: 'Ada Lovelace',
    card: '6280000000000008',
    confirmed: 380,
    pending: 0,
    displayed: 380,
    lifetimePoints: 380,
    nextExpiry: { points: 300, at },
  };
  const program = { ...baseProgram(), expiryReminderDays: [30, 7] };

  it('comes right after the deadline, within the largest window, and is printed on the receipt', () => {
    expect(receiptMessages(program, member, at - 10 * DAY_MS)[0]).toBe('300 points expire on 31 March 2026.');
    const text = receiptText({
      program,
      op: burnOp(3, { type: 'points', points: 80 as never }, 80),
      view: member,
      at: at - 10 * DAY_MS,
    });
    expect(text).toContain('300 points expire on 31 March 2026.');
    for (const l of text.split('\n')) expect(l.length).toBeLessThanOrEqual(40);
  });

  it('is absent too early, without reminders, without a time, or without a next expiry (older ledgers)', () => {
    const messages = [
      receiptMessages(program, member, at - 31 * DAY_MS),
      receiptMessages(baseProgram(), member, at - DAY_MS),
      receiptMessages(program, member),
      receiptMessages(program, { ...member, nextExpiry: null }, at - DAY_MS),
    ];
    for (const m of messages) expect(m.join(' ')).not.toContain('expire');
  });
});
