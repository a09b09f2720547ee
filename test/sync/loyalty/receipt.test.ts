import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { quoteEarn } from '../../../sync/loyalty/earn.ts';
import { makeVoucherCode } from '../../../sync/loyalty/closing.ts';
import type { Closing } from '../../../sync/loyalty/closing.ts';
import type { ConvertOp } from '../../../sync/loyalty/ops.ts';
import type { Program } from '../../../sync/loyalty/program.ts';
import {
  pointsToNextReward,
  receiptMessages,
  receiptText,
  voucherLines,
  voucherValidUntil,
} from '../../../sync/loyalty/receipt.ts';
import type { ReceiptMember } from '../../../sync/loyalty/receipt.ts';
import type { Cents, Points } from '../../../sync/loyalty/units.ts';
import { arbProgram, baseProgram, burnOp, earnOp, enrolOp, line, opId, voidOp } from './fixtures.ts';

const view = (over: Partial<ReceiptMember> = {}): ReceiptMember => ({
  name: 'Ada Lovelace',
  card: '6280000000000008',
  confirmed: 380,
  pending: 0,
  displayed: 380,
  lifetimePoints: 380,
  ...over,
});

describe('pointsToNextReward', () => {
  it.each([
    { balance: 0, reward: 'coffee', missing: 150, why: 'nothing yet: the cheapest reward' },
    { balance: 149, reward: 'coffee', missing: 1, why: 'one point short of the cheapest' },
    { balance: 150, reward: 'tote', missing: 50, why: 'a reward reached exactly is not "next"' },
    { balance: 380, reward: 'fiver', missing: 120, why: 'the cheapest reward above the balance' },
    { balance: -40, reward: 'coffee', missing: 150, why: 'an overdrawn balance counts as 0, not as more missing' },
  ])('$why ($balance points)', ({ balance, reward, missing }) => {
    expect(pointsToNextReward(baseProgram(), balance)).toMatchObject({ reward: { id: reward }, missing });
  });

  it('is undefined once every reward is within reach, or when the catalogue is empty', () => {
    expect(pointsToNextReward(baseProgram(), 500)).toBeUndefined();
    expect(pointsToNextReward({ ...baseProgram(), rewards: [] }, 0)).toBeUndefined();
  });

  it('always names a reward above the balance whose price minus the balance is the missing points', () => {
    fc.assert(
      fc.property(arbProgram, fc.integer({ min: -1_000, max: 5_000 }), (program, balance) => {
        const next = pointsToNextReward(program, balance);
        const above = program.rewards.filter((r) => r.points > balance);
        if (above.length === 0) return next === undefined;
        return (
          next !== undefined &&
          next.reward.points === Math.min(...above.map((r) => r.points)) &&
          next.missing === next.reward.points - Math.max(0, balance) &&
          next.missing > 0
        );
      }),
    );
  });
});

describe('receiptMessages', () => {
  it('tells the member what they can redeem now and how far the next reward and tier are', () => {
    expect(receiptMessages(baseProgram(), view())).toEqual([
      'You can redeem Tote bag (200 points) today.',
      '120 points to your next reward: £5 off.',
      '1,620 points to Silver (now Bronze).',
    ]);
  });

  it('mentions a campaign only while it runs at the given time', () => {
    expect(receiptMessages(baseProgram(), view(), 1_500)).toContain('Fresh week, until 1 January 1970.');
    expect(receiptMessages(baseProgram(), view(), 2_000).join(' ')).not.toContain('Fresh week');
  });

  it('says when points still await confirmation and when the balance is overdrawn', () => {
    const m = receiptMessages(baseProgram(), view({ confirmed: 50, pending: -90, displayed: -40 }));
    expect(m[0]).toBe('Balance overdrawn by 40 points: see the store manager.');
    expect(m).toContain('90 points awaiting confirmation from head office.');
  });

  it('says nothing about the next tier at the top tier, and uses the singular for one point', () => {
    const m = receiptMessages(baseProgram(), view({ displayed: 149, lifetimePoints: 12_000 }));
    expect(m).toEqual(['1 point to your next reward: Coffee.']);
  });
});

