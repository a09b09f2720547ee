/**
 * `node --import tsx scripts/start.ts`: the demo ledger (seeded on first start, as `ledger demo`) and the till page
 * in browser mode, built if needed, on http://127.0.0.1:7410 (till-1) and /?till=till-2 (till-2); the web console,
 * built if needed, on the ledger's http://127.0.0.1:7400/console/ (users: `npm run ledger -- user add ...`). Where the Electron
 * binary is installed, it also opens the till shell on till-1 (see electron-launch.ts); TILL_ELECTRON=0 skips it.
 * `-- --locale fr-FR` shows the till in French: a fresh data folder is seeded with the French demo program (euros);
 * an existing one gets a new program version in that locale, which the tills pick up on their next sync.
 */
/* eslint-disable no-console -- printing where the ledger and the tills listen is this script's job */
import type { ChildProcess } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { DEMO_MANAGER_PIN, seedDemo, setProgramLocale } from '../sync/ledger/admin.ts';
import { LocaleSchema, type Locale } from '../sync/loyalty/i18n/locale.ts';
import { createLogger } from '../sync/ledger/log.ts';
import { startLedgerServer } from '../sync/ledger/server.ts';
import { openStore, storeOptionsFromEnv } from '../sync/ledger/store/open.ts';
import { StoreIdSchema, TillIdSchema } from '../sync/loyalty/units.ts';
import { distDir, ensureRendererBuilt } from '../renderer/build.ts';
import { consoleDistDir, ensureConsoleBuilt } from '../renderer/console/build.ts';
import { serveTill } from '../renderer/serve.ts';
import {
  buildElectron,
  nodeElectronProbe,
  planElectron,
  preconfigureDemoTill,
  spawnElectron,
} from './electron-launch.ts';

const LEDGER_PORT = Number(process.env['LEDGER_PORT'] ?? 7400);
const TILL_PORT = Number(process.env['TILL_PORT'] ?? 7410);
const HOST = '127.0.0.1';
const STORE_NAME = 'Demo High Street';

const DemoTillsSchema = z.object({
  storeId: StoreIdSchema,
  tills: z.array(z.object({ tillId: TillIdSchema, storeId: StoreIdSchema, token: z.string().min(1) })).min(1),
});

/** `--locale fr-FR` (or en-GB): the demo program's locale; absent, the data folder's program is left as it is. */
function localeArgument(): Locale | undefined {
  const { values } = parseArgs({ options: { locale: { type: 'string' } }, allowPositionals: true });
  if (values.locale === undefined) return undefined;
  const locale = LocaleSchema.safeParse(values.locale);
  if (!locale.success) {
    console.error(`error BAD_ARGUMENT: --locale is en-GB or fr-FR, not ${values.locale}.`);
    process.exit(2);
  }
  return locale.data;
}

async function main(): Promise<void> {
  const locale = localeArgument();
  const dir = resolve(process.env['LEDGER_DATA'] ?? 'data');
  await mkdir(dir, { recursive: true });
  const credsFile = resolve(dir, 'demo-tills.json');
  const store = await openStore(storeOptionsFromEnv(dir));
  await store.migrate();
  if (!(await store.latestProgram())) {
    const seeded = await seedDemo(store, { members: 200, now: Date.now(), ...(locale ? { locale } : {}) });
    // Tokens are shown once by the ledger; the demo keeps them for the till pages, readable by this user only.
    await writeFile(credsFile, JSON.stringify(seeded, null, 2), { mode: 0o600 });
    console.log(`seeded demo data: store ${seeded.storeId}, tills ${seeded.tills.map((t) => t.tillId).join(', ')}`);
    console.log(`manager PIN of ${seeded.storeId}: ${DEMO_MANAGER_PIN}`);
  }
  if (locale) {
    const p = await setProgramLocale(store, locale);
    console.log(`program version ${p.version} is in ${p.locale ?? 'en-GB'}`);
  }
  let demo: z.infer<typeof DemoTillsSchema>;
  try {
    demo = DemoTillsSchema.parse(JSON.parse(await readFile(credsFile, 'utf8')));
  } catch {
    console.error(
      `error NO_TILL_CREDENTIALS: ${credsFile} is missing or unreadable, and the ledger in ${dir} was already seeded. ` +
        'Register a till with "npm run ledger -- till add ..." or start from an empty data folder.',
    );
    await store.close();
    process.exit(2);
  }

  const ledger = await startLedgerServer({
    store,
    logger: createLogger(process.env['LOG_LEVEL'] ?? 'warn'),
    port: LEDGER_PORT,
    host: HOST,
  });
  if (await ensureRendererBuilt()) console.log(`renderer built into ${distDir}`);
  if (await ensureConsoleBuilt()) console.log(`console built into ${consoleDistDir}`);
  const first = demo.tills[0]?.tillId;
  const tills = await serveTill({
    distDir,
    port: TILL_PORT,
    host: HOST,
    ledgerOrigin: ledger.url,
    configFor: (tillId) => {
      const till = demo.tills.find((t) => t.tillId === (tillId ?? first));
      return (
        till && {
          ledgerUrl: ledger.url,
          tillId: till.tillId,
          storeId: till.storeId,
          token: till.token,
          storeName: STORE_NAME,
        }
      );
    },
  });

  console.log(`ledger listening on ${ledger.url} (health: ${ledger.url}/health)`);
  const users = await store.consoleUsers.list();
  console.log(
    `web console: ${ledger.url}/console/` +
      (users.length === 0
        ? ' (no user yet: npm run ledger -- user add NAME --role head-office, then log in)'
        : ` (${users.length} user(s))`),
  );
  for (const t of demo.tills)
    console.log(`${t.tillId}: ${tills.url}${t.tillId === first ? '' : `?till=${encodeURIComponent(t.tillId)}`}`);

  const shell = first === undefined ? null : await openShell(demo.tills[0], ledger.url, dir, tills.url);

  const stop = async () => {
    shell?.kill();
    await tills.close();
    await ledger.close();
    await store.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

/** Opens the Electron shell on the demo till where the binary is installed; says how to open the till otherwise. */
async function openShell(
  till: z.infer<typeof DemoTillsSchema>['tills'][number] | undefined,
  ledgerUrl: string,
  dataDir: string,
  browserUrl: string,
): Promise<ChildProcess | null> {
  const plan = planElectron(nodeElectronProbe);
  if (plan.kind === 'browser' || till === undefined) {
    console.log(`Electron is not installed here: open ${browserUrl} in a browser`);
    return null;
  }
  const userDataDir = resolve(dataDir, `electron-${till.tillId}`);
  if (await preconfigureDemoTill(userDataDir, { ledgerUrl, ...till })) {
    console.log(`Electron shell set up for ${till.tillId} in ${userDataDir}`);
  }
  const mainFile = await buildElectron(fileURLToPath(new URL('..', import.meta.url)));
  const child = spawnElectron(plan.binary, mainFile, userDataDir);
  console.log(`Electron shell started for ${till.tillId} (${plan.binary})`);
  child.once('exit', (code) => {
    console.log(
      `Electron shell exited (${code ?? 'signal'}); the ledger and ${browserUrl} keep running (Ctrl+C stops)`,
    );
  });
  return child;
}

await main();
