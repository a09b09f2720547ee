/** A ledger with the web console on port 0 over a seeded test database, and a small cookie-keeping HTTP client. */
import { addConsoleUser } from '../../../../sync/ledger/console/users.ts';
import { createLogger } from '../../../../sync/ledger/log.ts';
import { startLedgerServer, type LedgerServer } from '../../../../sync/ledger/server.ts';
import { openStore } from '../../../../sync/ledger/store/open.ts';
import type { LedgerStore } from '../../../../sync/ledger/store/types.ts';
import type { Program } from '../../../../sync/loyalty/program.ts';
import type { ConsoleAuthOptions } from '../../../../sync/ledger/console/auth.ts';
import { makeTestDatabase, type TestDatabase } from '../../../support/databases.ts';
import { seedLedger, type Seeded } from '../../../support/seed.ts';

export const PASSWORDS = { boss: 'head office secret 1', anna: 'store a manager pw', bert: 'store b manager pw' };

export interface ConsoleLedger {
  db: TestDatabase;
  store: LedgerStore;
  server: LedgerServer;
  seeded: Seeded;
  url: string;
  clock: { t: number };
  stop(): Promise<void>;
}

/** Users: boss (head office), anna (manager of store-a), bert (manager of store-b). */
export async function startConsoleLedger(
  kind: 'sqlite' | 'postgres',
  opts: {
    auth?: Partial<ConsoleAuthOptions>;
    distDir?: string;
    members?: number;
    tweakProgram?: (p: Program) => Program;
  } = {},
): Promise<ConsoleLedger> {
  const db = await makeTestDatabase(kind);
  const seeded = await seedLedger(db, {
    members: opts.members ?? 5,
    ...(opts.tweakProgram ? { tweakProgram: opts.tweakProgram } : {}),
  });
  const store = await openStore(db.databaseUrl ? { databaseUrl: db.databaseUrl } : { dataDir: db.dataDir });
  await store.migrate();
  const now = Date.now();
  await addConsoleUser(store, { name: 'boss', role: 'head-office', password: PASSWORDS.boss }, now);
  await addConsoleUser(
    store,
    { name: 'anna', role: 'store-manager', storeId: 'store-a', password: PASSWORDS.anna },
    now,
  );
  await addConsoleUser(
    store,
    { name: 'bert', role: 'store-manager', storeId: 'store-b', password: PASSWORDS.bert },
    now,
  );
  const clock = { t: now };
  const server = await startLedgerServer({
    store,
    logger: createLogger(process.env['LEDGER_LOG_LEVEL'] ?? 'silent'),
    port: 0,
    now: () => clock.t,
    webhooks: false,
    console: { ...(opts.distDir !== undefined ? { distDir: opts.distDir } : {}), auth: opts.auth ?? {} },
  });
  return {
    db,
    store,
    server,
    seeded,
    url: server.url,
    clock,
    async stop() {
      await server.close();
      await store.close();
      await db.drop();
    },
  };
}

export interface Answer {
  status: number;
  body: unknown;
  headers: Headers;
}

/** An HTTP client that keeps the session cookie and sends the page's Origin and CSRF token, like the console page. */
export class ConsoleClient {
  cookie = '';
  csrf = '';
  constructor(readonly url: string) {}

  async call(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = { origin: this.url },
  ): Promise<Answer> {
    const res = await fetch(`${this.url}/console/api${path}`, {
      method,
      headers: {
        ...(this.cookie ? { cookie: this.cookie } : {}),
        ...(this.csrf && method !== 'GET' ? { 'x-csrf-token': this.csrf } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...headers,
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const set = res.headers.get('set-cookie');
    if (set) this.cookie = set.split(';')[0] ?? '';
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as unknown) : null, headers: res.headers };
  }

  async login(name: string, password: string): Promise<Answer> {
    const a = await this.call('POST', '/login', { name, password });
    if (a.status === 200) this.csrf = (a.body as { csrfToken: string }).csrfToken;
    return a;
  }
}

export const codeOf = (a: Answer): string | undefined => (a.body as { error?: { code: string } }).error?.code;
