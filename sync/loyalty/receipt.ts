/**
 * What the till prints and tells the member after an op: the messages ("120 points to your next reward", the
 * closing's deadline, a tier reached) and the receipt text, with the gift voucher of a conversion. Pure, no I/O: the
 * till passes in the program, the member as it sees it and the op it journaled. Worded in the program's locale
 * (`localeOf(program)`, i18n/).
 */
import { assertNever } from './assert-never.ts';
import { tenderValue } from './burn.ts';
import { deadlineMessage, earnAllowed, rewardsAt } from './closing.ts';
import type { EarnQuote } from './earn.ts';
import { tierFor } from './earn.ts';
import { expiryNotice, type UpcomingExpiry } from './expiry-reminders.ts';
import { localeOf } from './i18n/locale.ts';
import { messages, type Messages } from './i18n/messages.ts';
import type { ConvertOp, Op } from './ops.ts';
import type { Program, Reward, Tier } from './program.ts';
import type { Points } from './units.ts';
import { validUntilOfVoucher } from './voucher-validity.ts';

/** The member as the receipt needs it (the till's MemberView fits). */
export interface ReceiptMember {
  name: string;
  card: string;
  /** Balance the ledger last confirmed. */
  confirmed: number;
  /** Effect of the till's ops the ledger has not confirmed yet. */
  pending: number;
  /** confirmed + pending. */
  displayed: number;
  /** Lifetime points the ledger confirmed. */
  lifetimePoints: number;
  /**
   * Lifetime points with this till's unconfirmed earns (the till's MemberView has it): the tier the member is heading
   * for. Absent: `lifetimePoints`.
   */
  lifetimeEstimate?: number;
  /** The soonest expiring points as the ledger last said (the till's MemberView has it); absent or null: none known. */
  nextExpiry?: UpcomingExpiry | null;
}

/** The lifetime points that place the member in a tier, as the till best knows them. */
const tierPoints = (m: Pick<ReceiptMember, 'lifetimePoints' | 'lifetimeEstimate'>): number =>
  m.lifetimeEstimate ?? m.lifetimePoints;
const tierRank = (program: Program, tier: Tier): number => program.tiers.findIndex((t) => t.name === tier.name);

export interface NextReward {
  reward: Reward;
  /** Points still missing (> 0). */
  missing: Points;
}

/**
 * The cheapest reward the balance does not reach yet, and how many points are missing; undefined when the balance
 * reaches every reward (or the catalogue is empty). `rewards` defaults to the program's catalogue.
 */
export function pointsToNextReward(
  program: Program,
  balance: number,
  rewards: readonly Reward[] = program.rewards,
): NextReward | undefined {
  let best: Reward | undefined;
  for (const r of rewards) if (r.points > balance && (!best || r.points < best.points)) best = r;
  return best ? { reward: best, missing: (best.points - Math.max(0, balance)) as Points } : undefined;
}

/** The program's words and formats. */
const wordsOf = (program: Program): Messages => messages(localeOf(program));

/**
 * Messages for the member, most useful first: the closing's deadline (with `at`), points about to expire (with `at`,
 * within the program's largest expiry reminder window), a tier reached by the op (when
 * `before` is the member before it and the tier rose), what can be redeemed now or what is missing for the next
 * reward, the next tier, campaigns running at `at`, and points still waiting for the ledger's confirmation.
 * With `at`, the closing applies: the burn window's rewards count while it runs, nothing is redeemable after the
 * burn deadline, and once earning has stopped nothing is said about points still to earn.
 */
