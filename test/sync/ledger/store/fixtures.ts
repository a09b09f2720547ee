/** Builders for ledger store tests: a program, deterministic ids, stored ops and members. */
import { ProgramSchema } from '../../../../sync/loyalty/program.ts';
import type { Program } from '../../../../sync/loyalty/program.ts';
import type { Op, OpOutcome } from '../../../../sync/loyalty/ops.ts';
import type { Card, MemberId, OpId, Points, StoreId, TillId } from '../../../../sync/loyalty/units.ts';
import { cents, points } from '../../../../sync/loyalty/units.ts';
import type { ImportMember, MemberRecord, StoredOp } from '../../../../sync/ledger/store/types.ts';

export const T0 = 1_700_000_000_000;

/** A lower-case UUID (version 7 shape) from a small number; `space` keeps member and op ids apart. */
function uuid(space: number, n: number): string {
  return `0000000${space}-0000-7000-8000-${n.toString(16).padStart(12, '0')}`;
}
export const memberId = (n: number): MemberId => uuid(1, n) as MemberId;
export const opId = (n: number): OpId => uuid(2, n) as OpId;
export const card = (n: number): Card => `CARD-${String(n).padStart(6, '0')}` as Card;
export const storeId = (s: string): StoreId => s as StoreId;
export const tillId = (s: string): TillId => s as TillId;

export function program(version: number, name = 'Points Plus'): Program {
  return ProgramSchema.parse({
    version,
    name,
    currency: 'GBP',
    earn: { pointsPerUnit: 1, categoryPct: { food: 200 }, campaigns: [], welcomeBonus: 50 },
    tiers: [{ name: 'base', label: 'Base', minPoints: 0, bonusPct: 0 }],
    rewards: [{ id: 'coffee', name: 'Coffee', points: 100, kind: 'small' }],
    tenderCentsPer100Points: 50,
    floorLimits: {
      maxPointsPerOp: 500,
      maxPointsPerMemberPerDay: 1000,
      maxOutstandingOps: 20,
      maxOutstandingPoints: 2000,
    },
    authDeadlineMs: 1500,
    clockToleranceMs: 60_000,
  });
}

export function importRow(n: number, openingBalance = 100, home: StoreId | null = null): ImportMember {
  return {
    memberId: memberId(n),
    card: card(n),
    name: `Member ${n}`,
    email: `m${n}@example.com`,
    postalAddress: `${n} High Street`,
    homeStoreId: home,
    openingBalance: points(openingBalance),
  };
}

export function member(n: number, over: Partial<MemberRecord> = {}): MemberRecord {
  return {
    memberId: memberId(n),
    card: card(n),
    name: `Member ${n}`,
    balance: points(0),
    lifetimePoints: points(0),
    welcomeGiven: false,
    ledgerSeq: 1,
    openingBalance: points(0),
    homeStoreId: null,
    email: null,
    postalAddress: null,
    createdAt: T0,
    terms: null,
    tier: null,
    status: null,
    firstActivityAt: null,
    lastActivityAt: null,
    birthday: null,
    mergedInto: null,
    ...over,
  };
}

interface OpBase {
  n: number;
  till: TillId;
  store: StoreId;
  seq: number;
  member: number;
  ledgerSeq?: number | null;
}

function stored(base: OpBase, op: Op, outcome: OpOutcome): StoredOp {
  return {
    opId: op.opId,
    tillId: op.tillId,
    seq: op.seq,
    memberId: op.memberId,
    kind: op.kind,
    contentHash: `hash-${base.n}`,
    op,
    outcome,
    ledgerSeq: base.ledgerSeq === undefined ? null : base.ledgerSeq,
    reversedBy: null,
    appliedAt: T0 + base.n,
  };
}

function common(b: OpBase) {
  return {
    opId: opId(b.n),
    tillId: b.till,
    storeId: b.store,
    seq: b.seq,
    memberId: memberId(b.member),
    at: T0 + b.n,
    programVersion: 1,
  };
}

export function earn(b: OpBase, delta: number, outcome?: OpOutcome): StoredOp {
  const op: Op = {
    ...common(b),
    kind: 'earn',
    lines: [{ amountCents: cents(delta * 100), category: 'general' }],
    quotedPoints: points(delta),
  };
  return stored(b, op, outcome ?? { status: 'applied', delta: points(delta) });
}

export function burn(b: OpBase, pts: number, outcome: OpOutcome): StoredOp {
  const op: Op = {
    ...common(b),
    kind: 'burn',
    what: { type: 'points', points: points(pts) },
    points: points(pts),
    onOverdraw: 'conflict',
  };
  return stored(b, op, outcome);
}

export function enrol(b: OpBase, n: number): StoredOp {
  const op: Op = { ...common(b), kind: 'enrol', card: card(n), name: `Member ${n}` };
  return stored(b, op, { status: 'applied', delta: points(0) });
}

export function voidOp(b: OpBase, target: OpId, delta: number): StoredOp {
  const op: Op = { ...common(b), kind: 'void', targetOpId: target, reason: 'mistake' };
  return stored(b, op, { status: 'applied', delta: points(delta) });
}

export const pts = (n: number): Points => points(n);
