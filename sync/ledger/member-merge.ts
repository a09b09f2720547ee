/**
 * `ledger member merge KEEP DROP`: two records of one person become one. The dropped member's balance, lifetime
 * points (the tier follows) and lots (each with its own expiry) move to the kept member as two head-office ops in one
 * group, a `merge-out` of DROP and a `merge-in` of KEEP, through the same exactly-once path as every head-office op;
 * both stay in the audit chain. From then on `members.merged_into` (migration 0012) sends DROP's card and the ops
 * tills still make for DROP to KEEP, and the tills drop DROP on their next pull. A merge runs once: a merged member
 * is refused MEMBER_MERGED, as keep or as drop, and nothing changes.
 */
import { z } from 'zod';
import {
  CONSENT_CHANNELS,
  consentState,
  type ConsentChange,
  type ConsentRecord,
  type ConsentState,
} from '../loyalty/consent.ts';
import type { MergeInOp, MergeOutOp } from '../loyalty/ops.ts';
import { MemberIdSchema, type MemberId, type Points } from '../loyalty/units.ts';
import { describeIssues } from '../protocol/messages.ts';
import { CodedError } from '../protocol/errors.ts';
import { applyHeadOfficeOpsIn } from './head-office.ts';
import { isErased } from './merged-members.ts';
import { HEAD_OFFICE_TILL, type LedgerStore } from './store/types.ts';

/** Whose marketing consent the kept member ends with: its own, the dropped member's, or per channel the latest. */
export const MergeConsentSchema = z.enum(['keep', 'drop', 'latest']);
export type MergeConsent = z.infer<typeof MergeConsentSchema>;

export const MergeRequestSchema = z
  .strictObject({
    keep: MemberIdSchema,
    drop: MemberIdSchema,
    why: z.string().trim().min(1).max(200),
    by: z.string().trim().min(1).max(80),
    consent: MergeConsentSchema,
  })
  .refine((r) => r.keep !== r.drop, 'a member cannot be merged into itself');
export type MergeRequest = z.infer<typeof MergeRequestSchema>;

export interface MergeResult {
  keep: MemberId;
  drop: MemberId;
  /** What moved: points (negative: a debt), lifetime points and lots. */
  points: number;
  lifetimePoints: number;
  lots: number;
  /** The kept member after the merge. */
  balance: number;
  tier: string | null;
  /** The consent the kept member took over, per channel (empty: none changed). */
  consent: ConsentChange;
  opIds: { out: string; in: string };
}

/** The consent change that gives `keep` the consent chosen; only the channels that differ. */
export function mergedConsent(
  choice: MergeConsent,
  keep: readonly ConsentRecord[],
  drop: readonly ConsentRecord[],
): ConsentChange {
  if (choice === 'keep') return {};
  const now = consentState(keep);
  // Stable by time: at the same instant the kept member's record comes first, so the dropped one's wins a tie.
  const wanted: ConsentState =
    choice === 'drop' ? consentState(drop) : consentState([...keep, ...drop].sort((a, b) => a.at - b.at));
  const change: ConsentChange = {};
  for (const c of CONSENT_CHANNELS) if (wanted[c] !== now[c]) change[c] = wanted[c];
  return change;
}

/**
 * Merges `drop` into `keep` at `now`. Refused (CodedError, nothing changed): BAD_REQUEST, UNKNOWN_MEMBER,
 * MEMBER_MERGED (either was merged before), MEMBER_ERASED; and any refusal of the ops themselves.
 */
export async function mergeMembers(store: LedgerStore, request: unknown, now: number): Promise<MergeResult> {
  const r = MergeRequestSchema.safeParse(request);
  if (!r.success) throw new CodedError('BAD_REQUEST', `the merge is not valid: ${describeIssues(r.error).join('; ')}.`);
  const { keep, drop, why, by } = r.data;
  const program = await store.latestProgram();
  if (!program) throw new Error('no program is set: run `ledger program set FILE` first');
  const consent = mergedConsent(r.data.consent, await store.consents.history(keep), await store.consents.history(drop));

  return store.transaction(async (tx) => {
    // The head-office till's lock first: no other head-office op runs between these reads and the merge's ops.
    await tx.lockTills([HEAD_OFFICE_TILL]);
    const members = await tx.getMembers([keep, drop]);
    for (const id of [keep, drop]) {
      const m = members.get(id);
      if (!m) throw new CodedError('UNKNOWN_MEMBER', `no member has the id ${id}.`);
      if (m.mergedInto)
        throw new CodedError(
          'MEMBER_MERGED',
          `member ${id} was merged into ${m.mergedInto} already; nothing was changed.`,
        );
      if (isErased(m)) throw new CodedError('MEMBER_ERASED', `member ${id} was erased; nothing was changed.`);
    }
    const dropped = members.get(drop);
    if (!dropped) throw new Error('unreachable: the dropped member was read');
    const lots = ((await tx.getLots([drop], [])).get(drop) ?? []).filter((l) => l.points > 0);
    const out: Omit<MergeOutOp, 'opId' | 'tillId' | 'storeId' | 'seq' | 'at' | 'programVersion'> = {
      kind: 'merge-out',
      memberId: drop,
      into: keep,
      points: dropped.balance,
      lifetimePoints: dropped.lifetimePoints,
      reason: why,
      by,
    };
    const into: Omit<MergeInOp, 'opId' | 'tillId' | 'storeId' | 'seq' | 'at' | 'programVersion'> = {
      kind: 'merge-in',
      memberId: keep,
      from: drop,
      points: dropped.balance,
      lifetimePoints: dropped.lifetimePoints,
      welcomeGiven: dropped.welcomeGiven,
      lots: lots.map((l) => ({
        lotId: l.lotId,
        earnedAt: l.earnedAt,
        expiresAt: l.expiresAt,
        points: l.points,
        original: l.original,
      })),
      ...(Object.keys(consent).length > 0 ? { consent } : {}),
      reason: why,
      by,
    };
    const [outResult, inResult] = await applyHeadOfficeOpsIn(tx, program, [out, into], now);
    for (const result of [outResult, inResult]) {
      // Thrown inside the transaction: neither op is kept.
      const code = result?.outcome.status === 'rejected' ? result.outcome.code : undefined;
      if (result?.outcome.status !== 'applied')
        throw new CodedError(
          code ?? 'INTERNAL',
          `the merge was refused (${code ?? 'no outcome'}); nothing was changed.`,
        );
    }
    if (!outResult || !inResult) throw new Error('unreachable: both ops were applied');
    const kept = (await tx.getMembers([keep])).get(keep);
    return {
      keep,
      drop,
      points: dropped.balance,
      lifetimePoints: dropped.lifetimePoints,
      lots: lots.length,
      balance: kept?.balance ?? (0 as Points),
      tier: kept?.tier ?? null,
      consent,
      opIds: { out: outResult.opId, in: inResult.opId },
    };
  });
}
