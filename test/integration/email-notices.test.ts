/**
 * E-mail notices against a real SMTP server (smtp-server on port 0): every consenting member with an address gets one
 * message with a text and an HTML part carrying the personal link; a failure midway is recorded, and the rerun mails
 * only the member it failed for, nobody twice. A permanent refusal is a bounce, never retried.
 */
import type { AddressInfo } from 'node:net';
import nodemailer from 'nodemailer';
import { SMTPServer } from 'smtp-server';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sendEmailNotices } from '../../sync/ledger/reports/email-notices.ts';
import type { LedgerStore } from '../../sync/ledger/store/types.ts';
import { consentRecords } from '../../sync/loyalty/consent.ts';
import { backends } from '../support/databases.ts';
import { freshStore, reportProgram, T0, type Fresh } from '../sync/ledger/reports/ledger-builder.ts';
import { importRow, memberId } from '../sync/ledger/store/fixtures.ts';

/** A raw message made readable: quoted-printable bodies and encoded-word headers decoded, French spaces plain. */
function decoded(raw: string): string {
  const qp = (t: string) =>
    Buffer.from(
      t.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16))),
      'latin1',
    ).toString('utf8');
  return qp(
    raw
      .replace(/\r?\n[ \t]+(?==\?)/g, '')
      .replace(/=\?UTF-8\?([QB])\?(.*?)\?=/gi, (_, how: string, text: string) =>
        how.toUpperCase() === 'B' ? Buffer.from(text, 'base64').toString('utf8') : qp(text.replace(/_/g, ' ')),
      ),
  ).replace(/[\u202f\u00a0]/g, ' ');
}

interface Received {
  to: string;
  raw: string;
}

describe.each(backends)('e-mail notices on %s', (backend) => {
  let fresh: Fresh;
  let store: LedgerStore;
  let smtp: SMTPServer;
  let port: number;
  const received: Received[] = [];
  /** Recipients to refuse: 4xx once (temporary), or 5xx (permanent). */
  const refuse = new Map<string, 'once' | 'permanent'>();

  beforeEach(async () => {
    received.length = 0;
    refuse.clear();
    fresh = await freshStore(backend, () => T0);
    store = fresh.store;
    await store.putProgram(reportProgram(1));
    await store.importMembers([1, 2, 3, 4, 5, 6].map((n) => importRow(n, n * 100)));
    // Members 1-5 consented to e-mail; 6 did not; 5 has no address.
    await store.consents.record(
      [1, 2, 3, 4, 5].flatMap((n) =>
        consentRecords(memberId(n), { email: true }, { at: T0, place: 'import', method: 'import' }),
      ),
    );
    await store.kysely().updateTable('members').set({ email: null }).where('member_id', '=', memberId(5)).execute();
    smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      onRcptTo(address, _session, callback) {
        const how = refuse.get(address.address);
        if (how === 'permanent') return callback(Object.assign(new Error('no such user'), { responseCode: 550 }));
        if (how === 'once') {
          refuse.delete(address.address);
          return callback(Object.assign(new Error('try later'), { responseCode: 451 }));
        }
        callback();
      },
      onData(stream, session, callback) {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          for (const r of session.envelope.rcptTo)
            received.push({ to: r.address, raw: Buffer.concat(chunks).toString('utf8') });
          callback();
        });
      },
      logger: false,
    });
    await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
    port = (smtp.server.address() as AddressInfo).port;
  });
  afterEach(async () => {
    await new Promise<void>((resolve) => smtp.close(resolve));
    await fresh.dispose();
  });

  const transport = () => nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true });
  const run = (rate = 200) =>
    sendEmailNotices(store, {
      transport: transport(),
      from: 'points@example.com',
      portalUrl: 'https://p.example',
      rate,
    });

  it('mails every consenting member with an address once, text and HTML with the link; a failure is resumed alone', async () => {
    refuse.set('m2@example.com', 'once');
    refuse.set('m4@example.com', 'permanent');
    const first = await run();
    expect(first).toEqual({ sent: 2, failed: 1, bounced: 1, skipped: 0, stopped: false });
    expect(received.map((r) => r.to).sort()).toEqual(['m1@example.com', 'm3@example.com']);
    const one = received.find((r) => r.to === 'm1@example.com')?.raw ?? '';
    expect(one).toMatch(/Content-Type: text\/plain/);
    expect(one).toMatch(/Content-Type: text\/html/);
    expect(one.replace(/=\r?\n/g, '')).toMatch(/https:\/\/p\.example\/m\/L[0-9A-Z*~$=]{9}\.[A-Za-z0-9_-]{22}/);
    const records = await store.memberChannel.emailsOf([1, 2, 3, 4].map(memberId), 1);
    expect(records.get(memberId(1))).toMatchObject({ status: 'sent', messageId: expect.stringMatching(/@/) as string });
    expect(records.get(memberId(2))).toMatchObject({ status: 'failed', messageId: null });
    expect(records.get(memberId(4))).toMatchObject({ status: 'bounced' });

    const second = await run();
    expect(second).toEqual({ sent: 1, failed: 0, bounced: 0, skipped: 3, stopped: false });
    expect(received.map((r) => r.to).sort()).toEqual(['m1@example.com', 'm2@example.com', 'm3@example.com']);
    expect(await run()).toMatchObject({ sent: 0, skipped: 4 });
    expect(received).toHaveLength(3);
    expect(await store.memberChannel.emailCounts(1)).toEqual({ sent: 3, failed: 0, bounced: 1 });
  });

  it('words the message in the program’s locale: a French program mails in French, with French money and dates', async () => {
    await store.putProgram({ ...reportProgram(2), locale: 'fr-FR' });
    expect(await run()).toMatchObject({ sent: 4 });
    const one = decoded(received.find((r) => r.to === 'm1@example.com')?.raw ?? '');
    expect(one).toMatch(/^Subject: .+ : utilisez vos points avant le \d\d\/\d\d\/\d{4} inclus$/m);
    expect(one).toContain('Bonjour Member 1,');
    expect(one).toMatch(/Vous avez 100 points, d’une valeur de \d+,\d\d \S+ dans nos magasins/);
    expect(one).toContain('Répondez aux nouvelles conditions et convertissez vos points sur votre page personnelle :');
    expect(one).toContain('Votre référence de courrier, qui remplace votre carte à n’importe quelle caisse :');
    expect(one).toContain('<html lang="fr-FR">');
    expect(one).not.toMatch(/\b(Dear|You have|Answer the new terms|letter reference|use your points)\b/);
  });

  it('throttles to the rate asked and stops cleanly on the signal, going on where it stopped', async () => {
    const stop = new AbortController();
    const started = performance.now();
    const r = await sendEmailNotices(store, {
      transport: transport(),
      from: 'points@example.com',
      portalUrl: null,
      rate: 10,
      signal: stop.signal,
      onProgress: (p) => {
        if (p.sent === 2) stop.abort();
      },
    });
    expect(r).toMatchObject({ sent: 2, stopped: true });
    expect(performance.now() - started).toBeGreaterThanOrEqual(90);
    expect(await run()).toMatchObject({ sent: 2, skipped: 2 });
    expect(new Set(received.map((x) => x.to)).size).toBe(received.length);
  });
});
