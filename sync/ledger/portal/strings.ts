/**
 * Every sentence of the members' page, worded in the program's locale (`portal.*` keys of sync/loyalty/i18n): the
 * page renders only through a `PortalStrings`, with its money, numbers and dates formatted by `Intl` for the locale.
 */
import { DEFAULT_LOCALE, type Locale } from '../../loyalty/i18n/locale.ts';
import { messages, type MessageKey } from '../../loyalty/i18n/messages.ts';

export interface PortalStrings {
  lang: Locale;
  title(programName: string): string;
  hello(name: string): string;
  balance(points: number): string;
  worth(value: string): string;
  tier(name: string): string;
  deadline(lastDay: string): string;
  earnUntil(lastDay: string): string;
  rewardsHeading: string;
  reward(name: string, points: number, window: boolean): string;
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
  voucherCode: string;
  voucherQr(code: string): string;
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
  /** An amount in minor units of `currency`: £1,234.50 / 1 234,50 €. */
  money(cents: number, currency: string): string;
  /** A calendar day (UTC): 31 March 2027 / 31/03/2027. */
  day(at: number): string;
}

/** The codes a refused answer may carry that the page words for the member; any other gets a general sentence. */
const REFUSALS = [
  'BURN_CLOSED',
  'CONVERSION_NOT_OPEN',
  'NOTHING_TO_CONVERT',
  'BALANCE_CHANGED',
  'TERMS_REFUSED',
  'UNKNOWN_TERMS',
] as const;
const isRefusal = (code: string): code is (typeof REFUSALS)[number] => (REFUSALS as readonly string[]).includes(code);

const built = new Map<Locale, PortalStrings>();

/**
 * `f` remembering its answers, for the sentences every member's page repeats (the program's name, deadlines and
 * rewards): an ICU message costs tens of microseconds to fill, a page has about twenty, and on the closing-day peak
 * that is most of what a page costs the portal. Kept to a bound, so that members' own values cannot grow it.
 */
function remembered<A extends (string | number | boolean)[]>(f: (...args: A) => string): (...args: A) => string {
  const known = new Map<string, string>();
  return (...args) => {
    const key = args.join('\u0000');
    let s = known.get(key);
    if (s === undefined) {
      if (known.size >= 1_000) known.clear();
      known.set(key, (s = f(...args)));
    }
    return s;
  };
}

/** The members' page's sentences and formats in `locale` (built once per locale). */
export function portalStrings(locale: Locale): PortalStrings {
  const cached = built.get(locale);
  if (cached) return cached;
  const m = messages(locale);
  const t = (key: MessageKey, values?: Record<string, string | number>) => m.t(key, values);
  const s: PortalStrings = {
    lang: locale,
    title: remembered((program) => t('portal.title', { program })),
    hello: (name) => t('portal.hello', { name }),
    balance: (points) => t('portal.balance', { points }),
    worth: (value) => t('portal.worth', { value }),
    tier: (tier) => t('portal.tier', { tier }),
    deadline: remembered((day) => t('portal.deadline', { day })),
    earnUntil: remembered((day) => t('portal.earnUntil', { day })),
    rewardsHeading: t('portal.rewardsHeading'),
    reward: remembered((name, points, window) => t('portal.reward', { name, points, window: window ? 'yes' : 'no' })),
    termsHeading: remembered((version) => t('portal.termsHeading', { version })),
    termsAsk: t('portal.termsAsk'),
    accept: t('portal.accept'),
    refuse: t('portal.refuse'),
    termsAnswered: (answer, via, day) => t('portal.termsAnswered', { answer, via, day }),
    changeAnswer: t('portal.changeAnswer'),
    convertHeading: t('portal.convertHeading'),
    convertOffer: (value, pct) => t('portal.convertOffer', { value, pct }),
    convertButton: (value) => t('portal.convertButton', { value }),
    convertClosed: t('portal.convertClosed'),
    nothingToConvert: t('portal.nothingToConvert'),
    refusedNoConvert: t('portal.refusedNoConvert'),
    vouchersHeading: t('portal.vouchersHeading'),
    voucherCode: t('portal.voucherCode'),
    voucherQr: (code) => t('portal.voucherQr', { code }),
    voucherLine: (value, day) => t('portal.voucherLine', { value, day }),
    voucherRedeemed: (day) => t('portal.voucherRedeemed', { day }),
    voucherHow: t('portal.voucherHow'),
    print: t('portal.print'),
    letterRef: (ref) => t('portal.letterRef', { ref }),
    done: {
      accepted: t('portal.done.accepted'),
      refused: t('portal.done.refused'),
      converted: t('portal.done.converted'),
      already: t('portal.done.already'),
    },
    refusedCode: (code) => (isRefusal(code) ? t(`portal.refused.${code}`) : t('portal.refused.other')),
    linkInvalidTitle: t('portal.linkInvalidTitle'),
    linkInvalid: t('portal.linkInvalid'),
    unreachableTitle: t('portal.unreachableTitle'),
    unreachable: t('portal.unreachable'),
    unreachableRetry: t('portal.unreachableRetry'),
    busyTitle: t('portal.busyTitle'),
    busy: t('portal.busy'),
    tooManyTitle: t('portal.tooManyTitle'),
    tooMany: t('portal.tooMany'),
    expiredFormTitle: t('portal.expiredFormTitle'),
    expiredForm: t('portal.expiredForm'),
    notFoundTitle: t('portal.notFoundTitle'),
    notFound: t('portal.notFound'),
    money: (cents, currency) => m.money(cents, currency),
    day: (at) => m.day(at),
  };
  built.set(locale, s);
  return s;
}

/** British English, the page's words before it knows the program. */
export const en: PortalStrings = portalStrings(DEFAULT_LOCALE);
