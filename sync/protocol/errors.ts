/** The closed list of error codes that cross a boundary, each with the sentence a person reads. */
import type { RejectCode } from '../loyalty/ops.ts';

const protocolMessages = {
  BAD_REQUEST: 'The message does not match the protocol schema.',
  MESSAGE_TOO_LARGE: 'The message is larger than the ledger accepts.',
  BATCH_TOO_LARGE: 'The batch holds more ops than the ledger accepts in one push.',
  PROTOCOL_VERSION: 'This till speaks a protocol version the ledger does not; update the till.',
  AUTH_REQUIRED: 'The till did not present its id, store and token.',
  AUTH_FAILED: 'Unknown till or wrong token.',
  TILL_REVOKED: 'This till has been revoked by head office.',
  WRONG_STORE: 'This till belongs to another store and cannot act for this one.',
  SEQ_GAP: 'An earlier op of this till has not reached the ledger yet; it must be sent first.',
  NOT_FOUND: 'No member has this card.',
  OVERLOADED: 'The ledger is busy; retry after the given delay.',
  INTERNAL: 'The ledger failed to process the message; it was not applied.',
  UNKNOWN_EVENT: 'The ledger does not know this message type.',
  NO_ROUTE: 'There is no such endpoint.',
  SHUTTING_DOWN: 'The ledger is shutting down; retry shortly.',
  VOUCHER_UNKNOWN: 'No gift voucher has this code.',
  VOUCHER_EXPIRED: 'This gift voucher has expired.',
  VOUCHER_REDEEMED: 'This gift voucher has already been redeemed.',
  SALE_NOT_FOUND: 'The ledger has no applied sale or reward with this receipt reference or op id.',
  LINK_INVALID: 'This personal link is not valid: it was changed, it has expired, or it never existed.',
  NOT_PORTAL: "This till is not registered as the members' portal.",
  LETTER_UNKNOWN: 'No member has this letter: the reference has a typo, the letter has expired, or it was never sent.',
} as const;

const rejectMessages: Record<RejectCode, string> = {
  INSUFFICIENT_POINTS: 'The member does not have enough points.',
  UNKNOWN_MEMBER: 'The ledger does not know this member.',
  UNKNOWN_REWARD: 'The reward is not in the catalogue.',
  REWARD_PRICE_MISMATCH: "The burn's points do not match the reward's price in this program version.",
  UNKNOWN_PROGRAM_VERSION: 'The op names a program version the ledger does not have.',
  CARD_TAKEN: 'Another member already holds this card.',
  MEMBER_EXISTS: 'A member with this id is already enrolled.',
  NOTHING_TO_REVERSE: 'The op to reverse was not applied, so there is nothing to reverse.',
  ALREADY_REVERSED: 'This op has already been reversed.',
  NOT_REVERSIBLE: 'Only earns and burns can be reversed.',
  MEMBER_MISMATCH: 'The op to reverse belongs to another member.',
  REFUND_EXCEEDS_SALE: 'The refunds of this sale would add up to more than the sale.',
  REFUND_MISMATCH:
    'A sale is refunded by amount or by its own lines, and a reward is returned whole: this refund does not fit the op.',
  OP_ID_REUSED: 'This op id was already used for an op with different content.',
  SEQ_REUSED: 'This sequence number was already used by another op of this till.',
  UNKNOWN_CONFLICT: 'The ledger has no such conflict for this member.',
  ALREADY_RESOLVED: 'This conflict has already been resolved.',
  EARN_CLOSED: 'The programme has stopped earning points: the sale earns nothing.',
  BURN_CLOSED: 'The burn deadline has passed: points can no longer be used.',
  UNKNOWN_TERMS: 'These are not the terms the programme asks members to answer.',
  TERMS_REFUSED: 'The member refused the new programme terms, so the balance cannot be converted into it.',
  CONVERSION_NOT_OPEN: 'Balances cannot be converted into vouchers at this date.',
  NOTHING_TO_CONVERT: 'The member has no points to convert.',
  BALANCE_CHANGED: "The member's balance changed since the conversion was quoted; quote it again.",
  VOUCHER_VALUE_MISMATCH: "The voucher's value does not match the programme's conversion rate.",
  VOUCHER_CODE_INVALID: 'The voucher code is not well formed or its check character is wrong.',
  VOUCHER_CODE_TAKEN: 'This voucher code is already in use.',
  HEAD_OFFICE_ONLY: 'Only head office can make this kind of op.',
  MEMBER_MERGED: 'This member was merged into another one already; its points and history are there.',
  MEMBER_ERASED: "This member's personal data was erased at their request: the ledger takes no more ops for it.",
  OP_INVALID:
    'The ledger could not read this op (it does not match the protocol); it was refused on its own and later ops went on.',
  OP_TOO_LARGE: 'This op is larger than a message may be; it was refused on its own and later ops went on.',
};

export const errorMessages = { ...protocolMessages, ...rejectMessages } as const;
export type ErrorCode = keyof typeof errorMessages;
export const errorCodes = Object.keys(errorMessages) as [ErrorCode, ...ErrorCode[]];

/** A wire error: a stable code, a human sentence, and for OVERLOADED when to come back. */
export interface WireError {
  code: ErrorCode;
  message: string;
  retryAfterMs?: number;
  /** Where the schema failed, for BAD_REQUEST. */
  issues?: string[];
}

export function wireError(code: ErrorCode, extra?: Omit<WireError, 'code' | 'message'>): WireError {
  return { code, message: errorMessages[code], ...extra };
}

/** An Error that carries a wire code, for CLI and HTTP edges. */
export class CodedError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'CodedError';
  }
}
