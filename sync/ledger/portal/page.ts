/**
 * The members' page as HTML, rendered on the server: no script at all (it works with JavaScript off; forms post),
 * mobile first, every control labelled, a visible focus, colours at WCAG AA contrast or better. Every value put in the
 * page is escaped here.
 */
import type { PortalMemberView } from '../../protocol/portal.ts';
import type { PortalStrings } from './strings.ts';

export const esc = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);

/** The stylesheet, served as /portal.css (the CSP allows styles from the page's own origin only). */
export const PORTAL_CSS = `*{box-sizing:border-box}
body{margin:0;font:1.05rem/1.5 system-ui,sans-serif;color:#1a1a1a;background:#fff}
main{max-width:36rem;margin:0 auto;padding:1rem}
h1{font-size:1.5rem;margin:.5rem 0}h2{font-size:1.2rem;margin:1.5rem 0 .5rem}
.note{padding:.75rem;border-left:.3rem solid #0b5394;background:#eef3f9}
.error{padding:.75rem;border-left:.3rem solid #a00000;background:#fbeaea}
button,.button{display:block;width:100%;margin:.5rem 0;padding:.8rem;font:inherit;font-weight:600;border-radius:.3rem;
border:2px solid #0b5394;background:#0b5394;color:#fff;cursor:pointer;text-align:center;text-decoration:none}
button.secondary{background:#fff;color:#0b5394}
button:focus-visible,a:focus-visible{outline:3px solid #b35900;outline-offset:2px}
a{color:#0b5394}ul{padding-left:1.2rem}
.voucher{border:2px dashed #1a1a1a;padding:1rem;margin:1rem 0;text-align:center}
.code{font:700 1.3rem/1.4 ui-monospace,monospace;letter-spacing:.05em;word-break:break-all}
.qr svg{width:12rem;height:12rem}
.small{font-size:.9rem;color:#404040}
@media print{button,form,.noprint{display:none}body{font-size:12pt}}`;

export interface PageFrame {
  title: string;
  body: string;
  lang: string;
}

export function frame(p: PageFrame): string {
  return `<!doctype html>
<html lang="${esc(p.lang)}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
<title>${esc(p.title)}</title><link rel="stylesheet" href="/portal.css"></head>
<body><main>${p.body}</main></body></html>`;
}

/** A plain page with a heading and a sentence: bad links, the ledger unreachable, too many requests. */
export function plainPage(
  t: PortalStrings,
  title: string,
  text: string,
  retry?: { href: string; label: string },
): string {
  const link = retry ? `<p><a class="button" href="${esc(retry.href)}">${esc(retry.label)}</a></p>` : '';
  return frame({ lang: t.lang, title, body: `<h1>${esc(title)}</h1><p>${esc(text)}</p>${link}` });
}

export interface MemberPageInput {
  t: PortalStrings;
  view: PortalMemberView;
  /** The page's own path (`/m/<token>`): forms post below it. */
  path: string;
  csrf: string;
  /** A fresh request id per form, so that a form posted twice applies once. */
  requestId: () => string;
  /** What the last answer did, or why it was refused. */
  notice?: { kind: 'done'; text: string } | { kind: 'error'; text: string } | undefined;
  /** Each voucher's QR code as inline SVG, by code. */
  voucherQr: ReadonlyMap<string, string>;
}

function form(i: MemberPageInput, action: string, fields: Record<string, string>, button: string, cls = ''): string {
  const hidden = Object.entries({ csrf: i.csrf, requestId: i.requestId(), ...fields })
    .map(([k, v]) => `<input type="hidden" name="${esc(k)}" value="${esc(v)}">`)
    .join('');
  return `<form method="post" action="${esc(`${i.path}/${action}`)}">${hidden}<button type="submit"${
    cls ? ` class="${cls}"` : ''
  }>${esc(button)}</button></form>`;
}

export function memberPage(i: MemberPageInput): string {
  const { t, view: v } = i;
  const money = (cents: number) => t.money(cents, v.currency);
  const day = (at: number) => t.day(at);
  const parts: string[] = [];
  parts.push(`<h1>${esc(t.hello(v.name))}</h1>`);
  if (i.notice)
    parts.push(`<p class="${i.notice.kind === 'done' ? 'note' : 'error'}" role="status">${esc(i.notice.text)}</p>`);
  const lastDay = day(v.burnDeadline - 1);
  parts.push(
    `<p>${esc(t.balance(v.balance))} ${esc(t.worth(money(v.valueCents)))}</p>`,
    v.tier ? `<p>${esc(t.tier(v.tier))}</p>` : '',
    `<p><strong>${esc(t.deadline(lastDay))}</strong> ${esc(t.earnUntil(day(v.earnUntil - 1)))}</p>`,
  );
  if (v.rewards.length > 0 && v.balance > 0)
    parts.push(
      `<h2>${esc(t.rewardsHeading)}</h2><ul>${v.rewards
        .map((r) => `<li>${esc(t.reward(r.name, r.points, r.window))}</li>`)
        .join('')}</ul>`,
    );
  if (v.termsVersion !== null) {
    parts.push(`<section aria-labelledby="terms"><h2 id="terms">${esc(t.termsHeading(v.termsVersion))}</h2>`);
    if (v.terms) parts.push(`<p>${esc(t.termsAnswered(v.terms.answer, v.terms.via, day(v.terms.at)))}</p>`);
    else parts.push(`<p>${esc(t.termsAsk)}</p>`);
    if (v.terms?.answer !== 'accepted') parts.push(form(i, 'terms', { answer: 'accepted' }, t.accept));
    if (v.terms?.answer !== 'refused') parts.push(form(i, 'terms', { answer: 'refused' }, t.refuse, 'secondary'));
    parts.push('</section>');
  }
  parts.push(`<section aria-labelledby="convert"><h2 id="convert">${esc(t.convertHeading)}</h2>`);
  if (v.terms?.answer === 'refused') parts.push(`<p>${esc(t.refusedNoConvert)}</p>`);
  else if (v.balance <= 0) parts.push(`<p>${esc(t.nothingToConvert)}</p>`);
  else if (!v.conversionOpen) parts.push(`<p>${esc(t.convertClosed)}</p>`);
  else
    parts.push(
      `<p>${esc(t.convertOffer(money(v.voucherCents), v.conversionPct))}</p>`,
      form(i, 'convert', {}, t.convertButton(money(v.voucherCents))),
    );
  parts.push('</section>');
  if (v.vouchers.length > 0) {
    parts.push(`<section aria-labelledby="vouchers"><h2 id="vouchers">${esc(t.vouchersHeading)}</h2>`);
    for (const voucher of v.vouchers)
      parts.push(
        `<div class="voucher"><p class="code" aria-label="${esc(t.voucherCode)}">${esc(voucher.code)}</p>`,
        voucher.redeemedAt === null
          ? `<div class="qr" role="img" aria-label="${esc(t.voucherQr(voucher.code))}">${i.voucherQr.get(voucher.code) ?? ''}</div>`
          : '',
        `<p>${esc(t.voucherLine(money(voucher.valueCents), day(voucher.validUntil - 1)))}</p>`,
        voucher.redeemedAt !== null ? `<p>${esc(t.voucherRedeemed(day(voucher.redeemedAt)))}</p>` : '',
        '</div>',
      );
    parts.push(`<p>${esc(t.voucherHow)}</p><p class="noprint small">${esc(t.print)}: Ctrl+P</p></section>`);
  }
  parts.push(`<p class="small">${esc(t.letterRef(v.ref))}</p>`);
  return frame({ lang: t.lang, title: t.title(v.programName), body: parts.join('') });
}
