/**
 * Head office's transition commands: the expiry run, bulk voucher conversion, manual adjustments and vouchers.
 * Each validates its arguments first (error code and sentence, exit 2, nothing changed) and applies its ops through
 * head office's till (head-office.ts), so a rerun never applies anything twice.
 */
import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import {
  ClosingSchema,
  checkVoucherCode,
  conversionAllowed,
  deadlineMessage,
  DEFAULT_NOTICE_DAYS,
  noticeDaysShort,
} from '../../loyalty/closing.ts';
import { messages } from '../../loyalty/i18n/messages.ts';
import { ProgramSchema } from '../../loyalty/program.ts';
import { voucherExpired } from '../../loyalty/voucher-validity.ts';
import { describeIssues } from '../../protocol/messages.ts';
import { MemberIdSchema, type MemberId, type Points } from '../../loyalty/units.ts';
import { CodedError } from '../../protocol/errors.ts';
import { withStore } from './support.ts';
import { applyHeadOfficeOps, conversionDraft, HEAD_OFFICE_BATCH, type HeadOfficeDraft } from '../head-office.ts';
import { runLifecycle } from '../lifecycle-job.ts';
import type { LedgerStore } from '../store/types.ts';

const DAY = 86_400_000;

/**
 * A date argument: `YYYY-MM-DD` means the end of that UTC day (so `--as-of 2026-03-31` expires what expired during
 * the 31st), a full ISO instant (`2026-03-31T12:00:00Z`) means that instant; `now` is now.
 */
/** `parseAsOf` for jobs that must not run ahead of time (expiring points early, calling members dormant early). */
export function parsePastAsOf(value: string, now: number = Date.now()): number {
  const t = parseAsOf(value, now);
  if (t > now)
    throw new CodedError(
      'BAD_ARGUMENT',
      `date "${value}" is in the future (${new Date(t).toISOString()}): use "now", or a day that has ended.`,
    );
  return t;
}

export function parseAsOf(value: string, now: number = Date.now()): number {
  if (value === 'now') return now;
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) {
    const t = Date.parse(`${value}T00:00:00Z`);
    if (Number.isFinite(t) && new Date(t).toISOString().startsWith(value)) return t + DAY;
  } else if (/^\d{4}-\d{2}-\d{2}T[\d:.]+(Z|[+-]\d{2}:\d{2})$/.test(value)) {
    const t = Date.parse(value);
    if (Number.isFinite(t)) return t;
  }
  throw new CodedError(
    'BAD_ARGUMENT',
    `date "${value}" is not valid: use YYYY-MM-DD (the end of that UTC day), an ISO instant with its zone, or "now".`,
  );
}

function progress(label: string, done: number, total: number | undefined): void {
  if (!process.stderr.isTTY && total === undefined) return;
  process.stderr.write(
    `\r${label}: ${done.toLocaleString('en-GB')}${total ? ` / ${total.toLocaleString('en-GB')}` : ''}`,
  );
}

/** The expiry run: one expire op per member with lots expired as of `asOf`; idempotent. */
export async function runExpiry(
  store: LedgerStore,
  asOf: number,
  onProgress: (members: number) => void = () => undefined,
): Promise<{ members: number; points: number; ops: number }> {
  let members = 0;
  let pointsExpired = 0;
  let ops = 0;
  let after: MemberId | undefined;
  for (;;) {
    const ids = await store.membersWithExpiringLots(asOf, HEAD_OFFICE_BATCH, after);
    if (ids.length === 0) break;
    const results = await applyHeadOfficeOps(
      store,
      ids.map((memberId): HeadOfficeDraft => ({ kind: 'expire', memberId, asOf })),
      Date.now(),
      asOf,
    );
    for (const r of results) {
      ops++;
      if (r.outcome.status === 'applied' && r.outcome.delta < 0) {
        members++;
        pointsExpired -= r.outcome.delta;
      }
    }
    after = ids.at(-1);
    onProgress(members);
  }
  return { members, points: pointsExpired, ops };
}

export interface ConversionRun {
  converted: number;
  points: number;
  valueCents: number;
  refused: number;
  /** Conversions the ledger refused, by code (a balance that moved during the run: run it again). */
  rejected: Record<string, number>;
  vouchers: { memberId: MemberId; code: string; points: number; valueCents: number }[];
}

/**
 * Bulk conversion: every member with a positive balance who has not refused the new terms gets a voucher for the
 * whole balance. Members who refused keep their points (to burn until the deadline).
 */
