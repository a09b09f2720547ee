/**
 * Head office's event-feed commands: `ledger events` prints the feed as NDJSON straight from the store (the same
 * lines as `GET /events`), `ledger webhook add|list|remove|disable|enable` manages the receivers the ledger's delivery worker posts
 * to (webhooks.ts). Arguments are checked first: a bad one prints its code and a sentence, exits 2, changes nothing.
 */
import type { Command } from 'commander';
import { CodedError } from '../../protocol/errors.ts';
import type { LedgerStore } from '../store/types.ts';
import {
  addWebhook,
  listWebhooks,
  newWebhookSecret,
  parseConsentChannel,
  parseWebhookUrl,
  removeWebhook,
  setWebhookDisabled,
} from '../webhooks.ts';
import { withStore } from './support.ts';

/** Events read per query. */
const PAGE = 1000;
/** How often `--follow` looks for new events. */
const FOLLOW_POLL_MS = 500;

/** A cursor: a whole number, 0 or more (digits only). */
export function parseCursor(value: string, flag: string): number {
  const n = Number(value);
  if (!/^\d{1,16}$/.test(value) || !Number.isSafeInteger(n))
    throw new CodedError('BAD_ARGUMENT', `${flag} "${value}" is not a whole number (an event seq, 0 or more).`);
  return n;
}

function parseLimit(value: string): number {
  const n = Number(value);
  if (!/^\d{1,16}$/.test(value) || !Number.isSafeInteger(n) || n < 1)
    throw new CodedError('BAD_ARGUMENT', `--limit "${value}" is not a whole number above 0.`);
  return n;
}

/** Writes to stdout and waits until it is flushed (so a slow reader holds us back); false once the reader has gone. */
function writeOut(text: string): Promise<boolean> {
  if (process.stdout.destroyed || !process.stdout.writable) return Promise.resolve(false);
  return new Promise((resolve) => {
    process.stdout.write(text, (err) => resolve(!err));
  });
}

/**
 * Prints events after `after` as NDJSON, at most `limit` (all when undefined); with `follow`, keeps printing new
 * ones until `signal` aborts. Returns the last seq printed (the cursor to continue from).
 */
export async function printEvents(
  store: LedgerStore,
  opts: { after: number; limit?: number | undefined; follow: boolean; signal?: AbortSignal },
): Promise<number> {
  let cursor = opts.after;
  let left = opts.limit ?? Number.POSITIVE_INFINITY;
  while (left > 0 && !opts.signal?.aborted) {
    const page = await store.listEvents(cursor, Math.min(PAGE, left));
    if (page.length > 0) {
      if (!(await writeOut(page.map((e) => `${JSON.stringify(e)}\n`).join('')))) break;
      cursor = page[page.length - 1]?.seq ?? cursor;
      left -= page.length;
      continue;
    }
    if (!opts.follow) break;
    await new Promise<void>((resolve) => {
      const t = setTimeout(done, FOLLOW_POLL_MS);
      function done() {
        clearTimeout(t);
        opts.signal?.removeEventListener('abort', done);
        resolve();
      }
      opts.signal?.addEventListener('abort', done);
    });
  }
  return cursor;
}

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) return '';
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

const when = (t: number | null): string => (t === null ? '-' : new Date(t).toISOString());

