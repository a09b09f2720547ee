/**
 * `ledger closing status [--csv]`: head office's view of the closing's progress: members told by post and by e-mail,
 * and by channel (till, page, head office), store and day: answers to the terms (accepted, refused), conversions, and
 * vouchers redeemed (always at a till). Reads only.
 */
import { HEAD_OFFICE_STORE, type LedgerStore } from '../store/types.ts';
import { PORTAL_STORE } from '../store/interfaces/member-channel.ts';
import { closingProgram } from './notices.ts';

export type Channel = 'till' | 'page' | 'head-office';

export interface StatusRow {
  day: string;
  channel: Channel;
  store: string;
  answered: number;
  accepted: number;
  refused: number;
  converted: number;
  redeemed: number;
}

export interface ClosingStatus {
  programVersion: number;
  toldByPost: number;
  toldByEmail: number;
  emailFailed: number;
  emailBounced: number;
  rows: StatusRow[];
  totals: Omit<StatusRow, 'day' | 'channel' | 'store'>;
}

const channelOf = (storeId: string): Channel =>
  storeId === PORTAL_STORE ? 'page' : storeId === HEAD_OFFICE_STORE ? 'head-office' : 'till';

export async function closingStatus(store: LedgerStore): Promise<ClosingStatus> {
  const program = await closingProgram(store);
  const rows = new Map<string, StatusRow>();
  const rowOf = (at: number, channel: Channel, storeId: string): StatusRow => {
    const day = new Date(at).toISOString().slice(0, 10);
    const key = `${day}\n${channel}\n${storeId}`;
    let r = rows.get(key);
    if (!r) {
      r = { day, channel, store: storeId, answered: 0, accepted: 0, refused: 0, converted: 0, redeemed: 0 };
      rows.set(key, r);
    }
    return r;
  };
  for (const a of await store.memberChannel.closingAnswers()) {
    const r = rowOf(a.at, channelOf(a.storeId), a.storeId);
    if (a.kind === 'convert') r.converted++;
    else {
      r.answered++;
      if (a.answer === 'accepted') r.accepted++;
      if (a.answer === 'refused') r.refused++;
    }
  }
  for (const v of await store.memberChannel.voucherRedemptions()) {
    const storeId = v.by.split('/')[0] ?? v.by;
    rowOf(v.at, 'till', storeId).redeemed++;
  }
  const sorted = [...rows.values()].sort(
    (a, b) => a.day.localeCompare(b.day) || a.channel.localeCompare(b.channel) || a.store.localeCompare(b.store),
  );
  const totals = { answered: 0, accepted: 0, refused: 0, converted: 0, redeemed: 0 };
  for (const r of sorted) for (const k of Object.keys(totals) as (keyof typeof totals)[]) totals[k] += r[k];
  const emails = await store.memberChannel.emailCounts(program.version);
  return {
    programVersion: program.version,
    toldByPost: await store.memberChannel.noticesIssued(program.version),
    toldByEmail: emails.sent,
    emailFailed: emails.failed,
    emailBounced: emails.bounced,
    rows: sorted,
    totals,
  };
}

export const STATUS_COLUMNS = [
  'day',
  'channel',
  'store',
  'answered',
  'accepted',
  'refused',
  'converted',
  'redeemed',
] as const;

/** The status as a text table. */
export function statusTable(s: ClosingStatus): string {
  const head = [
    `closing of program version ${s.programVersion}: told by post ${s.toldByPost}, by e-mail ${s.toldByEmail} ` +
      `(${s.emailFailed} failed, ${s.emailBounced} bounced)`,
  ];
  const lines = [
    [...STATUS_COLUMNS],
    ...s.rows.map((r) => STATUS_COLUMNS.map((c) => String(r[c]))),
    [
      'total',
      '',
      '',
      ...(['answered', 'accepted', 'refused', 'converted', 'redeemed'] as const).map((k) => String(s.totals[k])),
    ],
  ];
  const widths = STATUS_COLUMNS.map((_, i) => Math.max(...lines.map((l) => (l[i] ?? '').length)));
  return [
    ...head,
    ...lines.map((l) =>
      l
        .map((c, i) => c.padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd(),
    ),
  ].join('\n');
}
