/**
 * `ledger`: head office's command line. Every argument is validated; an error prints its code and a sentence and
 * exits with status 2, changing nothing.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { Command, CommanderError } from 'commander';
import { v7 as uuidv7 } from 'uuid';
import { LocaleSchema } from '../loyalty/i18n/locale.ts';
import { ProgramSchema, type Program } from '../loyalty/program.ts';
import { StoreIdSchema, TillIdSchema } from '../loyalty/units.ts';
import { CodedError } from '../protocol/errors.ts';
import { describeIssues } from '../protocol/messages.ts';
import { PinSchema, hashPin } from '../protocol/pin.ts';
import { DEMO_MANAGER_PIN, addTill, importMembers, seedDemo, setProgramLocale } from './admin.ts';
import { createLogger } from './log.ts';
import { registerClosingStatusCommand, registerPortalCommands } from './cli/portal.ts';
import { parseMembersCsv } from './members-csv.ts';
import { startLedgerServer, type LedgerServerOptions } from './server.ts';
import { openStore, storeOptionsFromEnv } from './store/open.ts';
import type { LedgerStore } from './store/types.ts';
import { dataDir, parseId, parsePort, parsePositiveInt, withStore } from './cli/support.ts';
import { registerTransitionCommands } from './cli/transition.ts';
import { registerReportCommands } from './cli/reports.ts';
import { registerEventCommands } from './cli/events.ts';
import { registerAuditCommands } from './cli/audit.ts';
import { registerTillSecurityCommands } from './cli/tills.ts';
import { registerActionLog } from './cli/actions.ts';
import { registerBackupCommands } from './cli/backup.ts';
import { registerMemberCommands } from './cli/members.ts';
import { takeServeLock } from './cli/serve-lock.ts';
import { drainMsFromEnv, registerClusterCommands } from './cli/cluster.ts';
import { registerUserCommands } from './cli/users.ts';

const DEFAULT_PORT = 7400;

type IntakeSizes = NonNullable<LedgerServerOptions['intake']>;

/** The intake's sizes from `serve`'s flags; a flag not given keeps the server's default. */
function parseIntakeSizes(o: {
  maxQueuedOps?: string;
  maxGroupOps?: string;
  maxQueueWaitMs?: string;
  groupBudgetMs?: string;
}): IntakeSizes {
  const sizes: IntakeSizes = {};
  if (o.maxQueuedOps !== undefined) sizes.maxQueuedOps = parsePositiveInt(o.maxQueuedOps, '--max-queued-ops');
  if (o.maxGroupOps !== undefined) sizes.maxGroupOps = parsePositiveInt(o.maxGroupOps, '--max-group-ops');
  if (o.maxQueueWaitMs !== undefined) sizes.maxQueueWaitMs = parsePositiveInt(o.maxQueueWaitMs, '--max-queue-wait-ms');
  if (o.groupBudgetMs !== undefined) sizes.groupBudgetMs = parsePositiveInt(o.groupBudgetMs, '--group-budget-ms');
  return sizes;
}

