/**
 * Head office's reports: the IFRS 15 liability report and the member notices of the closing. Arguments are checked
 * before the database is opened (error code and sentence, exit 2, nothing written); progress goes to stderr, the
 * report to stdout or the file named.
 */
import { createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import type { Command } from 'commander';
import { stringify } from 'csv-stringify';
import { CodedError } from '../../protocol/errors.ts';
import { buildLiabilityReport } from '../reports/liability.ts';
import { LIABILITY_CSV_COLUMNS, liabilityCsvRecords, liabilityTable } from '../reports/liability-output.ts';
import { issueExpiryNotices } from '../reports/expiry-notices.ts';
import { issueNotices, listNotTold, NOTICE_FORMATS, portalUrlFrom, type NoticeFormat } from '../reports/notices.ts';
import { listUnreachable } from '../reports/unreachable.ts';
import { sendEmailNotices, smtpTransportFromEnv } from '../reports/email-notices.ts';
import { withStore } from './support.ts';
import { parseAsOf } from './transition.ts';

const DAY = 86_400_000;
/** Progress lines on long runs: one per this many members. */
const PROGRESS_EVERY = 10_000;

/** `--from`: a date means the start of that UTC day, an ISO instant that instant. */
export function parseFrom(value: string): number {
  const end = parseAsOf(value);
  return /^\d{4}-\d{2}-\d{2}$/.test(value) ? end - DAY : end;
}

/** `--expiring-before`: a date means the start of that UTC day (points whose last day is before it), an ISO instant
 * that instant; it must be in the future, or no points could be told about. */
export function parseExpiringBefore(value: string, now: number = Date.now()): number {
  const before = parseFrom(value);
  if (!(before > now))
    throw new CodedError('BAD_ARGUMENT', `--expiring-before ${value} has passed: give a date in the future.`);
  return before;
}

/** `--redemption-rate`: a percentage from 0 to 100 with at most two decimals, as basis points. */
export function parseRatePct(value: string): number {
  const m = /^(\d{1,3})(?:\.(\d{1,2}))?$/.exec(value);
  const bp = m ? Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0')) : NaN;
  if (!(bp >= 0 && bp <= 10_000))
    throw new CodedError(
      'BAD_ARGUMENT',
      `--redemption-rate "${value}" is not a percentage from 0 to 100 (at most two decimals).`,
    );
  return bp;
}

/** An output file's folder must exist: checked before anything is read or written. */
async function writableTarget(file: string, flag: string): Promise<string> {
  const path = resolve(file);
  const dir = await stat(dirname(path)).catch(() => undefined);
  if (!dir?.isDirectory()) throw new CodedError('BAD_ARGUMENT', `${flag} ${file}: its folder does not exist.`);
  const existing = await stat(path).catch(() => undefined);
  if (existing?.isDirectory()) throw new CodedError('BAD_ARGUMENT', `${flag} ${file} is a folder, not a file.`);
  return path;
}

export function registerReportCommands(program: Command): void {
  program
    .command('liability')
    .description(
      'IFRS 15 liability for unused points over a period: movements, outstanding by expiry, provision; ' +
        'and the gift vouchers owed (issued with the conversion premium, redeemed, expired, outstanding by expiry)',
    )
    .requiredOption('--from <date>', 'start: YYYY-MM-DD (the start of that UTC day) or an ISO instant')
    .requiredOption('--to <date>', 'end: YYYY-MM-DD (the end of that UTC day, included), an ISO instant, or "now"')
    .option('--csv <file>', 'also write the report as CSV')
    .option('--redemption-rate <pct>', 'expected redemption rate in percent (default: estimated from the history)')
    .action(async (o: { from: string; to: string; csv?: string; redemptionRate?: string }, cmd: Command) => {
      const from = parseFrom(o.from);
      const to = parseAsOf(o.to);
      if (!(to > from)) throw new CodedError('BAD_ARGUMENT', `--to ${o.to} must come after --from ${o.from}.`);
      const redemptionRateBp = o.redemptionRate === undefined ? undefined : parseRatePct(o.redemptionRate);
      const csv = o.csv === undefined ? undefined : await writableTarget(o.csv, '--csv');
      await withStore(cmd, async (store) => {
        const r = await buildLiabilityReport(store, { from, to, redemptionRateBp });
        if (csv !== undefined) {
          await pipeline(
            Readable.from(liabilityCsvRecords(r)),
            stringify({ header: true, columns: LIABILITY_CSV_COLUMNS }),
            createWriteStream(csv),
          );
        }
        process.stdout.write(liabilityTable(r));
        if (csv !== undefined) console.error(`liability report written to ${csv}`);
        if (r.reconciled === false)
          throw new CodedError('NOT_RECONCILED', 'the closing outstanding is not the sum of the balances.');
        if (!r.vouchers.reconciled)
          throw new CodedError('NOT_RECONCILED', 'the vouchers reported are not the vouchers in the vouchers table.');
      });
    });

  program
    .command('notices')
    .description(
      'tell every member the closing concerns (with points, or with terms to answer): CSV or PDF letters (one page ' +
        'each) with a letter reference and a personal link and QR code, recorded per member; or --not-told: list who ' +
        'has not been told yet; --unreachable: who neither post nor e-mail reaches; or --expiring-before DATE: tell ' +
        'members whose points expire',
    )
    .option('--format <format>', 'csv or pdf (letters)')
    .option('--out <file>', 'file to write (with --not-told: default standard output)')
    .option('--skip-told', 'only members not yet told of this program version')
    .option('--not-told', 'list, as CSV, the members who must be told and have no notice yet (records nothing)')
    .option(
      '--unreachable',
      'list, as CSV, the members neither post (no address) nor e-mail (none, or no consent) reaches',
    )
    .option('--send-email', 'e-mail the notice to members with an address who consented (SMTP_* env); resumable')
    .option('--rate <n>', 'with --send-email: messages per second (default 10)')
    .option('--from <address>', 'with --send-email: the sender (default $SMTP_FROM)')
    .option('--portal-url <url>', "the members' page base URL for the personal links (default $LEDGER_PORTAL_URL)")
    .option(
      '--expiring-before <date>',
      'instead: members with points expiring before YYYY-MM-DD (or an ISO instant), CSV or PDF letters (records nothing)',
    )
    .action(async (o: NoticesOptions, cmd: Command) => {
      if (o.format !== undefined && !NOTICE_FORMATS.includes(o.format as NoticeFormat))
        throw new CodedError('BAD_ARGUMENT', `--format "${o.format}" is not one of: ${NOTICE_FORMATS.join(', ')}.`);
      if (o.expiringBefore !== undefined) return expiryNotices(o, o.expiringBefore, cmd);
      const portalUrl = portalUrlFrom(o.portalUrl);
      if (o.sendEmail) return emailNotices(o, portalUrl, cmd);
      if (o.unreachable) {
        if (o.notTold || o.skipTold || o.format !== undefined)
          throw new CodedError('BAD_ARGUMENT', '--unreachable lists members as CSV: give it alone (with --out FILE).');
        const out = o.out === undefined ? undefined : await writableTarget(o.out, '--out');
        await withStore(cmd, async (store) => {
          const n = await listUnreachable(store, out ? createWriteStream(out, { mode: 0o600 }) : process.stdout, {
            end: out !== undefined,
          });
          console.error(`${n.toLocaleString('en-GB')} members can be reached neither by post nor by e-mail`);
        });
        return;
      }
      if (o.notTold) {
        if (o.format === 'pdf')
          throw new CodedError(
            'BAD_ARGUMENT',
            '--not-told lists members as CSV; to send them letters, run `ledger notices --format pdf --out FILE --skip-told`.',
          );
        if (o.skipTold) throw new CodedError('BAD_ARGUMENT', '--skip-told issues notices; --not-told only lists.');
        const out = o.out === undefined ? undefined : await writableTarget(o.out, '--out');
        await withStore(cmd, async (store) => {
          const n = out
            ? await listNotTold(store, createWriteStream(out, { mode: 0o600 }))
            : await listNotTold(store, process.stdout, { end: false }).catch((err: unknown) => {
                // A reader that stops early (`| head`) closes the pipe: not an error of the listing.
                if (err instanceof Error && 'code' in err && err.code === 'EPIPE') return 0;
                throw err;
              });
          console.error(`${n.toLocaleString('en-GB')} members must be told and have not been`);
        });
        return;
      }
      if (o.format === undefined)
        throw new CodedError('BAD_ARGUMENT', 'give --format csv or --format pdf (or --not-told to list).');
      if (o.out === undefined) throw new CodedError('BAD_ARGUMENT', 'give the file to write with --out FILE.');
      const format = o.format as NoticeFormat;
      const out = await writableTarget(o.out, '--out');
      await withStore(cmd, async (store) => {
        let next = PROGRESS_EVERY;
        const r = await issueNotices(store, {
          format,
          out,
          portalUrl,
          skipTold: o.skipTold,
          onProgress: ({ members }) => {
            if (members < next) return;
            next = (Math.floor(members / PROGRESS_EVERY) + 1) * PROGRESS_EVERY;
            console.error(`notices: ${members.toLocaleString('en-GB')} members written`);
          },
        });
        console.error(`notices: ${r.members.toLocaleString('en-GB')} members written in all`);
        console.log(
          `${r.members.toLocaleString('en-GB')} notices (${format}) written to ${out} for program version ${r.programVersion}: ` +
            `${r.recorded.toLocaleString('en-GB')} recorded as told now, ${r.alreadyTold.toLocaleString('en-GB')} told before; ` +
            `${r.points.toLocaleString('en-GB')} points outstanding (run ${r.runId})`,
        );
      });
    });
}

interface NoticesOptions {
  format?: string;
  out?: string;
  skipTold?: boolean;
  notTold?: boolean;
  unreachable?: boolean;
  sendEmail?: boolean;
  rate?: string;
  from?: string;
  portalUrl?: string;
  expiringBefore?: string;
}

/** `ledger notices --send-email [--rate N]`: progress on stderr; Ctrl-C stops after the message in flight (exit 130). */
async function emailNotices(o: NoticesOptions, portalUrl: string | null, cmd: Command): Promise<void> {
  if (o.format !== undefined || o.notTold || o.skipTold || o.out !== undefined)
    throw new CodedError(
      'BAD_ARGUMENT',
      '--send-email sends the notices by e-mail: give it without --format or --out.',
    );
  const rate = Number(o.rate ?? '10');
  if (!(rate > 0 && rate <= 1_000))
    throw new CodedError('BAD_ARGUMENT', `--rate "${o.rate}" is not 0 to 1000 a second.`);
  const from = o.from ?? process.env['SMTP_FROM'];
  if (!from) throw new CodedError('BAD_ARGUMENT', 'give the sender with --from ADDRESS or SMTP_FROM.');
  const transport = smtpTransportFromEnv();
  const stop = new AbortController();
  const onSigint = () => stop.abort();
  process.once('SIGINT', onSigint);
  try {
    await withStore(cmd, async (store) => {
      const r = await sendEmailNotices(store, {
        transport,
        from,
        portalUrl,
        rate,
        signal: stop.signal,
        onProgress: (p) => {
          const done = p.sent + p.failed + p.bounced;
          if (done % 100 === 0) console.error(`e-mail notices: ${done.toLocaleString('en-GB')} done`);
        },
      });
      console.log(
        `e-mail notices: ${r.sent} sent, ${r.failed} failed (run again to retry), ${r.bounced} bounced, ${r.skipped} sent before` +
          (r.stopped ? '; stopped by Ctrl-C: run again to go on' : ''),
      );
      if (r.stopped) process.exitCode = 130;
    });
  } finally {
    process.off('SIGINT', onSigint);
    transport.close();
  }
}

/** `ledger notices --expiring-before DATE --format csv|pdf --out FILE`: expiry letters, not recorded. */
async function expiryNotices(o: NoticesOptions, expiringBefore: string, cmd: Command): Promise<void> {
  if (o.notTold || o.skipTold)
    throw new CodedError(
      'BAD_ARGUMENT',
      '--expiring-before lists members whose points expire; --not-told and --skip-told are about the closing.',
    );
  const before = parseExpiringBefore(expiringBefore);
  if (o.format === undefined) throw new CodedError('BAD_ARGUMENT', 'give --format csv or --format pdf.');
  if (o.out === undefined) throw new CodedError('BAD_ARGUMENT', 'give the file to write with --out FILE.');
  const format = o.format as NoticeFormat;
  const out = await writableTarget(o.out, '--out');
  await withStore(cmd, async (store) => {
    let next = PROGRESS_EVERY;
    const r = await issueExpiryNotices(store, {
      format,
      out,
      before,
      onProgress: (members) => {
        if (members < next) return;
        next = (Math.floor(members / PROGRESS_EVERY) + 1) * PROGRESS_EVERY;
        console.error(`notices: ${members.toLocaleString('en-GB')} members written`);
      },
    });
    console.log(
      `${r.members.toLocaleString('en-GB')} expiry notices (${format}) written to ${out}: ` +
        `${r.points.toLocaleString('en-GB')} points expire before ${new Date(before).toISOString()}`,
    );
  });
}