export function receiptMessages(
  program: Program,
  member: ReceiptMember,
  at?: number,
  before?: Pick<ReceiptMember, 'lifetimePoints' | 'lifetimeEstimate'>,
): string[] {
  const m = wordsOf(program);
  const out: string[] = [];
  const deadline = at === undefined ? undefined : deadlineMessage(program, at, m);
  if (deadline) out.push(deadline);
  const balance = member.displayed;
  // Within the largest reminder window: "N points expire on D", N at most the balance the cashier sees.
  const expiring =
    at === undefined ? undefined : expiryNotice(member.nextExpiry, program.expiryReminderDays, at, balance, m);
  if (expiring) out.push(`${expiring}.`);
  if (balance < 0) out.push(m.t('receipt.overdrawn', { points: -balance }));
  const tier = tierFor(program, tierPoints(member));
  if (before && tierRank(program, tier) > tierRank(program, tierFor(program, tierPoints(before))))
    out.push(m.t('receipt.tierReached', { tier: tier.label }));
  const rewards = at === undefined ? program.rewards : rewardsAt(program, at);
  const earning = at === undefined || earnAllowed(program, at);
  const affordable = rewards.filter((r) => r.points <= balance).sort((a, b) => b.points - a.points);
  const top = affordable[0];
  if (top) out.push(m.t('receipt.canRedeem', { reward: top.name, points: top.points }));
  const next = earning ? pointsToNextReward(program, balance, rewards) : undefined;
  if (next) out.push(m.t('receipt.toNextReward', { points: next.missing, reward: next.reward.name }));
  const nextTier = earning ? program.tiers.find((t) => t.minPoints > tierPoints(member)) : undefined;
  if (nextTier)
    out.push(
      m.t('receipt.toNextTier', {
        points: nextTier.minPoints - tierPoints(member),
        next: nextTier.label,
        tier: tier.label,
      }),
    );
  if (at !== undefined && earning) {
    for (const c of program.earn.campaigns)
      if (at >= c.startsAt && at < c.endsAt)
        out.push(m.t('receipt.campaign', { campaign: c.name, day: m.day(c.endsAt - 1) }));
  }
  if (member.pending !== 0) out.push(m.t('receipt.awaiting', { points: Math.abs(member.pending) }));
  return out;
}

// Dates are printed in UTC, so that every till prints the same day for the same instant (Messages.day, .stamp).

const WIDTH = 40;
const rule = '-'.repeat(WIDTH);
/** A label on the left and a figure on the right, on one receipt line. */
function row(label: string, figure: string): string {
  const room = WIDTH - figure.length - 1;
  const l = label.length > room ? `${label.slice(0, room - 1)}~` : label;
  return `${l.padEnd(room)} ${figure}`;
}

/** Wraps `text` to the receipt width on spaces. */
function wrap(text: string): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && line.length + 1 + word.length > WIDTH) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines;
}

export interface ReceiptInput {
  program: Program;
  storeName?: string;
  op: Op;
  /** The member after the op. */
  view: ReceiptMember;
  /** The earn quote, for an earn: its breakdown is printed. */
  quote?: EarnQuote;
  /** When the receipt is printed (the till's clock, advisory). */
  at: number;
  /** For a conversion: when the voucher stops being valid; default: the op's time plus the closing's validity. */
  voucherValidUntil?: number;
}

/** When a conversion's voucher stops being valid, as the till works it out (the ledger counts from its own time). */
export function voucherValidUntil(program: Program, op: Pick<ConvertOp, 'at'>): number {
  return validUntilOfVoucher(program, op.at);
}

/**
 * The gift voucher as printed: value, the points and their face value, the code on a line of its own and the last
 * day it is valid. For the receipt of a conversion and for a reprint from the manager's screen.
 */
export function voucherLines(
  program: Program,
  op: Pick<ConvertOp, 'points' | 'valueCents' | 'voucherCode' | 'at'>,
  validUntil = voucherValidUntil(program, op),
): string[] {
  const m = wordsOf(program);
  const money = (cents: number) => m.money(cents, program.currency);
  return [
    row(m.t('receipt.pointsConverted'), m.signed(-op.points)),
    row(`  ${m.t('receipt.faceValue')}`, money(tenderValue(program, op.points))),
    rule,
    m.t('receipt.giftVoucher'),
    row(m.t('receipt.value'), money(op.valueCents)),
    m.t('receipt.code'),
    `  ${op.voucherCode}`,
    row(m.t('receipt.validUntil'), m.day(validUntil - 1)),
  ];
}