async function serve(store: LedgerStore, port: number, host: string, intake: IntakeSizes = {}) {
  const logger = createLogger();
  const server = await startLedgerServer({ store, logger, port, host, intake });
  const stop = async (signal: string) => {
    logger.info({ signal }, 'stopping');
    // In a cluster: /health answers 503 for --drain-ms, so that the load balancer moves new tills away first.
    const drainMs = drainMsFromEnv();
    await (drainMs > 0 ? server.drain(drainMs) : server.close());
    await store.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
  return server;
}

export function buildCli(): Command {
  const program = new Command('ledger')
    .description('Central loyalty ledger: head-office commands and the till sync server')
    .option(
      '--data <dir>',
      'data folder for the SQLite ledger (default: $LEDGER_DATA or ./data); DATABASE_URL selects PostgreSQL',
    )
    .exitOverride()
    .showHelpAfterError();

  program
    .command('init')
    .description('create the ledger database (SQLite file under the data folder, or PostgreSQL from DATABASE_URL)')
    .action(async (_o, cmd: Command) => {
      await withStore(cmd, (store, dir) => {
        console.log(
          store.dialect === 'sqlite' ? `ledger ready: ${resolve(dir, 'ledger.sqlite')}` : 'ledger ready on PostgreSQL',
        );
        return Promise.resolve();
      });
    });

  const stores = program.command('store').description('stores');
  stores
    .command('add <storeId>')
    .requiredOption('--name <name>', 'display name')
    .action(async (id: string, o: { name: string }, cmd: Command) => {
      const storeId = parseId(StoreIdSchema, id, 'store id');
      if (!o.name.trim() || o.name.length > 120)
        throw new CodedError('BAD_ARGUMENT', 'a store name is 1 to 120 characters.');
      await withStore(cmd, async (store) => {
        if (await store.getStore(storeId)) throw new CodedError('STORE_EXISTS', `store ${storeId} already exists.`);
        await store.addStore({ storeId, name: o.name.trim() });
        console.log(`store ${storeId} added`);
      });
    });
  stores
    .command('set-pin <storeId>')
    .description("set the store's manager PIN (4-8 digits), read from standard input; tills get it on their next sync")
    .action(async (id: string, _o, cmd: Command) => {
      const storeId = parseId(StoreIdSchema, id, 'store id');
      const pin = (await readStdin()).trim();
      if (!PinSchema.safeParse(pin).success)
        throw new CodedError(
          'BAD_ARGUMENT',
          'give the PIN on standard input, 4 to 8 digits (e.g. `echo 4821 | ledger store set-pin S`).',
        );
      await withStore(cmd, async (store) => {
        if (!(await store.getStore(storeId))) throw new CodedError('UNKNOWN_STORE', `store ${storeId} does not exist.`);
        await store.setManagerPin(storeId, await hashPin(pin));
        console.log(`manager PIN of store ${storeId} set`);
      });
    });
  stores.command('list').action(async (_o, cmd: Command) => {
    await withStore(cmd, async (store) => {
      for (const s of await store.listStores()) console.log(`${s.storeId}\t${s.name}`);
    });
  });

  const tills = program.command('till').description('tills');
  tills
    .command('add <tillId>')
    .description('register a till and print its token (shown once; only its hash is stored)')
    .requiredOption('--store <storeId>', 'the store the till belongs to')
    .action(async (id: string, o: { store: string }, cmd: Command) => {
      const tillId = parseId(TillIdSchema, id, 'till id');
      const storeId = parseId(StoreIdSchema, o.store, 'store id');
      await withStore(cmd, async (store) => {
        const token = await addTill(store, tillId, storeId);
        console.log(`till ${tillId} added to store ${storeId}`);
        console.log(`token: ${token}`);
        console.log('Keep this token: it is shown only now. Enter it in the till settings.');
      });
    });
  tills.command('list').action(async (_o, cmd: Command) => {
    await withStore(cmd, async (store) => {
      for (const t of await store.listTills())
        console.log(
          `${t.tillId}\t${t.storeId}\tlast seq ${t.lastSeq}${t.revokedAt ? '\trevoked' : ''}` +
            (t.movingTo ? `\tmoving to ${t.movingTo} once drained` : ''),
        );
    });
  });

  const members = program.command('members').description('members');
  members
    .command('import <file>')
    .description(
      'import members from a CSV file (card,name,email,postal_address,home_store,opening_balance,birthday,lifetime_points,welcome_given,joined); all or nothing',
    )
    .option('--store <storeId>', 'hold the imported members at this store (sent to its tills)')
    .action(async (file: string, o: { store?: string }, cmd: Command) => {
      const holdAt = o.store === undefined ? undefined : parseId(StoreIdSchema, o.store, 'store id');
      let text: string;
      try {
        text = await readFile(file, 'utf8');
      } catch {
        throw new CodedError('FILE_NOT_FOUND', `cannot read ${file}.`);
      }
      const parsed = parseMembersCsv(text, { makeId: () => uuidv7() });
      if (!parsed.ok) {
        for (const e of parsed.errors) console.error(`line ${e.line}: ${e.code}: ${e.message}`);
        throw new CodedError('CSV_INVALID', `${file}: ${parsed.errors.length} problem(s); nothing was imported.`);
      }
      await withStore(cmd, async (store) => {
        if (holdAt && !(await store.getStore(holdAt)))
          throw new CodedError('UNKNOWN_STORE', `store ${holdAt} does not exist.`);
        let n: number;
        try {
          n = await importMembers(store, parsed.rows, { holdAt, now: Date.now() });
        } catch (err) {
          // The store refuses the whole file when a card or id is already held (nothing is imported).
          if (err instanceof Error && err.message.startsWith('import refused:'))
            throw new CodedError(
              /card/.test(err.message) ? 'CARD_TAKEN' : 'MEMBER_EXISTS',
              `${err.message}; nothing was imported.`,
            );
          throw err;
        }
        console.log(`${n} members imported`);
      });
    });

  const programs = program.command('program').description('program rules (versioned)');
  programs
    .command('set <file>')
    .description('store a program version from a JSON file; tills pick it up on their next sync')
    .action(async (file: string, _o, cmd: Command) => {
      let json: unknown;
      try {
        json = JSON.parse(await readFile(file, 'utf8'));
      } catch {
        throw new CodedError('BAD_ARGUMENT', `${file} is not a readable JSON file.`);
      }
      const r = ProgramSchema.safeParse(json);
      if (!r.success) throw new CodedError('PROGRAM_INVALID', `${file}: ${describeIssues(r.error).join('; ')}`);
      await withStore(cmd, async (store) => {
        const current = await store.latestProgram();
        if (current && r.data.version <= current.version)
          throw new CodedError(
            'PROGRAM_VERSION',
            `version ${r.data.version} is not newer than the current ${current.version}.`,
          );
        await store.putProgram(r.data);
        console.log(`program version ${r.data.version} stored`);
      });
    });
  programs
    .command('locale <locale>')
    .description("store a new program version in LOCALE (en-GB or fr-FR): the tills' screens, receipts and letters")
    .action(async (locale: string, _o, cmd: Command) => {
      await withStore(cmd, async (store) => {
        const p = await setProgramLocale(store, locale);
        console.log(`program version ${p.version} is in ${p.locale ?? 'en-GB'}`);
      });
    });
  programs.command('show').action(async (_o, cmd: Command) => {
    await withStore(cmd, async (store) => {
      const p: Program | undefined = await store.latestProgram();
      if (!p) throw new CodedError('NO_PROGRAM', 'no program yet: set one with "ledger program set FILE.json".');
      console.log(JSON.stringify(p, null, 2));
    });
  });

  program
    .command('serve')
    .description('run the ledger server for tills')
    .option('--port <port>', 'port to listen on', String(DEFAULT_PORT))
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--max-queued-ops <n>', 'ops waiting in the intake beyond which pushes are shed (default 200000)')
    .option('--max-group-ops <n>', 'most ops committed in one group (default 5000)')
    .option(
      '--max-queue-wait-ms <ms>',
      'expected wait for the queued ops beyond which pushes are shed; keep it under the till ack timeout (default 2000)',
    )
    .option(
      '--group-budget-ms <ms>',
      'background groups are sized to commit in about this time, so an authorization never waits long (default 40 on SQLite, 100 on PostgreSQL)',
    )
    .action(
      async (
        o: {
          port: string;
          host: string;
          maxQueuedOps?: string;
          maxGroupOps?: string;
          maxQueueWaitMs?: string;
          groupBudgetMs?: string;
        },
        cmd: Command,
      ) => {
        const port = parsePort(o.port);
        // Checked before the database is opened: a bad flag changes nothing.
        const intake = parseIntakeSizes(o);
        const dir = dataDir(cmd);
        await mkdir(dir, { recursive: true });
        const storeOptions = storeOptionsFromEnv(dir);
        // SQLite takes one serving process (cli/serve-lock.ts); PostgreSQL any number.
        if ('dataDir' in storeOptions) takeServeLock(dir);
        const store = await openStore(storeOptions);
        await store.migrate();
        if (!(await store.latestProgram()))
          throw new CodedError('NO_PROGRAM', 'no program yet: run "ledger demo" or "ledger program set FILE.json".');
        const server = await serve(store, port, o.host, intake);
        const sizes = [
          intake.maxQueuedOps !== undefined ? `max queued ops ${intake.maxQueuedOps}` : '',
          intake.maxGroupOps !== undefined ? `max group ops ${intake.maxGroupOps}` : '',
          intake.maxQueueWaitMs !== undefined ? `max queue wait ${intake.maxQueueWaitMs} ms` : '',
          intake.groupBudgetMs !== undefined ? `group budget ${intake.groupBudgetMs} ms` : '',
        ].filter((x) => x !== '');
        // Says which sizes this process runs with, so an operator can check the flags took.
        if (sizes.length > 0) console.log(`intake: ${sizes.join(', ')}`);
        console.log(`ledger listening on ${server.url} (tills connect to ${server.url}/till)`);
      },
    );

  program
    .command('demo')
    .description('seed an empty ledger with demo data (program, store, 2 tills, members) and serve it')
    .option('--port <port>', 'port to listen on', String(DEFAULT_PORT))
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--members <n>', 'members to create', '200')
    .option('--locale <locale>', 'the demo program in en-GB (pounds) or fr-FR (euros, French names)', 'en-GB')
    .action(async (o: { port: string; host: string; members: string; locale: string }, cmd: Command) => {
      const port = parsePort(o.port);
      const count = Number(o.members);
      if (!Number.isInteger(count) || count < 0 || count > 1_000_000)
        throw new CodedError('BAD_ARGUMENT', '--members is a whole number up to 1,000,000.');
      const dir = dataDir(cmd);
      await mkdir(dir, { recursive: true });
      const storeOptions = storeOptionsFromEnv(dir);
      if ('dataDir' in storeOptions) takeServeLock(dir);
      const store = await openStore(storeOptions);
      await store.migrate();
      const credsFile = resolve(dir, 'demo-tills.json');
      const locale = LocaleSchema.safeParse(o.locale);
      if (!locale.success) throw new CodedError('BAD_ARGUMENT', '--locale is en-GB or fr-FR.');
      if (!(await store.latestProgram())) {
        const seeded = await seedDemo(store, { members: count, now: Date.now(), locale: locale.data });
        await writeFile(credsFile, JSON.stringify(seeded, null, 2), { mode: 0o600 });
        console.log(
          `seeded demo data: store ${seeded.storeId}, tills ${seeded.tills.map((t) => t.tillId).join(', ')}, ${count} members`,
        );
        console.log(`manager PIN of ${seeded.storeId}: ${DEMO_MANAGER_PIN}`);
      }
      const server = await serve(store, port, o.host);
      console.log(`ledger listening on ${server.url} (health: ${server.url}/health)`);
      console.log(`till credentials: ${credsFile}`);
    });

  registerTransitionCommands(program);
  registerReportCommands(program);
  registerEventCommands(program);
  registerAuditCommands(program);
  registerTillSecurityCommands(program);
  registerBackupCommands(program);
  registerMemberCommands(program);
  registerUserCommands(program);
  registerPortalCommands(program);
  registerClosingStatusCommand(program);
  registerActionLog(program);
  registerClusterCommands(program);
  return program;
}

/** Standard input as text; empty when it is a terminal (nothing piped). */
async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) return '';
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function main(argv: string[]): Promise<void> {
  try {
    await buildCli().parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) process.exit(err.exitCode === 0 ? 0 : 2);
    if (err instanceof Error && 'code' in err && err.code === 'EADDRINUSE') {
      console.error(`error PORT_IN_USE: ${err.message}; choose another with --port.`);
      process.exit(2);
    }
    if (err instanceof CodedError) {
      console.error(`error ${err.code}: ${err.message}`);
      process.exit(2);
    }
    console.error(`error INTERNAL: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  }
}

await main(process.argv);
