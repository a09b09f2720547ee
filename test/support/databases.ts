/** Test databases: a fresh SQLite folder, and a fresh PostgreSQL database when DATABASE_URL is set. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

export interface TestDatabase {
  name: 'sqlite' | 'postgres';
  /** Folder for the ledger's data (always made, also holds logs). */
  dataDir: string;
  /** Set for PostgreSQL: the URL of a database made for this test and dropped after it. */
  databaseUrl?: string;
  drop(): Promise<void>;
}

/** The backends to run a suite on: SQLite always, PostgreSQL when DATABASE_URL is set. */
export const backends: ('sqlite' | 'postgres')[] = process.env['DATABASE_URL'] ? ['sqlite', 'postgres'] : ['sqlite'];

/**
 * The start of each PostgreSQL test database's name: `ledger_test`, or `TEST_DB_PREFIX` for runs that share a server
 * and clean up after themselves by name.
 */
function dbPrefix(): string {
  const prefix = process.env['TEST_DB_PREFIX'] ?? 'ledger_test';
  if (!/^[a-z_][a-z0-9_]{0,30}$/.test(prefix))
    throw new Error(`TEST_DB_PREFIX "${prefix}" is not valid: lower-case letters, digits and underscores (1-31)`);
  return prefix;
}

export async function makeTestDatabase(kind: 'sqlite' | 'postgres'): Promise<TestDatabase> {
  const dataDir = await mkdtemp(join(tmpdir(), 'ledger-test-'));
  if (kind === 'sqlite') {
    return { name: 'sqlite', dataDir, drop: () => rm(dataDir, { recursive: true, force: true }) };
  }
  const admin = process.env['DATABASE_URL'];
  if (!admin) throw new Error('DATABASE_URL is not set');
  const dbName = `${dbPrefix()}_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  await client.query(`CREATE DATABASE ${dbName}`);
  await client.end();
  const url = new URL(admin);
  url.pathname = `/${dbName}`;
  return {
    name: 'postgres',
    dataDir,
    databaseUrl: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: admin });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
      await c.end();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