export async function runConversion(
  store: LedgerStore,
  onProgress: (done: number) => void = () => undefined,
  now: number = Date.now(),
): Promise<ConversionRun> {
  const program = await store.latestProgram();
  if (!program?.closing)
    throw new CodedError('NO_CLOSING', 'The newest program version has no closing: set one with `ledger program set`.');
  if (!conversionAllowed(program, now)) {
    const from = program.closing.conversionFrom ?? program.closing.earnUntil;
    throw new CodedError(
      'CONVERSION_NOT_OPEN',
      `Balances can be converted from ${new Date(from).toISOString()} until ${new Date(program.closing.burnDeadline).toISOString()}, not now.`,
    );
  }
  const run: ConversionRun = { converted: 0, points: 0, valueCents: 0, refused: 0, rejected: {}, vouchers: [] };
  let after = '';
  for (;;) {
    const rows = await store.reports.membersWithPoints(after, HEAD_OFFICE_BATCH);
    if (rows.length === 0) break;
    after = rows.at(-1)?.memberId ?? after;
    const terms = program.closing.termsVersion;
    const drafts: HeadOfficeDraft[] = [];
    for (const r of rows) {
      if (terms !== undefined && r.termsVersion === terms && r.termsAnswer === 'refused') {
        run.refused++;
        continue;
      }
      drafts.push(conversionDraft(program, r.memberId, r.balance));
    }
    const results = await applyHeadOfficeOps(store, drafts, now);
    results.forEach((r, i) => {
      const d = drafts[i];
      if (r.outcome.status === 'rejected') run.rejected[r.outcome.code] = (run.rejected[r.outcome.code] ?? 0) + 1;
      if (r.outcome.status !== 'applied' || d?.kind !== 'convert') return;
      run.converted++;
      run.points += d.points;
      run.valueCents += d.valueCents;
      run.vouchers.push({ memberId: d.memberId, code: d.voucherCode, points: d.points, valueCents: d.valueCents });
    });
    onProgress(run.converted);
  }
  return run;
}

const money = (cents: number, currency: string): string =>
  new Intl.NumberFormat('en-GB', { style: 'currency', currency }).format(cents / 100);

/** `--window-reward id:points:kind:Name` → a burn-window reward. */
function parseWindowReward(value: string, list: unknown[] = []): unknown[] {
  const m = /^([a-z0-9][a-z0-9_-]*):(\d+):(small|promo):(.+)$/.exec(value);
  if (!m)
    throw new CodedError(
      'BAD_ARGUMENT',
      `window reward "${value}" is not id:points:small|promo:Name (e.g. "mini-treat:40:small:Mini treat").`,
    );
  return [...list, { id: m[1], points: Number(m[2]), kind: m[3], name: m[4] }];
}

interface CloseOptions {
  earnUntil: string;
  burnDeadline: string;
  conversionPct: string;
  voucherValidDays: string;
  terms?: string;
  conversionFrom?: string;
  windowFrom?: string;
  windowReward?: unknown[];
  noticeDays?: string;
}