/** The loyalty part of a till receipt, 40 columns of plain text. */
export function receiptText(input: ReceiptInput): string {
  const { program, op, view, quote, at } = input;
  const m = wordsOf(program);
  const money = (cents: number) => m.money(cents, program.currency);
  const signed = m.signed;
  const reason = (r: string) => wrap(m.t('receipt.reason', { reason: r }));
  const lines: string[] = [program.name];
  if (input.storeName) lines.push(input.storeName);
  lines.push(m.stamp(at), m.t('receipt.tillOp', { till: op.tillId, seq: String(op.seq) }), rule);
  lines.push(row(view.name, m.t('receipt.card', { card: maskCard(view.card) })));
  switch (op.kind) {
    case 'earn': {
      const spend = op.lines.reduce((s, l) => s + l.amountCents, 0);
      lines.push(row(m.t('receipt.spend'), money(spend)));
      for (const l of quote?.breakdown ?? []) lines.push(row(`  ${l.label}`, signed(l.points)));
      lines.push(row(m.t('receipt.pointsEarned'), signed(quote?.points ?? op.quotedPoints)));
      break;
    }
    case 'burn': {
      const what = op.what;
      const catalogue = [...program.rewards, ...(program.closing?.burnWindow?.rewards ?? [])];
      const reward = what.type === 'reward' ? catalogue.find((r) => r.id === what.rewardId) : undefined;
      lines.push(
        reward
          ? row(reward.name, signed(-op.points))
          : row(m.t('receipt.paidWithPoints', { value: money(tenderValue(program, op.points)) }), signed(-op.points)),
      );
      break;
    }
    case 'void':
      lines.push(row(m.t('receipt.cancelledOp'), op.targetOpId.slice(-8)));
      lines.push(...reason(op.reason));
      break;
    case 'refund': {
      const what = op.what;
      const cents =
        what.by === 'amount'
          ? what.amountCents
          : what.by === 'lines'
            ? what.lines.reduce((s, l) => s + l.amountCents, 0)
            : 0;
      lines.push(
        row(m.t(what.by === 'reward' ? 'receipt.rewardReturned' : 'receipt.refundOf'), op.targetOpId.slice(-8)),
      );
      if (cents > 0) lines.push(row(`  ${m.t('receipt.refunded')}`, money(cents)));
      lines.push(...reason(op.reason));
      break;
    }
    case 'enrol':
      lines.push(m.t('receipt.welcome'));
      break;
    case 'resolve':
      lines.push(row(m.t('receipt.balanceReview'), op.action));
      lines.push(...reason(op.reason));
      break;
    case 'terms':
      lines.push(
        row(m.t('receipt.newTerms', { version: op.termsVersion }), m.t('receipt.termsAnswer', { answer: op.answer })),
      );
      break;
    case 'convert':
      lines.push(...voucherLines(program, op, input.voucherValidUntil));
      break;
    case 'expire':
      lines.push(m.t('receipt.expired'));
      break;
    case 'adjust':
      lines.push(row(m.t('receipt.adjustment'), signed(op.points)));
      lines.push(...reason(op.reason));
      break;
    case 'consent':
      lines.push('Marketing preferences updated');
      break;
    case 'merge-out':
    case 'merge-in':
      lines.push(row('Accounts merged', signed(op.points)));
      break;
    default:
      assertNever(op, 'op kind');
  }
  lines.push(rule, row(m.t('receipt.balance'), m.number(view.displayed)));
  if (view.pending !== 0) lines.push(row(`  ${m.t('receipt.ofWhichAwaiting')}`, signed(view.pending)));
  lines.push(row(m.t('receipt.tier'), tierFor(program, tierPoints(view)).label));
  // Only an earn raises lifetime points: before it, the estimate (which includes it) was the points earned fewer.
  const earned = op.kind === 'earn' ? (quote?.points ?? op.quotedPoints) : 0;
  const before =
    earned > 0 && view.lifetimeEstimate !== undefined
      ? { lifetimePoints: view.lifetimePoints, lifetimeEstimate: view.lifetimeEstimate - earned }
      : undefined;
  const messages = receiptMessages(program, view, at, before);
  if (messages.length > 0) {
    lines.push(rule);
    for (const m of messages) lines.push(...wrap(m));
  }
  return lines.join('\n');
}

/** Only the last four characters of a card are printed: a receipt is not an identity document. */
function maskCard(card: string): string {
  return card.length <= 4 ? card : `****${card.slice(-4)}`;
}
