/**
 * The web console during a rush: a head-office user logged in over HTTP who keeps reading the console's pages the
 * way the page does (tills, rush, conflicts, closing; one request at a time, every `intervalMs`), recording each
 * request's latency, so that a benchmark can put the console API's p99 beside the authorizations'.
 */
import { addConsoleUser } from '../../../sync/ledger/console/users.ts';
import type { TestDatabase } from '../../support/databases.ts';
import { openBenchStore } from './bench-db.ts';

export const BENCH_CONSOLE_USER = { name: 'bench-head-office', password: 'bench console password' };

/** Adds the bench's console user to the database (before the ledger starts). */
export async function addBenchConsoleUser(db: TestDatabase): Promise<void> {
  const store = await openBenchStore(db);
  try {
    await store.migrate();
    await addConsoleUser(store, { ...BENCH_CONSOLE_USER, role: 'head-office' }, Date.now());
  } finally {
    await store.close();
  }
}

const PAGES = ['/tills', '/rush', '/conflicts', '/closing', '/stores'];

export class ConsoleProbe {
  latenciesMs: number[] = [];
  failures = 0;

  private constructor(
    private readonly url: string,
    private readonly cookie: string,
  ) {}

  static async login(url: string): Promise<ConsoleProbe> {
    const res = await fetch(`${url}/console/api/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: url },
      body: JSON.stringify(BENCH_CONSOLE_USER),
    });
    if (!res.ok) throw new Error(`console login refused: ${res.status} ${await res.text()}`);
    const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    return new ConsoleProbe(url, cookie);
  }

  reset(): void {
    this.latenciesMs = [];
    this.failures = 0;
  }

  /** One read of one page's API; its latency is recorded when it succeeds, a failure counted otherwise. */
  async once(i: number): Promise<void> {
    const path = PAGES[i % PAGES.length] ?? '/tills';
    const t = performance.now();
    try {
      const res = await fetch(`${this.url}/console/api${path}`, { headers: { cookie: this.cookie } });
      await res.arrayBuffer();
      if (res.ok) this.latenciesMs.push(performance.now() - t);
      else this.failures++;
    } catch {
      this.failures++;
    }
  }

  /** Reads page after page every `intervalMs` until `done()`. */
  async run(intervalMs: number, done: () => boolean): Promise<void> {
    for (let i = 0; !done(); i++) {
      const t = performance.now();
      await this.once(i);
      await new Promise((r) => setTimeout(r, Math.max(0, intervalMs - (performance.now() - t))));
    }
  }
}
