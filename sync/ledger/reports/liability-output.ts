/**
 * The liability report as people read it: an aligned table for the terminal, and CSV records (one line per figure,
 * amounts in minor units) for a spreadsheet. Pure formatting of `LedgerLiabilityReport`. The gift vouchers come
 * last in both, per currency, so the points' figures keep their place.
 */
import type { PointTotals, RedemptionRate } from '../../loyalty/liability.ts';
import type { Cents } from '../../loyalty/units.ts';
import type { VoucherFigures, VoucherLiability } from '../../loyalty/voucher-liability.ts';
import type { LedgerLiabilityReport } from './liability.ts';

const KINDS = ['issued', 'redeemed', 'expired', 'converted', 'adjusted'] as const satisfies (keyof PointTotals)[];

const money = (cents: number, currency: string): string =>
  new Intl.NumberFormat('en-GB', { style: 'currency', currency }).format(cents / 100);
const count = (n: number): string => n.toLocaleString('en-GB');
const signed = (n: number): string => (n > 0 ? `+${count(n)}` : count(n));
/** `YYYY-MM-DD` at midnight UTC, `YYYY-MM-DD HH:MM:SS UTC` otherwise. */
const utc = (ms: number): string => {
  const iso = new Date(ms).toISOString();
  return iso.endsWith('T00:00:00.000Z') ? iso.slice(0, 10) : `${iso.slice(0, 19).replace('T', ' ')} UTC`;
};
export const ratePct = (r: RedemptionRate): string =>
  `${((100 * r.numerator) / r.denominator).toLocaleString('en-GB', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}%`;

/** Rows of cells as columns padded to their widest cell: the first column left-aligned, the others right-aligned. */
export function alignColumns(rows: readonly (readonly string[])[], gap = 2): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((row) =>
    row
      .map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0)))
      .join(' '.repeat(gap))
      .trimEnd(),
  );
}

/** The report as a terminal table. */
export function liabilityTable(r: LedgerLiabilityReport): string {
  const { report: rep, program } = r;
  const cur = program.currency;
  const m = (c: number) => money(c, cur);
  const p = rep.points;
  const v = rep.provision;
  const out: string[] = [];
  out.push(`Liability for unused points (IFRS 15): ${program.name}, program version ${program.version}, ${cur}`);
  out.push(`Period: ${utc(rep.from)} to ${utc(rep.to)} (end excluded)`);
  out.push(
    `Value: ${m(rep.valuePer100Points.cents)} per 100 points (${rep.valuePer100Points.source === 'tender' ? 'tender value' : 'stand-alone selling price'})`,
  );
  out.push(
    `Expected redemption rate: ${ratePct(rep.redemptionRate.opening)} at the start, ${ratePct(rep.redemptionRate.closing)} at the end (${rep.redemptionRate.closing.source})`,
  );
  if (rep.closed) out.push('The burn deadline falls within the period: the whole remaining provision is released.');
  out.push('');
  out.push(
    ...alignColumns([
      ['', 'points', 'provision'],
      ['Opening outstanding', count(p.opening), m(v.opening)],
      ['Change of redemption rate', '', m(v.rateChange)],
      ['Issued', signed(p.issued), m(v.issued)],
      ['Redeemed', signed(0 - p.redeemed), m(v.redeemed)],
      ['Converted to vouchers', signed(0 - p.converted), m(v.converted)],
      ['Expired', signed(0 - p.expired), m(v.expired)],
      ['Adjusted', signed(p.adjusted), m(v.adjusted)],
      ['Released at closing', '', m(v.closingRelease)],
      ['Closing outstanding', count(p.closing), m(v.closing)],
      ['Breakage released', '', m(rep.breakageReleased)],
    ]),
  );

  out.push('');
  out.push(
    ...alignColumns([
      ['Outstanding by expiry', 'points', 'provision'],
      ...rep.outstandingByExpiry.map((b) => [
        b.month === 'never' ? 'no expiry' : b.month,
        count(b.points),
        m(b.provision),
      ]),
      [
        'total',
        count(rep.outstandingByExpiry.reduce((s, b) => s + b.points, 0)),
        m(rep.outstandingByExpiry.reduce((s, b) => s + b.provision, 0)),
      ],
    ]),
  );
  out.push(`(lots as they stood at ${utc(r.ledger.lotsReadAt)})`);
  if (r.receivable.points > 0)
    out.push(
      `Receivable, not liability: ${count(r.receivable.points)} points overdrawn by ${count(r.receivable.members)} members (${m(r.receivable.tenderCents)} at tender value)`,
    );

  const months = r.byMonth.filter((b) => KINDS.some((k) => b.totals[k] !== 0));
  if (months.length > 0) {
    out.push('');
    out.push(
      ...alignColumns([
        ['Movements by month', ...KINDS],
        ...months.map((b) => [b.month, ...KINDS.map((k) => count(b.totals[k]))]),
      ]),
    );
  }

  out.push('');
  const moved = p.closing - p.opening;
  const check =
    r.reconciled === undefined
      ? 'the period ends before the last movement, so the balances are not compared'
      : r.reconciled
        ? `= sum of balances ${count(r.ledger.balances)}: reconciled`
        : `but the balances sum to ${count(r.ledger.balances)}: NOT RECONCILED`;
  out.push(
    `Reconciliation: opening ${count(p.opening)} ${moved < 0 ? '-' : '+'} movements ${count(Math.abs(moved))} = closing ${count(p.closing)} ${check}`,
  );
  out.push(...voucherTable(r));
  return `${out.join('\n')}\n`;
}

