/**
 * What the till prints and tells the member after an op: the messages ("120 points to your next reward") and the
 * receipt text. Pure, no I/O: the till passes in the program, the member as it sees it and the op it journaled.
 */
import { tenderValue } from './burn.ts';
import type { EarnQuote } from './earn.ts';
import { tierFor } from './earn.ts';
import type { Op } from './ops.ts';
import type { Program, Reward } from './program.ts';
import type { Points } from './units.ts';

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
  lifetimePoints: number;
}

export interface NextReward {
  reward: Reward;
  /** Points still missing (> 0). */
  missing: Points;
}

/**
 * The cheapest reward the balance does not reach yet, and how many points are missing; undefined when the balance
 * reaches every reward (or the catalogue is empty).
 */
export function pointsToNextReward(program: Program, balance: number): NextReward | undefined {
  let best: Reward | undefined;
  for (const r of program.rewards) if (r.points > balance && (!best || r.points < best.points)) best = r;
  return best ? { reward: best, missing: (best.points - Math.max(0, balance)) as Points } : undefined;
}

const n = (x: number): string => x.toLocaleString('en-GB');
const plural = (x: number, one: string, many = `${one}s`): string => `${n(x)} ${Math.abs(x) === 1 ? one : many}`;

/**
 * Messages for the member, most useful first: what can be redeemed now or what is missing for the next reward, the
 * next tier, campaigns running at `at`, and points still waiting for the ledger's confirmation.
 */
export function receiptMessages(program: Program, member: ReceiptMember, at?: number): string[] {
  const out: string[] = [];
  const balance = member.displayed;
  if (balance < 0) out.push(`Balance overdrawn by ${plural(-balance, 'point')}: see the store manager.`);
  const affordable = program.rewards.filter((r) => r.points <= balance).sort((a, b) => b.points - a.points);
  const top = affordable[0];
  if (top) out.push(`You can redeem ${top.name} (${plural(top.points, 'point')}) today.`);
  const next = pointsToNextReward(program, balance);
  if (next) out.push(`${plural(next.missing, 'point')} to your next reward: ${next.reward.name}.`);
  const tier = tierFor(program, member.lifetimePoints);
  const nextTier = program.tiers.find((t) => t.minPoints > member.lifetimePoints);
  if (nextTier)
    out.push(
      `${plural(nextTier.minPoints - member.lifetimePoints, 'point')} to ${nextTier.label} (now ${tier.label}).`,
    );
  if (at !== undefined) {
    for (const c of program.earn.campaigns)
      if (at >= c.startsAt && at < c.endsAt) out.push(`${c.name}, until ${dateOf(c.endsAt - 1)}.`);
  }
  if (member.pending !== 0)
    out.push(`${plural(Math.abs(member.pending), 'point')} awaiting confirmation from head office.`);
  return out;
}

/** A date as printed on a receipt (UTC, so that every till prints the same day for the same instant). */
function dateOf(ms: number): string {
  return new Date(ms).toLocaleDateString('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' });
}

function timeOf(ms: number): string {
  const d = new Date(ms);
  return `${d.toLocaleDateString('en-GB', { timeZone: 'UTC' })} ${d.toLocaleTimeString('en-GB', { timeZone: 'UTC' })} UTC`;
}

function money(program: Program, cents: number): string {
  return new Intl.NumberFormat('en-GB', { style: 'currency', currency: program.currency }).format(cents / 100);
}

const WIDTH = 40;
const rule = '-'.repeat(WIDTH);
/** A label on the left and a figure on the right, on one receipt line. */
function row(label: string, figure: string): string {
  const room = WIDTH - figure.length - 1;
  const l = label.length > room ? `${label.slice(0, room - 1)}~` : label;
  return `${l.padEnd(room)} ${figure}`;
}
const signed = (x: number): string => (x > 0 ? `+${n(x)}` : n(x));

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
}

/** The loyalty part of a till receipt, 40 columns of plain text. */
export function receiptText(input: ReceiptInput): string {
  const { program, op, view, quote, at } = input;
  const lines: string[] = [program.name];
  if (input.storeName) lines.push(input.storeName);
  lines.push(timeOf(at), `Till ${op.tillId}  op #${op.seq}`, rule);
  lines.push(row(view.name, `card ${maskCard(view.card)}`));
  switch (op.kind) {
    case 'earn': {
      const spend = op.lines.reduce((s, l) => s + l.amountCents, 0);
      lines.push(row('Spend', money(program, spend)));
      for (const l of quote?.breakdown ?? []) lines.push(row(`  ${l.label}`, signed(l.points)));
      lines.push(row('Points earned', signed(quote?.points ?? op.quotedPoints)));
      break;
    }
    case 'burn': {
      const what = op.what;
      const reward = what.type === 'reward' ? program.rewards.find((r) => r.id === what.rewardId) : undefined;
      lines.push(
        reward
          ? row(reward.name, signed(-op.points))
          : row(`Paid with points (${money(program, tenderValue(program, op.points))})`, signed(-op.points)),
      );
      break;
    }
    case 'void':
      lines.push(row('Cancelled op', op.targetOpId.slice(-8)));
      lines.push(...wrap(`Reason: ${op.reason}`));
      break;
    case 'enrol':
      lines.push('Welcome to the programme!');
      break;
    case 'resolve':
      lines.push(row('Balance review', op.action));
      lines.push(...wrap(`Reason: ${op.reason}`));
      break;
  }
  lines.push(rule, row('Balance', n(view.displayed)));
  if (view.pending !== 0) lines.push(row('  of which awaiting confirmation', signed(view.pending)));
  lines.push(row('Tier', tierFor(program, view.lifetimePoints).label));
  const messages = receiptMessages(program, view, at);
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
