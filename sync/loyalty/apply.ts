/**
 * The effect of one op on one member, as the ledger decides it. Pure: the caller loads the state, applies ops in
 * per-till order and writes the results. The till uses the same functions to estimate its unconfirmed ops.
 */
import { quoteEarn } from './earn.ts';
import { burnAllowed, checkVoucherCode, conversionAllowed, earnAllowed, priceBurnAt, voucherValue } from './closing.ts';
import type { Op, OpOutcome, RejectCode } from './ops.ts';
import type { Program } from './program.ts';
import type { Card, MemberId, OpId, Points } from './units.ts';

export interface MemberState {
  memberId: MemberId;
  card: Card;
  name: string;
  balance: Points;
  /** Points ever earned (net of reversed earns); drives tiers. */
  lifetimePoints: Points;
  welcomeGiven: boolean;
  /** The member's last answer to the new program's terms; absent or null when never asked. */
  terms?: MemberTerms | null | undefined;
}

export interface MemberTerms {
  version: string;
  answer: 'accepted' | 'refused';
  at: number;
}

/** A previously applied op, as needed to reverse it. */
export interface AppliedOp {
  op: Op;
  outcome: OpOutcome;
  reversedBy: OpId | null;
}

/** A conflict as a resolution needs it. */
export interface ConflictState {
  memberId: MemberId;
  shortfall: Points;
  status: 'open' | 'escalated' | 'resolved';
}

export interface ApplyInput {
  op: Op;
  /** The program of `op.programVersion`, if the ledger has it. */
  program: Program | undefined;
  /**
   * The newest program: its closing (earn and burn deadlines, terms, conversion) binds every op whatever version the
   * till quoted under, since a till may learn of the closing late. Absent: `program` stands for it.
   */
  latest?: Program | undefined;
  /** For an expire: the points the member's lots give up as of `op.asOf` (the ledger works them out). */
  expiring?: number | undefined;
  /** For a convert: whether the voucher code is used already. */
  voucherCodeTaken?: boolean | undefined;
  /** The member `op.memberId` as it stands, if known. */
  member: MemberState | undefined;
  /** For an enrol: the member that holds `op.card` already, if any. */
  cardHolder?: MemberId | undefined;
  /** For a resolve: the conflict it resolves, if the ledger has it. */
  conflict?: ConflictState | undefined;
  /**
   * For a resolve the ledger has no conflict for: the op the conflict was named after (a conflict's id is the id of
   * the burn or void that raised it), if the ledger has that op.
   */
  conflictRaiser?: AppliedOp | undefined;
  /** For a void: the op it targets, if the ledger has it. */
  target?: AppliedOp | undefined;
  /** Effective time of the op on the ledger's clock (the till's time corrected for skew). */
  at: number;
  /** Makes the id of a new conflict. */
  newConflictId: () => string;
}

export interface ApplyResult {
  outcome: OpOutcome;
  /** The member after the op; absent when nothing changed. */
  member?: MemberState;
}

const reject = (code: RejectCode): ApplyResult => ({ outcome: { status: 'rejected', code } });