/** The gift vouchers owed, per currency: the period's movements, the premium, outstanding by expiry, the check. */
function voucherTable(r: LedgerLiabilityReport): string[] {
  const out: string[] = [''];
  if (r.vouchers.byCurrency.length === 0 && r.vouchers.reconciled) {
    out.push('Gift vouchers: none issued by the end of the period.');
    return out;
  }
  for (const c of r.vouchers.byCurrency) {
    const m = (cents: number) => money(cents, c.currency);
    const f = (x: VoucherFigures) => `${count(x.count)} (${m(x.faceCents)})`;
    const { opening: o, closing: e, period: d, premium } = c;
    out.push(
      ...alignColumns([
        [`Gift vouchers owed (${c.currency})`, 'vouchers', 'face value'],
        ['Outstanding at the start', count(o.outstanding.count), m(o.outstanding.faceCents)],
        ['Issued', signed(d.issued.count), m(d.issued.faceCents)],
        ['Redeemed', signed(0 - d.redeemed.count), m(0 - d.redeemed.faceCents)],
        ['Expired unredeemed (breakage)', signed(0 - d.expired.count), m(0 - d.expired.faceCents)],
        ['Outstanding at the end', count(e.outstanding.count), m(e.outstanding.faceCents)],
      ]),
    );
    out.push(
      `Conversion premium (cost of the closing): ${m(premium.period.premiumCents)} on the vouchers issued in the period ` +
        `(${count(premium.period.points)} points worth ${m(premium.period.pointsValueCents)} as tender), ` +
        `${m(premium.total.premiumCents)} on all issued by its end`,
    );
    if (c.outstandingByExpiry.length > 0) {
      out.push('');
      out.push(
        ...alignColumns([
          ['Vouchers outstanding by expiry', 'vouchers', 'face value'],
          ...c.outstandingByExpiry.map((b) => [b.month, count(b.count), m(b.faceCents)]),
          ['total', count(e.outstanding.count), m(e.outstanding.faceCents)],
        ]),
      );
    }
    const t = r.vouchers.table.find((x) => x.currency === c.currency);
    out.push(
      `Vouchers reconciliation: issued ${f(e.issued)} = redeemed ${f(e.redeemed)} + expired ${f(e.expired)} + ` +
        `outstanding ${f(e.outstanding)}; the vouchers table holds ${t ? f({ count: t.count, faceCents: t.faceCents as Cents }) : 'none'}: ` +
        (r.vouchers.reconciled ? 'reconciled' : 'NOT RECONCILED'),
    );
    out.push('');
  }
  out.pop();
  if (!r.vouchers.reconciled)
    out.push('Vouchers reconciliation: the report and the vouchers table differ: NOT RECONCILED');
  return out;
}

export const LIABILITY_CSV_COLUMNS = ['section', 'key', 'kind', 'points', 'amount_minor', 'currency', 'note'];

