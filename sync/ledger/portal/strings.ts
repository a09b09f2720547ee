/**
 * Every sentence of the members' page, in one module, so that it can be swapped for `messages(locale)` (issue 15):
 * the page renders only through a `PortalStrings`. Money and dates come formatted by the caller (Intl).
 */
export interface PortalStrings {
  lang: string;
  title(programName: string): string;
  hello(name: string): string;
  balance(points: string): string;
  worth(value: string): string;
  tier(name: string): string;
  deadline(lastDay: string): string;
  earnUntil(lastDay: string): string;
  rewardsHeading: string;
  windowReward: string;
  pointsShort(points: string): string;
  termsHeading(version: string): string;
  termsAsk: string;
  accept: string;
  refuse: string;
  termsAnswered(answer: 'accepted' | 'refused', via: 'till' | 'page', day: string): string;
  changeAnswer: string;
  convertHeading: string;
  convertOffer(voucher: string, pct: number): string;
  convertButton(voucher: string): string;
  convertClosed: string;
  nothingToConvert: string;
  refusedNoConvert: string;
  vouchersHeading: string;
  voucherLine(value: string, validUntil: string): string;
  voucherRedeemed(day: string): string;
  voucherHow: string;
  print: string;
  letterRef(ref: string): string;
  done: Record<'accepted' | 'refused' | 'converted' | 'already', string>;
  refusedCode(code: string): string;
  linkInvalidTitle: string;
  linkInvalid: string;
  unreachableTitle: string;
  unreachable: string;
  unreachableRetry: string;
  busyTitle: string;
  busy: string;
  tooManyTitle: string;
  tooMany: string;
  expiredFormTitle: string;
  expiredForm: string;
  notFoundTitle: string;
  notFound: string;
}

const refusals: Record<string, string> = {
  BURN_CLOSED: 'The deadline has passed: points can no longer be used or converted.',
  CONVERSION_NOT_OPEN: 'Points cannot be converted into a voucher today.',
  NOTHING_TO_CONVERT: 'You have no points left to convert.',
  BALANCE_CHANGED: 'Your balance has just changed: look at it again and convert once more if you wish.',
  TERMS_REFUSED: 'You refused the new terms, so your points cannot be converted; you can still use them in store.',
  UNKNOWN_TERMS: 'There are no new terms to answer.',
};

export const en: PortalStrings = {
  lang: 'en-GB',
  title: (p) => `${p}: your points`,
  hello: (n) => `Hello ${n}`,
  balance: (p) => `You have ${p} points.`,
  worth: (v) => `They are worth ${v} when you pay with them in store.`,
  tier: (t) => `Your tier: ${t}.`,
  deadline: (d) => `Use or convert your points by ${d}.`,
  earnUntil: (d) => `Points are earned until ${d}.`,
  rewardsHeading: 'What your points buy now',
  windowReward: 'until the deadline',
  pointsShort: (p) => `${p} points`,
  termsHeading: (v) => `The new programme's terms (${v})`,
  termsAsk: 'Do you accept the new terms? If you refuse, your points stay yours to use in store until the deadline.',
  accept: 'I accept the new terms',
  refuse: 'I refuse the new terms',
  termsAnswered: (a, via, day) =>
    `You ${a === 'accepted' ? 'accepted' : 'refused'} the new terms on ${day}, ${via === 'page' ? 'on this page' : 'at a till'}.`,
  changeAnswer: 'Change my answer',
  convertHeading: 'Convert your points into a gift voucher',
  convertOffer: (v, pct) => `Your whole balance becomes a gift voucher worth ${v} (${pct}% of its value).`,
  convertButton: (v) => `Convert into a voucher worth ${v}`,
  convertClosed: 'Conversion into a voucher is not open today.',
  nothingToConvert: 'You have no points to convert.',
  refusedNoConvert: 'You refused the new terms, so your points cannot be converted; use them in store.',
  vouchersHeading: 'Your gift vouchers',
  voucherLine: (v, d) => `Worth ${v}, valid until ${d}.`,
  voucherRedeemed: (d) => `Used on ${d}.`,
  voucherHow: 'Show this code or its QR code at any till. It can be used once.',
  print: 'Print this page',
  letterRef: (r) => `Letter reference: ${r}`,
  done: {
    accepted: 'Thank you: your acceptance of the new terms is recorded.',
    refused: 'Your refusal of the new terms is recorded.',
    converted: 'Done: your points are now a gift voucher.',
    already: 'This was already recorded.',
  },
  refusedCode: (c) => refusals[c] ?? 'This could not be done. Please try again later or ask at a till.',
  linkInvalidTitle: 'This link does not work',
  linkInvalid:
    'This link is not valid: it may have been typed wrongly, or it has expired. Use the QR code or link on your letter, or bring the letter to any till.',
  unreachableTitle: 'Please try again later',
  unreachable:
    'We cannot reach our points system just now, so nothing was recorded. Please try again in a few minutes.',
  unreachableRetry: 'Try again',
  busyTitle: 'Very busy just now',
  busy: 'Many members are answering at the moment and nothing was recorded. Please try again in a minute.',
  tooManyTitle: 'Too many requests',
  tooMany: 'Too many requests came from this link or this connection. Please wait a minute and try again.',
  expiredFormTitle: 'Please try again',
  expiredForm: 'This form had expired, so nothing was recorded. Open your page again and answer once more.',
  notFoundTitle: 'Page not found',
  notFound: 'There is nothing here.',
};