describe('receiptText', () => {
  const program = baseProgram();
  const at = Date.UTC(2025, 2, 14, 9, 30, 0);

  it('prints an earn with its spend, the quote breakdown, the new balance and the messages', () => {
    const lines = [line(2_550), line(1_000, 'fresh')];
    const quote = quoteEarn(program, { lifetimePoints: 0, welcomeGiven: false }, lines, 1_500);
    const text = receiptText({
      program,
      storeName: 'High Street',
      op: earnOp(7, lines, { quotedPoints: quote.points }),
      view: view({ confirmed: 0, pending: quote.points, displayed: quote.points, lifetimePoints: 0 }),
      quote,
      at,
    });
    expect(text).toContain('Test program\nHigh Street\n14/03/2025 09:30:00 UTC\nTill till-1  op #7');
    expect(text).toMatch(/^Spend +£35\.50$/m);
    expect(text).toMatch(/^ {2}Welcome bonus +\+100$/m);
    expect(text).toMatch(new RegExp(`^Points earned +\\+${quote.points}$`, 'm'));
    expect(text).toMatch(new RegExp(`^Balance +${quote.points}$`, 'm'));
    expect(text).toMatch(/^ {2}of which awaiting confirmation +\+\d+$/m);
    for (const l of text.split('\n')) expect(l.length).toBeLessThanOrEqual(40);
  });

  it('prints a reward by name and points paid as tender with their money value', () => {
    const reward = receiptText({ program, op: burnOp(3, { type: 'reward', rewardId: 'tote' }, 200), view: view(), at });
    expect(reward).toMatch(/^Tote bag +-200$/m);
    const tender = receiptText({
      program,
      op: burnOp(4, { type: 'points', points: 250 as Points }, 250),
      view: view(),
      at,
    });
    expect(tender).toMatch(/^Paid with points \(£2\.50\) +-250$/m);
  });

  it('prints a void with its reason and an enrolment with a welcome, and never the whole card number', () => {
    const v = receiptText({ program, op: voidOp(5, opId(3), { reason: 'wrong card scanned' }), view: view(), at });
    expect(v).toContain('Reason: wrong card scanned');
    const e = receiptText({ program, op: enrolOp(1), view: view({ displayed: 0, confirmed: 0 }), at });
    expect(e).toContain('Welcome to the programme!');
    expect(e).toContain('card ****0008');
    expect(e).not.toContain('6280000000000008');
  });

  it("prints a manager's resolution with its action and reason", () => {
    const { kind: _kind, targetOpId: _target, ...common } = voidOp(6, opId(3));
    const text = receiptText({
      program,
      op: {
        ...common,
        kind: 'resolve',
        conflictId: 'c1',
        action: 'write-off',
        reason: 'double redemption',
        manager: 'Morgan',
      },
      view: view({ displayed: 0, confirmed: 0 }),
      at,
    });
    expect(text).toMatch(/^Balance review +write-off$/m);
    expect(text).toContain('Reason: double redemption');
  });
});

describe('the closing on receipts and in the messages', () => {
  const at = Date.UTC(2025, 2, 14, 9, 30, 0);
  /** Earning stops at midnight ending 20 March, burning at midnight ending 31 March; a window from the 21st. */
  const closing: Closing = {
    earnUntil: Date.UTC(2025, 2, 21),
    burnDeadline: Date.UTC(2025, 3, 1),
    burnWindow: {
      startsAt: Date.UTC(2025, 2, 21),
      endsAt: Date.UTC(2025, 3, 1),
      rewards: [{ id: 'mini', name: 'Mini treat', points: 50, kind: 'small' }],
    },
    termsVersion: 'v2',
    conversionPct: 125,
    voucherValidDays: 30,
  };
  const program: Program = { ...baseProgram(), closing };

  it('puts the deadline first while earning runs, and says nothing of it without a time or a closing', () => {
    expect(receiptMessages(program, view(), at)[0]).toBe(
      'The programme is closing: points are earned until 20 March 2025. Use your points by 31 March 2025.',
    );
    expect(receiptMessages(program, view()).join(' ')).not.toContain('closing');
    expect(receiptMessages(baseProgram(), view(), at).join(' ')).not.toContain('Use your points');
  });

  it('once earning stops: the deadline, the window rewards within reach, no points to earn, no campaign', () => {
    const during = Date.UTC(2025, 2, 25);
    const fresh = { ...program, earn: { ...program.earn, campaigns: [] } };
    expect(receiptMessages(fresh, view({ displayed: 60 }), during)).toEqual([
      'Use your points by 31 March 2025.',
      'You can redeem Mini treat (50 points) today.',
    ]);
  });

  it('after the deadline: the programme has closed, nothing to redeem', () => {
    expect(receiptMessages(program, view({ displayed: 600 }), Date.UTC(2025, 3, 1))).toEqual([
      'The programme has closed: points could be used until 31 March 2025.',
    ]);
  });

  it('keeps points to the next reward while earning runs', () => {
    expect(receiptMessages(program, view(), at)).toContain('120 points to your next reward: £5 off.');
  });
});