export function registerTransitionCommands(program: Command): void {
  const programs = program.commands.find((c) => c.name() === 'program');
  programs
    ?.command('close')
    .description('announce the closing: store the next program version with its deadlines, terms and conversion rate')
    .requiredOption('--earn-until <date>', 'last day points are earned (YYYY-MM-DD, UTC)')
    .requiredOption('--burn-deadline <date>', 'last day points can be used (YYYY-MM-DD, UTC)')
    .option('--conversion-pct <pct>', 'voucher value as a % of the points as tender (100-1000)', '120')
    .option('--voucher-valid-days <days>', 'how long a voucher stays valid', '180')
    .option('--terms <version>', "the new programme's terms version members accept or refuse at the till")
    .option('--conversion-from <date>', 'first day balances can be converted (default: the day after --earn-until)')
    .option('--window-from <date>', 'first day of the burn window (with --window-reward; ends at the deadline)')
    .option('--window-reward <spec>', 'a burn-window reward id:points:small|promo:Name (repeatable)', parseWindowReward)
    .option(
      '--notice-days <days>',
      `least days members must have between their notice and the deadline (default ${DEFAULT_NOTICE_DAYS}; warns if fewer)`,
    )
    .action(async (o: CloseOptions, cmd: Command) => {
      // A date names a whole day: the last allowed day ends at the next midnight (UTC).
      const earnUntil = parseAsOf(o.earnUntil);
      const burnDeadline = parseAsOf(o.burnDeadline);
      const startOf = (d: string) => parseAsOf(d) - DAY;
      const closing = ClosingSchema.safeParse({
        earnUntil,
        burnDeadline,
        conversionPct: Number(o.conversionPct),
        voucherValidDays: Number(o.voucherValidDays),
        ...(o.terms !== undefined ? { termsVersion: o.terms } : {}),
        ...(o.noticeDays !== undefined ? { noticeDays: Number(o.noticeDays) } : {}),
        ...(o.conversionFrom !== undefined ? { conversionFrom: startOf(o.conversionFrom) } : {}),
        ...(o.windowReward
          ? {
              burnWindow: {
                startsAt: o.windowFrom !== undefined ? startOf(o.windowFrom) : earnUntil,
                endsAt: burnDeadline,
                rewards: o.windowReward,
              },
            }
          : {}),
      });
      if (!closing.success) throw new CodedError('BAD_ARGUMENT', describeIssues(closing.error).join('; '));
      await withStore(cmd, async (store) => {
        const current = await store.latestProgram();
        if (!current) throw new CodedError('NO_PROGRAM', 'No program is set: run `ledger program set FILE` first.');
        const next = ProgramSchema.safeParse({ ...current, version: current.version + 1, closing: closing.data });
        if (!next.success) throw new CodedError('PROGRAM_INVALID', describeIssues(next.error).join('; '));
        await store.putProgram(next.data);
        console.log(`program version ${next.data.version} stored with the closing; tills pick it up within seconds`);
        // The command line stays in English, whatever the program's locale.
        console.log(deadlineMessage(next.data, Date.now(), messages('en-GB')) ?? '');
        const short = noticeDaysShort(closing.data, Date.now());
        if (short > 0)
          console.error(
            `warning: notices issued today leave members ${short} days less than the notice period of ` +
              `${closing.data.noticeDays ?? DEFAULT_NOTICE_DAYS} days before the burn deadline: move the deadline ` +
              'later, or send the notices at once',
          );
      });
    });

  program
    .command('expire')
    .description('expire the points of every lot past its date (idempotent: a rerun expires nothing more)')
    .requiredOption('--as-of <date>', 'YYYY-MM-DD (the end of that UTC day), an ISO instant, or "now"')
    .action(async (o: { asOf: string }, cmd: Command) => {
      const asOf = parsePastAsOf(o.asOf);
      await withStore(cmd, async (store) => {
        const r = await runExpiry(store, asOf, (n) => progress('members expired', n, undefined));
        if (process.stderr.isTTY) process.stderr.write('\n');
        console.log(
          `expired ${r.points.toLocaleString('en-GB')} points of ${r.members.toLocaleString('en-GB')} members as of ${new Date(asOf).toISOString()}`,
        );
      });
    });

  program
    .command('lifecycle')
    .description(
      'daily job: member status (dormant, inactive), rolling tiers, birthdays and expiry reminders, with their events',
    )
    .requiredOption('--as-of <date>', 'YYYY-MM-DD (the end of that UTC day), an ISO instant, or "now"')
    .action(async (o: { asOf: string }, cmd: Command) => {
      const asOf = parsePastAsOf(o.asOf);
      await withStore(cmd, async (store) => {
        const r = await runLifecycle(store, asOf, (n) => progress('members checked', n, undefined));
        if (process.stderr.isTTY) process.stderr.write('\n');
        console.log(
          `checked ${r.members.toLocaleString('en-GB')} members: ${r.statusChanges} status changes, ${r.tierChanges} tier changes, ${r.birthdays} birthdays, ${r.expiryReminders} expiry reminders`,
        );
      });
    });

  program
    .command('convert')
    .description("convert every remaining balance into a gift voucher at the closing's rate (skips refused terms)")
    .option('--out <file>', 'write the vouchers issued as CSV (member_id,code,points,value_cents)')
    .action(async (o: { out?: string }, cmd: Command) => {
      await withStore(cmd, async (store) => {
        const currency = (await store.latestProgram())?.currency ?? 'GBP';
        const r = await runConversion(store, (n) => progress('members converted', n, undefined));
        if (process.stderr.isTTY) process.stderr.write('\n');
        if (o.out) {
          const lines = [
            'member_id,code,points,value_cents',
            ...r.vouchers.map((v) => `${v.memberId},${v.code},${v.points},${v.valueCents}`),
          ];
          await writeFile(o.out, `${lines.join('\n')}\n`, { mode: 0o600 });
        }
        console.log(
          `converted ${r.points.toLocaleString('en-GB')} points of ${r.converted.toLocaleString('en-GB')} members into vouchers worth ${money(r.valueCents, currency)}; ${r.refused} members who refused the terms kept their points`,
        );
        const rejected = Object.entries(r.rejected);
        if (rejected.length > 0)
          console.log(`not converted (run again to retry): ${rejected.map(([code, n]) => `${n} ${code}`).join(', ')}`);
      });
    });

  program
    .command('adjust <memberId> <points>')
    .description('correct a balance by a signed number of points, with who and why (recorded as an op)')
    .requiredOption('--reason <text>', 'why')
    .requiredOption('--by <name>', 'who decided')
    .action(async (memberArg: string, pointsArg: string, o: { reason: string; by: string }, cmd: Command) => {
      const memberId = MemberIdSchema.safeParse(memberArg);
      if (!memberId.success) throw new CodedError('BAD_ARGUMENT', `member id "${memberArg}" is not a UUID.`);
      const points = Number(pointsArg);
      if (!/^-?\d+$/.test(pointsArg) || !Number.isSafeInteger(points) || points === 0 || Math.abs(points) > 1e9)
        throw new CodedError(
          'BAD_ARGUMENT',
          `points "${pointsArg}" must be a non-zero whole number up to 1,000,000,000.`,
        );
      const reason = o.reason.trim();
      const by = o.by.trim();
      if (!reason || reason.length > 200) throw new CodedError('BAD_ARGUMENT', '--reason is 1 to 200 characters.');
      if (!by || by.length > 80) throw new CodedError('BAD_ARGUMENT', '--by is 1 to 80 characters.');
      await withStore(cmd, async (store) => {
        // Checked first, so that a mistyped id records nothing (the op would be kept as a rejection).
        if (!(await store.getMember(memberId.data)))
          throw new CodedError('UNKNOWN_MEMBER', `no member has the id ${memberArg}.`);
        const [r] = await applyHeadOfficeOps(store, [
          { kind: 'adjust', memberId: memberId.data, points: points as Points, reason, by },
        ]);
        if (r?.outcome.status === 'rejected')
          throw new CodedError(r.outcome.code, `the adjustment was refused: ${r.outcome.code}`);
        const m = await store.getMember(memberId.data);
        console.log(`adjusted ${memberArg} by ${points} points; balance now ${m?.balance ?? '?'}`);
      });
    });

  const vouchers = program.command('voucher').description('gift vouchers from conversion');
  const code = (typed: string): string => {
    const c = checkVoucherCode(typed);
    if (!c.ok)
      throw new CodedError(
        'VOUCHER_CODE_INVALID',
        c.reason === 'CHECK'
          ? `voucher code "${typed}" has a typo: its check character does not match.`
          : `voucher code "${typed}" is not a voucher code (20 characters, e.g. XXXX-XXXX-XXXX-XXXX-XXXX).`,
      );
    return c.code;
  };
  vouchers
    .command('check <code>')
    .description('show a voucher: value, validity, whether it was redeemed')
    .action(async (typed: string, _o, cmd: Command) => {
      const canonical = code(typed);
      await withStore(cmd, async (store) => {
        const v = await store.getVoucher(canonical);
        if (!v) throw new CodedError('VOUCHER_UNKNOWN', `no voucher has the code ${canonical}.`);
        const state = v.redeemedAt
          ? `redeemed on ${new Date(v.redeemedAt).toISOString()} by ${v.redeemedBy ?? '?'}`
          : voucherExpired(v, Date.now())
            ? `expired on ${new Date(v.validUntil).toISOString().slice(0, 10)}`
            : `valid until ${new Date(v.validUntil).toISOString().slice(0, 10)}`;
        console.log(`${v.code}\t${money(v.valueCents, v.currency)}\tmember ${v.memberId}\t${state}`);
      });
    });
  vouchers
    .command('redeem <code>')
    .description('redeem a voucher once (a second redemption is refused)')
    .requiredOption('--by <who>', 'till or person redeeming it')
    .option('--ref <ref>', 'receipt reference')
    .action(async (typed: string, o: { by: string; ref?: string }, cmd: Command) => {
      const canonical = code(typed);
      await withStore(cmd, async (store) => {
        const r = await store.redeemVoucher({
          code: canonical,
          by: o.by.slice(0, 80),
          ref: o.ref?.slice(0, 64) ?? null,
          redemptionId: null,
          at: Date.now(),
        });
        if (r.outcome === 'unknown') throw new CodedError('VOUCHER_UNKNOWN', `no voucher has the code ${canonical}.`);
        if (r.outcome === 'expired') throw new CodedError('VOUCHER_EXPIRED', `voucher ${canonical} has expired.`);
        if (r.outcome !== 'redeemed') {
          const when = new Date(r.voucher.redeemedAt ?? 0).toISOString();
          throw new CodedError(
            'VOUCHER_REDEEMED',
            `voucher ${canonical} was already redeemed on ${when} by ${r.voucher.redeemedBy ?? '?'}.`,
          );
        }
        const v = r.voucher;
        console.log(`redeemed ${canonical}: ${money(v.valueCents, v.currency)}`);
      });
    });
}
