/**
 * A member's own change of marketing consent (the members' channel, issue 13): the request it will send, checked,
 * and recorded as given or withdrawn by the member, how `member-channel`. No route serves it yet; the channel calls
 * `recordMemberConsent` once it exists.
 */
import { z } from 'zod';
import { ConsentChangeSchema, consentRecords, type ConsentState } from '../loyalty/consent.ts';
import { MemberIdSchema } from '../loyalty/units.ts';
import { describeIssues } from '../protocol/messages.ts';
import { CodedError } from '../protocol/errors.ts';
import type { LedgerStore } from './store/types.ts';

export const MemberConsentRequestSchema = z.strictObject({
  memberId: MemberIdSchema,
  consent: ConsentChangeSchema.refine((c) => Object.keys(c).length > 0, 'name at least one channel'),
});
export type MemberConsentRequest = z.infer<typeof MemberConsentRequestSchema>;

/**
 * Checks and records a member's change of consent at `now`, and answers the consent it leaves. Refused with
 * BAD_REQUEST (the request does not match the schema) or UNKNOWN_MEMBER, recording nothing.
 */
export async function recordMemberConsent(store: LedgerStore, request: unknown, now: number): Promise<ConsentState> {
  const r = MemberConsentRequestSchema.safeParse(request);
  if (!r.success)
    throw new CodedError('BAD_REQUEST', `the consent change is not valid: ${describeIssues(r.error).join('; ')}.`);
  const { memberId, consent } = r.data;
  if (!(await store.getMember(memberId))) throw new CodedError('UNKNOWN_MEMBER', `no member has the id ${memberId}.`);
  await store.consents.record(
    consentRecords(memberId, consent, { at: now, place: 'member', method: 'member-channel' }),
  );
  const state = (await store.consents.states([memberId])).get(memberId);
  if (!state) throw new Error(`no consent state for ${memberId}`);
  return state;
}