describe('tier reached', () => {
  it('says so when the member moved into a higher tier, not otherwise', () => {
    const after = view({ lifetimePoints: 1_900, lifetimeEstimate: 2_100 });
    expect(receiptMessages(baseProgram(), after, undefined, { lifetimePoints: 1_900 })).toContain(
      'Congratulations: you have reached Silver!',
    );
    expect(receiptMessages(baseProgram(), after, undefined, { lifetimePoints: 2_000 }).join(' ')).not.toContain(
      'reached',
    );
    expect(receiptMessages(baseProgram(), after).join(' ')).not.toContain('reached');
  });

  it("an earn's receipt tells the tier reached with the till's lifetime estimate, and prints the new tier", () => {
    const lines = [line(30_000)];
    const quote = quoteEarn(baseProgram(), { lifetimePoints: 1_900, welcomeGiven: true }, lines, 0);
    const text = receiptText({
      program: baseProgram(),
      op: earnOp(8, lines, { quotedPoints: quote.points }),
      view: view({ lifetimePoints: 1_900, lifetimeEstimate: 1_900 + quote.points, displayed: 380 + quote.points }),
      quote,
      at: Date.UTC(2025, 2, 14),
    });
    expect(text).toMatch(/^Tier +Silver$/m);
    expect(text.replace(/\n/g, ' ')).toContain('Congratulations: you have reached Silver!');
    // Without the estimate (a view that knows only the confirmed points) nothing is claimed.
    const plain = receiptText({
      program: baseProgram(),
      op: earnOp(8, lines, { quotedPoints: quote.points }),
      view: view({ lifetimePoints: 2_100 }),
      quote,
      at: Date.UTC(2025, 2, 14),
    });
    expect(plain).not.toContain('reached');
  });
});

describe('receipts of the closing ops', () => {
  const program: Program = {
    ...baseProgram(),
    closing: {
      earnUntil: Date.UTC(2025, 2, 1),
      burnDeadline: Date.UTC(2025, 3, 1),
      conversionPct: 120,
      voucherValidDays: 30,
      termsVersion: 'v2',
    },
  };
  const at = Date.UTC(2025, 2, 14, 9, 30, 0);
  const common = () => {
    const { kind: _kind, targetOpId: _target, reason: _reason, ...c } = voidOp(9, opId(3));
    return { ...c, at };
  };

  it('prints a conversion as a gift voucher: points, face value, value, code and last valid day', () => {
    const code = makeVoucherCode(new Uint8Array(12).fill(7));
    const op: ConvertOp = {
      ...common(),
      kind: 'convert',
      points: 380 as Points,
      valueCents: 456 as Cents,
      voucherCode: code,
    };
    const text = receiptText({ program, op, view: view({ confirmed: 0, displayed: 0 }), at });
    expect(text).toMatch(/^Points converted +-380$/m);
    expect(text).toMatch(/^ {2}face value +£3\.80$/m);
    expect(text).toContain('GIFT VOUCHER');
    expect(text).toMatch(/^Value +£4\.56$/m);
    expect(text).toContain(`Code:\n  ${code}`);
    expect(text).toMatch(/^Valid until +13 April 2025$/m);
    expect(text).toMatch(/^Balance +0$/m);
    for (const l of text.split('\n')) expect(l.length).toBeLessThanOrEqual(40);
    // The ledger's own validity, when the till knows it, wins.
    const given = receiptText({ program, op, view: view(), at, voucherValidUntil: Date.UTC(2025, 3, 20) });
    expect(given).toMatch(/^Valid until +19 April 2025$/m);
    expect(voucherLines(program, op)).toContain(`  ${code}`);
    expect(voucherValidUntil(program, op)).toBe(at + 30 * 86_400_000);
  });

  it('prints a terms answer, and a burn of a window reward by its name', () => {
    const terms = receiptText({
      program,
      op: { ...common(), kind: 'terms', termsVersion: 'v2', answer: 'refused' },
      view: view(),
      at,
    });
    expect(terms).toMatch(/^New programme terms v2 +refused$/m);
    const windowed: Program = {
      ...program,
      closing: {
        ...program.closing!,
        burnWindow: {
          startsAt: 0,
          endsAt: Date.UTC(2025, 3, 1),
          rewards: [{ id: 'mini', name: 'Mini treat', points: 50, kind: 'small' }],
        },
      },
    };
    const burn = receiptText({
      program: windowed,
      op: burnOp(10, { type: 'reward', rewardId: 'mini' }, 50),
      view: view(),
      at,
    });
    expect(burn).toMatch(/^Mini treat +-50$/m);
  });
});
