import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { quoteEarn } from '../../../sync/loyalty/earn.ts';
import { pointsToNextReward, receiptMessages, receiptText } from '../../../sync/loyalty/receipt.ts';
import type { ReceiptMember } from '../../../sync/loyalty/receipt.ts';
import type { Points } from '../../../sync/loyalty/units.ts';
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