export function registerEventCommands(program: Command): void {
  program
    .command('events')
    .description('print the event feed as NDJSON (one event per line, in seq order) from a cursor')
    .option('--after <seq>', 'print the events after this seq (the last one you have)', '0')
    .option('--limit <n>', 'print at most this many events (default: all)')
    .option('--follow', 'keep printing new events as they are written, until interrupted')
    .action(async (o: { after: string; limit?: string; follow?: boolean }, cmd: Command) => {
      const after = parseCursor(o.after, '--after');
      const limit = o.limit === undefined ? undefined : parseLimit(o.limit);
      const follow = o.follow === true;
      // A reader that goes away (`| head`) ends the output quietly instead of crashing on EPIPE.
      process.stdout.on('error', () => undefined);
      await withStore(cmd, async (store) => {
        const stop = new AbortController();
        const onSignal = () => stop.abort();
        process.once('SIGINT', onSignal);
        process.once('SIGTERM', onSignal);
        try {
          await printEvents(store, { after, limit, follow, signal: stop.signal });
        } finally {
          process.off('SIGINT', onSignal);
          process.off('SIGTERM', onSignal);
        }
      });
    });

  const hooks = program.command('webhook').description('receivers of the event feed (signed POSTs)');
  hooks
    .command('add <url>')
    .description('register a receiver; its HMAC secret is printed once (or read with --secret-stdin)')
    .option('--secret-stdin', 'read the secret from standard input (16 to 256 characters) instead of making one')
    .option('--after <seq>', 'deliver the events after this seq (default: only events written from now on; 0: all)')
    .option('--consent <channel>', 'member events only for members who consented to this channel: email, sms, post')
    .action(async (url: string, o: { secretStdin?: boolean; after?: string; consent?: string }, cmd: Command) => {
      const clean = parseWebhookUrl(url);
      const consent = o.consent === undefined ? undefined : parseConsentChannel(o.consent);
      const after = o.after === undefined ? undefined : parseCursor(o.after, '--after');
      let secret: string;
      if (o.secretStdin) {
        secret = (await readStdin()).trim();
        if (secret.length < 16 || secret.length > 256 || /\s/.test(secret))
          throw new CodedError(
            'BAD_ARGUMENT',
            'give the secret on standard input: 16 to 256 characters without spaces (e.g. `openssl rand -hex 32`).',
          );
      } else {
        secret = newWebhookSecret();
      }
      await withStore(cmd, async (store) => {
        const w = await addWebhook(store, { url: clean, secret, after, consent });
        console.log(
          `webhook ${w.webhookId} added: ${w.url}, from event ${w.cursor}` +
            (consent ? `, member events only for members who consented to ${consent}` : ''),
        );
        if (!o.secretStdin) {
          console.log(`secret: ${secret}`);
          console.log('Keep this secret: it is shown only now. The receiver checks X-Loyalty-Signature with it.');
        }
      });
    });
  hooks
    .command('list')
    .description(
      'list receivers: id, url, cursor, lag (events not yet delivered), failed attempts, last error, consent filter',
    )
    .action(async (_o, cmd: Command) => {
      await withStore(cmd, async (store) => {
        console.log(['id', 'url', 'cursor', 'lag', 'attempts', 'next_attempt', 'last_error', 'consent'].join('\t'));
        for (const w of await listWebhooks(store))
          console.log(
            [
              w.webhookId,
              w.url,
              w.cursor,
              w.lag,
              w.attempts,
              w.disabledAt === null ? when(w.nextAttemptAt) : `disabled ${when(w.disabledAt)}`,
              (w.lastError ?? '-').replace(/\s+/g, ' '),
              // The channel whose consent a member event needs to be delivered ('-': every member event goes).
              w.consentChannel ?? '-',
            ].join('\t'),
          );
      });
    });
  const webhookId = (id: string): string => {
    if (!/^[0-9a-f-]{36}$/i.test(id)) throw new CodedError('BAD_ARGUMENT', `webhook id "${id}" is not a webhook id.`);
    return id.toLowerCase();
  };
  const unknown = (id: string) =>
    new CodedError('UNKNOWN_WEBHOOK', `no webhook has the id ${id}; see "ledger webhook list".`);
  hooks
    .command('remove <id>')
    .description('remove a receiver (deliveries to it stop)')
    .action(async (id: string, _o, cmd: Command) => {
      const clean = webhookId(id);
      await withStore(cmd, async (store) => {
        if (!(await removeWebhook(store, clean))) throw unknown(id);
        console.log(`webhook ${id} removed`);
      });
    });
  hooks
    .command('disable <id>')
    .description('pause deliveries to a receiver (its cursor is kept; events wait for it)')
    .action(async (id: string, _o, cmd: Command) => {
      const clean = webhookId(id);
      await withStore(cmd, async (store) => {
        if (!(await setWebhookDisabled(store, clean, Date.now()))) throw unknown(id);
        console.log(`webhook ${id} disabled: no deliveries until "ledger webhook enable ${id}"`);
      });
    });
  hooks
    .command('enable <id>')
    .description('resume deliveries to a receiver from its cursor, at once')
    .action(async (id: string, _o, cmd: Command) => {
      const clean = webhookId(id);
      await withStore(cmd, async (store) => {
        if (!(await setWebhookDisabled(store, clean, null))) throw unknown(id);
        console.log(`webhook ${id} enabled: deliveries resume from its cursor`);
      });
    });
}
