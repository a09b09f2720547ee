/**
 * The effect of one op on one member, as the ledger decides it. Pure: the caller loads the state, applies ops in
 * per-till order and writes the results. The till uses the same functions to estimate its unconfirmed ops.
 */
import { assertNever } from './assert-never.ts';
import { consentRecords, type ConsentRecord } from './consent.ts';
import { quoteEarn } from './earn.ts';
import { burnAllowed, checkVoucherCode, conversionAllowed, earnAllowed, priceBurnAt, voucherValue } from './closing.ts';
import type { Op, OpOutcome, RejectCode, ResolveOp } from './ops.ts';
import type { Program } from './program.ts';
import { NOTHING_REFUNDED, refundOfBurn, refundOfSale, saleAmount, type Refunded } from './refund.ts';
import type { Card, Cents, MemberId, OpId, Points } from './units.ts';
import { validUntilOfVoucher } from './voucher-validity.ts';

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
  /** The member this one was merged into (a `merge-out`): it takes no op of its own from then on. */
  mergedInto?: MemberId | null | undefined;
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
  /** What its refunds added up to so far; absent: none. */
  refunded?: Refunded | undefined;
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
  /** For a void or a refund: the op it targets, if the ledger has it. */
  target?: AppliedOp | undefined;
  /** Effective time of the op on the ledger's clock (the till's time corrected for skew). */
  at: number;
  /** Makes the id of a new conflict. */
  newConflictId: () => string;
}

/**
 * What an op does besides moving the member's balance, as data: the ledger carries each out (rows to write) and
 * decides nothing more. A closed union: an effect added here fails to compile where the ledger carries them out.
 */
export type Effect =
  /** An enrol: the card is the member's now, and the enrolling store holds the member. */
  | { type: 'hold'; card: Card }
  /** A void: its target is reversed (it cannot be reversed again). */
  | { type: 'reverse'; targetOpId: OpId }
  /** A refund: `cents` of the target's amount and `points` refunded by this op, recorded against the target. */
  | { type: 'refund'; targetOpId: OpId; cents: Cents; points: Points }
  /** An overdrawn burn, or a void or refund of spent points: a conflict for the manager, named `conflictId`. */
  | { type: 'raise-conflict'; conflictId: string; shortfall: Points }
  /** A resolve: the conflict is resolved or escalated, with the manager's action and reason. */
  | {
      type: 'resolve-conflict';
      conflictId: string;
      status: 'resolved' | 'escalated';
      resolution: Pick<ResolveOp, 'action' | 'manager' | 'reason'>;
    }
  /** A merge-in: the stores that held the dropped member `from` hold the kept member from now on. */
  | { type: 'take-holds'; from: MemberId }
  /** An enrol with consent: the consent records to append to the member's history. */
  | { type: 'record-consent'; records: ConsentRecord[] }
  /** A convert: the gift voucher issued. */
  | {
      type: 'issue-voucher';
      code: string;
      points: Points;
      valueCents: Cents;
      currency: string;
      issuedAt: number;
      validUntil: number;
    };

/** The consent an enrol carries, recorded at its till at the op's effective time. */
function enrolConsent(op: Extract<Op, { kind: 'enrol' }>, at: number): Effect[] {
  if (!op.consent) return [];
  const { method, ...change } = op.consent;
  const records = consentRecords(op.memberId, change, {
    at,
    place: `${op.storeId}/${op.tillId}`,
    method,
    opId: op.opId,
  });
  return records.length > 0 ? [{ type: 'record-consent', records }] : [];
}

/** The consent a consent op carries: at its till, or (through head office's till) the member's or head office's. */
function consentOpRecords(op: Extract<Op, { kind: 'consent' }>, at: number): Effect[] {
  const where =
    op.method === 'member-channel'
      ? { place: 'member', method: 'member-channel' as const }
      : op.method === 'head-office'
        ? { place: 'head-office', method: 'head-office' as const }
        : { place: `${op.storeId}/${op.tillId}`, method: op.method };
  const records = consentRecords(op.memberId, op.consent, { at, ...where, opId: op.opId });
  return records.length > 0 ? [{ type: 'record-consent', records }] : [];
}

export interface ApplyResult {
  outcome: OpOutcome;
  /** The member after the op; absent when nothing changed. */
  member?: MemberState;
  /** What the op does besides the balance, in no particular order; none for a rejected op. */
  effects: Effect[];
}