/** Decides one op. Rejections change nothing; an overdrawn offline burn is applied and raised as a conflict. */
export function applyOp(input: ApplyInput): ApplyResult {
  const { op, program, member } = input;
  if (!program) return reject('UNKNOWN_PROGRAM_VERSION');
  const rules = input.latest ?? program;

  if (op.kind === 'enrol') {
    if (member) return reject('MEMBER_EXISTS');
    if (input.cardHolder) return reject('CARD_TAKEN');
    return {
      outcome: { status: 'applied', delta: 0 as Points },
      member: {
        memberId: op.memberId,
        card: op.card,
        name: op.name,
        balance: 0 as Points,
        lifetimePoints: 0 as Points,
        welcomeGiven: false,
      },
    };
  }
  if (!member) return reject('UNKNOWN_MEMBER');

  switch (op.kind) {
    case 'earn': {
      if (!earnAllowed(rules, input.at)) return reject('EARN_CLOSED');
      const quote = quoteEarn(program, member, op.lines, input.at);
      return {
        outcome: { status: 'applied', delta: quote.points },
        member: {
          ...member,
          balance: (member.balance + quote.points) as Points,
          lifetimePoints: (member.lifetimePoints + quote.points) as Points,
          welcomeGiven: member.welcomeGiven || quote.breakdown.some((l) => l.kind === 'welcome'),
        },
      };
    }
    case 'burn': {
      if (!burnAllowed(rules, input.at)) return reject('BURN_CLOSED');
      // The till's version prices its catalogue; a burn window's rewards may only be in the newest version.
      let price = priceBurnAt(program, op.what, input.at);
      if (!price.ok && rules !== program) price = priceBurnAt(rules, op.what, input.at);
      if (!price.ok) return reject(price.code);
      if (price.points !== op.points) return reject('REWARD_PRICE_MISMATCH');
      const after = member.balance - op.points;
      const next = { ...member, balance: after as Points };
      const delta = (0 - op.points) as Points;
      if (after >= 0) return { outcome: { status: 'applied', delta }, member: next };
      if (op.onOverdraw === 'reject') return reject('INSUFFICIENT_POINTS');
      const shortfall = Math.min(op.points, -after) as Points;
      return {
        outcome: { status: 'conflict', delta, conflictId: input.newConflictId(), shortfall },
        member: next,
      };
    }
    case 'resolve': {
      const conflict = input.conflict;
      if (!conflict) {
        // After a restore, the burn or void that raised the conflict came back from its till and was covered this
        // time (other ops came back in another order): the conflict never stood on this ledger and the manager's
        // resolution has nothing left to do. It is kept, with no effect, rather than shown as refused.
        const raiser = input.conflictRaiser;
        if (raiser && dissolvedConflict(raiser, op.memberId))
          return { outcome: { status: 'applied', delta: 0 as Points } };
        return reject('UNKNOWN_CONFLICT');
      }
      if (conflict.memberId !== op.memberId) return reject('UNKNOWN_CONFLICT');
      if (conflict.status === 'resolved') return reject('ALREADY_RESOLVED');
      if (op.action !== 'write-off') return { outcome: { status: 'applied', delta: 0 as Points } };
      // Only what is still owed is written off: points the member earned back since are theirs.
      const credit = Math.min(conflict.shortfall, Math.max(0, -member.balance));
      return {
        outcome: { status: 'applied', delta: credit as Points },
        member: { ...member, balance: (member.balance + credit) as Points },
      };
    }
    case 'terms': {
      const version = rules.closing?.termsVersion;
      if (version === undefined || op.termsVersion !== version) return reject('UNKNOWN_TERMS');
      return {
        outcome: { status: 'applied', delta: 0 as Points },
        member: { ...member, terms: { version, answer: op.answer, at: input.at } },
      };
    }
    case 'convert': {
      const version = rules.closing?.termsVersion;
      if (version !== undefined && member.terms?.version === version && member.terms.answer === 'refused')
        return reject('TERMS_REFUSED');
      if (!conversionAllowed(rules, input.at)) return reject('CONVERSION_NOT_OPEN');
      if (member.balance <= 0) return reject('NOTHING_TO_CONVERT');
      if (op.points !== member.balance) return reject('BALANCE_CHANGED');
      if (op.valueCents !== voucherValue(rules, op.points)) return reject('VOUCHER_VALUE_MISMATCH');
      const code = checkVoucherCode(op.voucherCode);
      if (!code.ok || code.code !== op.voucherCode) return reject('VOUCHER_CODE_INVALID');
      if (input.voucherCodeTaken) return reject('VOUCHER_CODE_TAKEN');
      return {
        outcome: { status: 'applied', delta: (0 - op.points) as Points },
        member: { ...member, balance: 0 as Points },
      };
    }
    case 'expire': {
      const gone = input.expiring ?? 0;
      if (gone === 0) return { outcome: { status: 'applied', delta: 0 as Points } };
      return {
        outcome: { status: 'applied', delta: (0 - gone) as Points },
        member: { ...member, balance: (member.balance - gone) as Points },
      };
    }
    case 'adjust': {
      const after = member.balance + op.points;
      if (op.points < 0 && after < 0) return reject('INSUFFICIENT_POINTS');
      return { outcome: { status: 'applied', delta: op.points }, member: { ...member, balance: after as Points } };
    }
    case 'void': {
      const target = input.target;
      if (!target || target.outcome.status === 'rejected') return reject('NOTHING_TO_REVERSE');
      if (target.op.kind !== 'earn' && target.op.kind !== 'burn') return reject('NOT_REVERSIBLE');
      if (target.op.memberId !== op.memberId) return reject('MEMBER_MISMATCH');
      if (target.reversedBy) return reject('ALREADY_REVERSED');
      // `0 -` rather than unary minus: reversing a 0-point earn gives 0, not -0.
      const delta = (0 - target.outcome.delta) as Points;
      const lifetime = target.op.kind === 'earn' ? member.lifetimePoints + delta : member.lifetimePoints;
      const after = member.balance + delta;
      const next = { ...member, balance: after as Points, lifetimePoints: lifetime as Points };
      // Voiding an earn whose points were already spent is still recorded (the sale was voided), and raised.
      if (delta < 0 && after < 0) {
        const shortfall = Math.min(0 - delta, -after) as Points;
        return { outcome: { status: 'conflict', delta, conflictId: input.newConflictId(), shortfall }, member: next };
      }
      return { outcome: { status: 'applied', delta }, member: next };
    }
  }
}

/** Whether `raiser` is a burn or void of `memberId` that the ledger decided without raising a conflict. */
function dissolvedConflict(raiser: AppliedOp, memberId: MemberId): boolean {
  const kind = raiser.op.kind;
  return (
    (kind === 'burn' || kind === 'void') && raiser.op.memberId === memberId && raiser.outcome.status !== 'conflict'
  );
}
