/**
 * `ledger notices --send-email`: the closing notice by e-mail (nodemailer over SMTP), to the members the closing
 * concerns who have an e-mail address and consented to e-mail. Each message has a text and an HTML part with the
 * member's personal link. What became of each (sent with its message id, failed, bounced) is recorded per member as
 * soon as it is known, so a rerun sends only to those not yet sent (failed ones again, bounced ones never): a run
 * stopped or crashed midway never mails anyone twice (at most the one message in flight at a crash).
 * Throttled to `rate` messages a second; an abort signal (Ctrl-C) stops it after the message in flight.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import nodemailer from 'nodemailer';
import type { Transporter } from 'nodemailer';
import { deadlineMessage } from '../../loyalty/closing.ts';
import { localeOf } from '../../loyalty/i18n/locale.ts';
import { messages } from '../../loyalty/i18n/messages.ts';
import { CodedError } from '../../protocol/errors.ts';
import type { LedgerStore } from '../store/types.ts';
import { closingProgram, memberPages, type ClosingProgram, type Notice } from './notices.ts';
import { esc } from '../portal/page.ts';

export interface EmailRun {
  sent: number;
  failed: number;
  bounced: number;
  /** Members with e-mail and consent who had been sent (or bounced) before. */
  skipped: number;
  /** True when the signal stopped the run before the end. */
  stopped: boolean;
}

export interface SendEmailOptions {
  transport: Pick<Transporter, 'sendMail'>;
  from: string;
  portalUrl: string | null;
  /** Messages per second (default 10). */
  rate?: number;
  signal?: AbortSignal;
  onProgress?: (run: EmailRun) => void;
  now?: () => number;
}

/** An SMTP transport from SMTP_HOST, SMTP_PORT, SMTP_SECURE (true: TLS from the start), SMTP_USER and SMTP_PASS. */
export function smtpTransportFromEnv(env: NodeJS.ProcessEnv = process.env): Transporter {
  const host = env['SMTP_HOST'];
  if (!host) throw new CodedError('BAD_ARGUMENT', 'set SMTP_HOST (and SMTP_PORT, SMTP_SECURE, SMTP_USER, SMTP_PASS).');
  const port = Number(env['SMTP_PORT'] ?? '587');
  if (!Number.isInteger(port) || port < 1 || port > 65_535)
    throw new CodedError('BAD_ARGUMENT', `SMTP_PORT "${env['SMTP_PORT']}" is not a port.`);
  const user = env['SMTP_USER'];
  return nodemailer.createTransport({
    host,
    port,
    secure: env['SMTP_SECURE'] === 'true',
    ...(user ? { auth: { user, pass: env['SMTP_PASS'] ?? '' } } : {}),
  });
}

function message(program: ClosingProgram, n: Notice, now: number): { subject: string; text: string; html: string } {
  // Worded in the program's locale, money and days formatted by Intl for it.
  const m = messages(localeOf(program));
  const lastDay = m.day(program.closing.burnDeadline - 1);
  const lines = [
    m.t('letter.dear', { name: n.name }),
    deadlineMessage(program, now, m) ?? '',
    m.t('email.balance', {
      points: n.balance,
      value: m.money(n.valueCents, program.currency),
      voucher: m.money(n.voucherCents, program.currency),
      lastDay,
    }),
    n.link ? m.t('email.page', { link: n.link }) : m.t('email.atTill'),
    m.t('email.ref', { ref: n.ref }),
  ];
  return {
    subject: m.t('email.subject', { program: program.name, lastDay }),
    text: lines.join('\n\n'),
    html: `<!doctype html><html lang="${esc(m.locale)}"><body>${lines
      .map((l) =>
        n.link && l.includes(n.link)
          ? `<p>${esc(l.replace(n.link, ''))}<a href="${esc(n.link)}">${esc(n.link)}</a></p>`
          : `<p>${esc(l)}</p>`,
      )
      .join('')}</body></html>`,
  };
}

/** A permanent refusal (5xx) is a bounce; anything else a failure, tried again on the next run. */
const bounced = (err: unknown): boolean => {
  const code = (err as { responseCode?: unknown }).responseCode;
  return typeof code === 'number' && code >= 500;
};

export async function sendEmailNotices(store: LedgerStore, opts: SendEmailOptions): Promise<EmailRun> {
  const program = await closingProgram(store);
  const now = opts.now ?? Date.now;
  const gap = 1000 / (opts.rate ?? 10);
  const run: EmailRun = { sent: 0, failed: 0, bounced: 0, skipped: 0, stopped: false };
  let last = 0;
  for await (const page of memberPages(store, program, { portalUrl: opts.portalUrl })) {
    const withEmail = page.filter((n) => (n.email ?? '').trim() !== '');
    const consents = await store.consents.states(withEmail.map((n) => n.memberId));
    const before = await store.memberChannel.emailsOf(
      withEmail.map((n) => n.memberId),
      program.version,
    );
    for (const n of withEmail) {
      if (!consents.get(n.memberId)?.email) continue;
      const prior = before.get(n.memberId)?.status;
      if (prior === 'sent' || prior === 'bounced') {
        run.skipped++;
        continue;
      }
      if (opts.signal?.aborted) {
        run.stopped = true;
        return run;
      }
      const wait = last + gap - performance.now();
      if (wait > 0) await sleep(wait);
      last = performance.now();
      const m = message(program, n, now());
      let record;
      try {
        const info = (await opts.transport.sendMail({ from: opts.from, to: n.email ?? '', ...m })) as {
          messageId?: string;
          rejected?: unknown[];
        };
        const rejected = (info.rejected ?? []).length > 0;
        record = {
          status: rejected ? ('bounced' as const) : ('sent' as const),
          messageId: info.messageId ?? null,
          error: null,
        };
      } catch (err) {
        record = {
          status: bounced(err) ? ('bounced' as const) : ('failed' as const),
          messageId: null,
          error: (err instanceof Error ? err.message : String(err)).slice(0, 500),
        };
      }
      await store.memberChannel.recordEmails([
        { memberId: n.memberId, programVersion: program.version, at: now(), ...record },
      ]);
      run[record.status]++;
      opts.onProgress?.(run);
    }
  }
  return run;
}