/** The report as CSV records (cells as strings, empty when not applicable), under `LIABILITY_CSV_COLUMNS`. */
export function liabilityCsvRecords(r: LedgerLiabilityReport): string[][] {
  const { report: rep, program } = r;
  const cur = program.currency;
  const row = (section: string, key: string, kind: string, points: number | '', amount: number | '', note = '') => [
    section,
    key,
    kind,
    points === '' ? '' : String(points),
    amount === '' ? '' : String(amount),
    amount === '' ? '' : cur,
    note,
  ];
  const p = rep.points;
  const v = rep.provision;
  const rate = (x: RedemptionRate) => `${x.numerator}/${x.denominator} (${ratePct(x)}, ${x.source})`;
  return [
    row('parameter', 'from', '', '', '', new Date(rep.from).toISOString()),
    row('parameter', 'to', '', '', '', new Date(rep.to).toISOString()),
    row('parameter', 'program_version', '', '', '', String(program.version)),
    row('parameter', 'value_per_100_points', rep.valuePer100Points.source, '', rep.valuePer100Points.cents),
    row('parameter', 'redemption_rate_opening', '', '', '', rate(rep.redemptionRate.opening)),
    row('parameter', 'redemption_rate_closing', '', '', '', rate(rep.redemptionRate.closing)),
    row('parameter', 'closed', '', '', '', rep.closed ? 'yes' : 'no'),
    row('movement', 'opening', '', p.opening, v.opening),
    row('movement', 'rate_change', '', '', v.rateChange),
    row('movement', 'issued', '', p.issued, v.issued),
    row('movement', 'redeemed', '', p.redeemed, v.redeemed),
    row('movement', 'converted', '', p.converted, v.converted),
    row('movement', 'expired', '', p.expired, v.expired),
    row('movement', 'adjusted', '', p.adjusted, v.adjusted),
    row('movement', 'closing_release', '', '', v.closingRelease),
    row('movement', 'closing', '', p.closing, v.closing),
    row('movement', 'breakage_released', '', '', rep.breakageReleased),
    ...rep.outstandingByExpiry.map((b) => row('expiry', b.month, '', b.points, b.provision)),
    row(
      'receivable',
      'overdrawn_balances',
      '',
      r.receivable.points,
      r.receivable.tenderCents,
      `${r.receivable.members} members`,
    ),
    ...r.byMonth.flatMap((b) =>
      KINDS.filter((k) => b.totals[k] !== 0).map((k) => row('month', b.month, k, b.totals[k], '')),
    ),
    row(
      'check',
      'sum_of_balances',
      '',
      r.ledger.balances,
      '',
      r.reconciled === undefined ? 'not compared' : r.reconciled ? 'reconciled' : 'NOT RECONCILED',
    ),
    ...r.vouchers.byCurrency.flatMap(voucherCsvRecords),
    [
      'check',
      'vouchers_table',
      '',
      '',
      '',
      '',
      `${r.vouchers.table.map((t) => `${t.currency} ${t.count} vouchers ${t.faceCents}`).join('; ') || 'none'}: ${r.vouchers.reconciled ? 'reconciled' : 'NOT RECONCILED'}`,
    ],
  ];
}

/**
 * One currency's vouchers as CSV records: `voucher` for the period (keys as the table's lines, note: the count),
 * `voucher_position` for the states at the period's end, `voucher_premium` (points: those converted; amount: the
 * points at tender value, then the premium), `voucher_expiry` for outstanding by month.
 */
function voucherCsvRecords(c: VoucherLiability): string[][] {
  const row = (section: string, key: string, points: number | '', amount: number, note: string) => [
    section,
    key,
    '',
    points === '' ? '' : String(points),
    String(amount),
    c.currency,
    note,
  ];
  const fig = (section: string, key: string, f: VoucherFigures) =>
    row(section, key, '', f.faceCents, `${f.count} vouchers`);
  const { opening: o, closing: e, period: d, premium: p } = c;
  return [
    fig('voucher', 'opening_outstanding', o.outstanding),
    fig('voucher', 'issued', d.issued),
    fig('voucher', 'redeemed', d.redeemed),
    fig('voucher', 'expired', d.expired),
    fig('voucher', 'closing_outstanding', e.outstanding),
    fig('voucher_position', 'issued', e.issued),
    fig('voucher_position', 'redeemed', e.redeemed),
    fig('voucher_position', 'expired', e.expired),
    fig('voucher_position', 'outstanding', e.outstanding),
    row('voucher_premium', 'period_points_value', p.period.points, p.period.pointsValueCents, ''),
    row('voucher_premium', 'period_premium', p.period.points, p.period.premiumCents, ''),
    row('voucher_premium', 'total_points_value', p.total.points, p.total.pointsValueCents, ''),
    row('voucher_premium', 'total_premium', p.total.points, p.total.premiumCents, ''),
    ...c.outstandingByExpiry.map((b) => fig('voucher_expiry', b.month, b)),
  ];
}