const reject = (code: RejectCode): ApplyResult => ({ outcome: { status: 'rejected', code }, effects: [] });
const appliedNoChange: () => ApplyResult = () => ({ outcome: { status: 'applied', delta: 0 as Points }, effects: [] });

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
      effects: [{ type: 'hold', card: op.card }, ...enrolConsent(op, input.at)],
    };
  }
  if (!member) return reject('UNKNOWN_MEMBER');
  // A merged member's ops land on the member it was merged into (the ledger redirects them): one still here is a
  // second merge of it.
  if (member.mergedInto) return reject('MEMBER_MERGED');

  switch (op.kind) {
    case 'consent':
      return {
        outcome: { status: 'applied', delta: 0 as Points },
        member: { ...member },
        effects: consentOpRecords(op, input.at),
      };
    case 'merge-out': {
      if (op.into === op.memberId) return reject('MEMBER_MISMATCH');
      if (op.points !== member.balance || op.lifetimePoints !== member.lifetimePoints) return reject('BALANCE_CHANGED');
      return {
        outcome: { status: 'applied', delta: (0 - op.points) as Points },
        member: { ...member, balance: 0 as Points, lifetimePoints: 0 as Points, mergedInto: op.into },
        effects: [],
      };
    }
    case 'merge-in': {
      if (op.from === op.memberId) return reject('MEMBER_MISMATCH');
      const consent = op.consent
        ? consentRecords(op.memberId, op.consent, {
            at: input.at,
            place: 'head-office',
            method: 'head-office',
            opId: op.opId,
          })
        : [];
      return {
        outcome: { status: 'applied', delta: op.points },
        member: {
          ...member,
          balance: (member.balance + op.points) as Points,
          lifetimePoints: (member.lifetimePoints + op.lifetimePoints) as Points,
          welcomeGiven: member.welcomeGiven || op.welcomeGiven,
        },
        effects: [
          { type: 'take-holds', from: op.from },
          ...(consent.length > 0 ? [{ type: 'record-consent' as const, records: consent }] : []),
        ],
      };
    }
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
        effects: [],
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
      if (after >= 0) return { outcome: { status: 'applied', delta }, member: next, effects: [] };
      if (op.onOverdraw === 'reject') return reject('INSUFFICIENT_POINTS');
      return raiseConflict(delta, Math.min(op.points, -after) as Points, next, input.newConflictId());
    }
    case 'resolve': {
      const conflict = input.conflict;
      if (!conflict) {
        // After a restore, the burn or void that raised the conflict came back from its till and was covered this
        // time (other ops came back in another order): the conflict never stood on this ledger and the manager's
        // resolution has nothing left to do. It is kept, with no effect, rather than shown as refused.
        const raiser = input.conflictRaiser;
        if (raiser && dissolvedConflict(raiser, op.memberId)) return appliedNoChange();
        return reject('UNKNOWN_CONFLICT');
      }
      if (conflict.memberId !== op.memberId) return reject('UNKNOWN_CONFLICT');
      if (conflict.status === 'resolved') return reject('ALREADY_RESOLVED');
      const resolved: Effect = {
        type: 'resolve-conflict',
        conflictId: op.conflictId,
        status: op.action === 'escalate' ? 'escalated' : 'resolved',
        resolution: { action: op.action, manager: op.manager, reason: op.reason },
      };
      if (op.action !== 'write-off') return { ...appliedNoChange(), effects: [resolved] };
      // Only what is still owed is written off: points the member earned back since are theirs.
      const credit = Math.min(conflict.shortfall, Math.max(0, -member.balance));
      return {
        outcome: { status: 'applied', delta: credit as Points },
        member: { ...member, balance: (member.balance + credit) as Points },
        effects: [resolved],
      };
    }
    case 'terms': {
      const version = rules.closing?.termsVersion;
      if (version === undefined || op.termsVersion !== version) return reject('UNKNOWN_TERMS');
      return {
        outcome: { status: 'applied', delta: 0 as Points },
        member: { ...member, terms: { version, answer: op.answer, at: input.at } },
        effects: [],
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
        effects: [
          {
            type: 'issue-voucher',
            code: op.voucherCode,
            points: op.points,
            valueCents: op.valueCents,
            currency: rules.currency,
            issuedAt: input.at,
            validUntil: validUntilOfVoucher(rules, input.at),
          },
        ],
      };
    }
    case 'expire': {
      const gone = input.expiring ?? 0;
      if (gone === 0) return appliedNoChange();
      return {
        outcome: { status: 'applied', delta: (0 - gone) as Points },
        member: { ...member, balance: (member.balance - gone) as Points },
        effects: [],
      };
    }
    case 'adjust': {
      const after = member.balance + op.points;
      if (op.points < 0 && after < 0) return reject('INSUFFICIENT_POINTS');
      return {
        outcome: { status: 'applied', delta: op.points },
        member: { ...member, balance: after as Points },
        effects: [],
      };
    }
    case 'void': {
      const target = input.target;
      if (!target || target.outcome.status === 'rejected') return reject('NOTHING_TO_REVERSE');
      if (target.op.kind !== 'earn' && target.op.kind !== 'burn') return reject('NOT_REVERSIBLE');
      if (target.op.memberId !== op.memberId) return reject('MEMBER_MISMATCH');
      if (target.reversedBy) return reject('ALREADY_REVERSED');
      // A sale refunded in part is voided for the rest: the refunds took their points back already.
      const refunded = target.refunded ?? NOTHING_REFUNDED;
      if (target.op.kind === 'earn' && refunded.cents > 0 && refunded.cents >= saleAmount(target.op))
        return reject('ALREADY_REVERSED');
      // A returned reward gave the burn's points back already.
      if (target.op.kind === 'burn' && refunded.points > 0) return reject('ALREADY_REVERSED');
      // `0 -` rather than unary minus: reversing a 0-point earn gives 0, not -0.
      const delta = (0 - (target.outcome.delta - refunded.points)) as Points;
      const lifetime = target.op.kind === 'earn' ? member.lifetimePoints + delta : member.lifetimePoints;
      const after = member.balance + delta;
      const next = { ...member, balance: after as Points, lifetimePoints: lifetime as Points };
      const reverse: Effect = { type: 'reverse', targetOpId: op.targetOpId };
      // Voiding an earn whose points were already spent is still recorded (the sale was voided), and raised.
      if (delta < 0 && after < 0) {
        const raised = raiseConflict(delta, Math.min(0 - delta, -after) as Points, next, input.newConflictId());
        return { ...raised, effects: [reverse, ...raised.effects] };
      }
      return { outcome: { status: 'applied', delta }, member: next, effects: [reverse] };
    }
    case 'refund': {
      const target = input.target;
      if (!target || target.outcome.status === 'rejected') return reject('NOTHING_TO_REVERSE');
      if (target.op.kind !== 'earn' && target.op.kind !== 'burn') return reject('NOT_REVERSIBLE');
      if (target.op.memberId !== op.memberId) return reject('MEMBER_MISMATCH');
      if (target.reversedBy) return reject('ALREADY_REVERSED');
      const before = target.refunded ?? NOTHING_REFUNDED;
      const decided =
        target.op.kind === 'earn'
          ? refundOfSale(target.op, target.outcome.delta, before, op.what)
          : refundOfBurn(target.op, before, op.what);
      if (!decided.ok) return reject(decided.code);
      const recorded: Effect = {
        type: 'refund',
        targetOpId: op.targetOpId,
        cents: decided.cents,
        points: decided.points,
      };
      if (target.op.kind === 'burn') {
        // A returned reward: its points given back, recorded against the burn (a void or refund after it is refused
        // ALREADY_REVERSED). Not a `reverse`: the audit holds reversed_by to voids.
        return {
          outcome: { status: 'applied', delta: decided.points },
          member: { ...member, balance: (member.balance + decided.points) as Points },
          effects: [recorded],
        };
      }
      const delta = (0 - decided.points) as Points;
      const after = member.balance + delta;
      const next = {
        ...member,
        balance: after as Points,
        lifetimePoints: (member.lifetimePoints + delta) as Points,
      };
      // As a void: points of the returned goods already spent are still taken back, and raised.
      if (delta < 0 && after < 0) {
        const raised = raiseConflict(delta, Math.min(0 - delta, -after) as Points, next, input.newConflictId());
        return { ...raised, effects: [recorded, ...raised.effects] };
      }
      return { outcome: { status: 'applied', delta }, member: next, effects: [recorded] };
    }
    default:
      return assertNever(op, 'op kind');
  }
}

/** An op recorded although it overdraws the member: applied, and raised as a conflict for the manager. */
function raiseConflict(delta: Points, shortfall: Points, member: MemberState, conflictId: string): ApplyResult {
  return {
    outcome: { status: 'conflict', delta, conflictId, shortfall },
    member,
    effects: [{ type: 'raise-conflict', conflictId, shortfall }],
  };
}

/** Whether `raiser` is a burn, void or refund of `memberId` that the ledger decided without raising a conflict. */
function dissolvedConflict(raiser: AppliedOp, memberId: MemberId): boolean {
  const kind = raiser.op.kind;
  return (
    (kind === 'burn' || kind === 'void' || kind === 'refund') &&
    raiser.op.memberId === memberId &&
    raiser.outcome.status !== 'conflict'
  );
}
