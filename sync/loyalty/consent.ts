/**
 * Marketing consent (GDPR): per channel (e-mail, SMS, post), given or withdrawn, with when, where and how. The
 * history is kept: a change appends a record, and a member's consent on a channel is its latest record (none: not
 * given). Pure: the ledger stores the records, the till and the import only make them.
 */
import { z } from 'zod';
import type { MemberId } from './units.ts';

export const CONSENT_CHANNELS = ['email', 'sms', 'post'] as const;
export const ConsentChannelSchema = z.enum(CONSENT_CHANNELS);
export type ConsentChannel = z.infer<typeof ConsentChannelSchema>;

/** A change of consent as a till, the POS API or the members' channel sends it: only the channels it names change. */
export const ConsentChangeSchema = z.strictObject({
  email: z.boolean().optional(),
  sms: z.boolean().optional(),
  post: z.boolean().optional(),
});
export type ConsentChange = z.infer<typeof ConsentChangeSchema>;

/** A member's consent on every channel, as events carry it. */
export const ConsentStateSchema = z.strictObject({ email: z.boolean(), sms: z.boolean(), post: z.boolean() });
export type ConsentState = z.infer<typeof ConsentStateSchema>;

/** How a consent was given or withdrawn (`till`: at a till's member panel, after enrolment). */
export const ConsentMethodSchema = z.enum([
  'till-enrolment',
  'till',
  'pos-api',
  'import',
  'member-channel',
  'head-office',
]);
export type ConsentMethod = z.infer<typeof ConsentMethodSchema>;

/** Where: `store/till` for a till, or `import`, `head-office`, `member`. */
export const ConsentPlaceSchema = z
  .string()
  .min(1)
  .max(120)
  .regex(/^(import|head-office|member|[^/\s]+\/[^/\s]+)$/, 'store/till, import, head-office or member');

/** One record of the history. */
export interface ConsentRecord {
  memberId: MemberId;
  channel: ConsentChannel;
  given: boolean;
  /** When it was given or withdrawn, epoch ms. */
  at: number;
  place: string;
  method: ConsentMethod;
  /** The op that carried it, for a till's change. */
  opId: string | null;
}

export const NO_CONSENT: ConsentState = { email: false, sms: false, post: false };

/** The records a change makes, one per channel it names, in channel order. */
export function consentRecords(
  memberId: MemberId,
  change: ConsentChange,
  where: { at: number; place: string; method: ConsentMethod; opId?: string | null | undefined },
): ConsentRecord[] {
  return CONSENT_CHANNELS.flatMap((channel) => {
    const given = change[channel];
    return given === undefined
      ? []
      : [
          {
            memberId,
            channel,
            given,
            at: where.at,
            place: where.place,
            method: where.method,
            opId: where.opId ?? null,
          },
        ];
  });
}

/**
 * The consent state the history gives: per channel, the latest record by time (records at the same time: the later
 * in the list wins, so pass them in the order they were recorded).
 */
export function consentState(records: readonly ConsentRecord[]): ConsentState {
  const state = { ...NO_CONSENT };
  const at: Record<ConsentChannel, number> = { email: -Infinity, sms: -Infinity, post: -Infinity };
  for (const r of records) {
    if (r.at >= at[r.channel]) {
      at[r.channel] = r.at;
      state[r.channel] = r.given;
    }
  }
  return state;
}
