/**
 * A member's own change of marketing consent (the members' channel, issue 13): the request it will send, checked,
 * and recorded as given or withdrawn by the member, how `member-channel`, as a `consent` op of head office's till (so
 * it is in the audit chain and makes a `consent-changed` event, as a till's change does). No route serves it yet; the
 * channel calls `recordMemberConsent` once it exists.
 */
import { z } from 'zod';
import { ConsentChangeSchema, type ConsentState } from '../loyalty/consent.ts';
import { MemberIdSchema } from '../loyalty/units.ts';
import { describeIssues } from '../protocol/messages.ts';
import { CodedError } from '../protocol/errors.ts';
import { applyHeadOfficeOps } from './head-office.ts';
import type { LedgerStore } from './store/types.ts';

export const MemberConsentRequestSchema = z.strictObject({
  memberId: MemberIdSchema,
  consent: ConsentChangeSchema.refine((c) => Object.keys(c).length > 0, 'name at least one channel'),
});
export type MemberConsentRequest = z.infer<typeof MemberConsentRequestSchema>;

/**
 * Checks and records a member's change of consent at `now`, and answers the consent it leaves. Refused with
 * BAD_REQUEST (the request does not match the schema), UNKNOWN_MEMBER, MEMBER_MERGED (the member's points are another
 * member's now: its page should show that one) or MEMBER_ERASED, recording nothing.
 */
export async function recordMemberConsent(store: LedgerStore, request: unknown, now: number): Promise<ConsentState> {
  const r = MemberConsentRequestSchema.safeParse(request);
  if (!r.success)
    throw new CodedError('BAD_REQUEST', `the consent change is not valid: ${describeIssues(r.error).join('; ')}.`);
  const { memberId, consent } = r.data;
  if (!(await store.getMember(memberId))) throw new CodedError('UNKNOWN_MEMBER', `no member has the id ${memberId}.`);
  const [result] = await applyHeadOfficeOps(
    store,
    [{ kind: 'consent', memberId, consent, method: 'member-channel' }],
    now,
  );
  if (result?.outcome.status === 'rejected')
    throw new CodedError(result.outcome.code, `the consent change was refused: ${result.outcome.code}.`);
  const state = (await store.consents.states([memberId])).get(memberId);
  if (!state) throw new Error(`no consent state for ${memberId}`);
  return state;
}
