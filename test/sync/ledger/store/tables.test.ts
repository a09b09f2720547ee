/**
 * The table descriptions the bulk statements are built from (sync/ledger/store/tables.ts) match the schema the
 * migrations make, column for column and type for type, on SQLite and (with DATABASE_URL) on PostgreSQL.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { openStore } from '../../../../sync/ledger/store/open.ts';
import * as tables from '../../../../sync/ledger/store/tables.ts';

interface AnySpec {
  readonly name: string;
  readonly key: readonly string[];
  readonly types: Readonly<Record<string, string>>;
  readonly columns: readonly string[];
}

const specs: readonly AnySpec[] = [
  tables.OPS,
  tables.MEMBERS,
  tables.HOLDS,
  tables.CONFLICTS,
  tables.LOTS,
  tables.VOUCHERS,
  tables.MEMBER_CONSENTS,
  tables.EVENTS,
  tables.TILLS,
  tables.COUNTER,
  tables.TILL_INCARNATIONS,
  tables.RECOVERED_OPS,
  tables.REFUSED_OPS,
  tables.REFUNDS,
  tables.SALE_RECEIPTS,
];

/** Each described table's columns and types as the database has them. */
type Schema = Map<string, Record<string, string>>;

function expectDescriptionsMatch(schema: Schema): void {
  for (const spec of specs) {
    expect(schema.get(spec.name), spec.name).toEqual(spec.types);
    for (const k of spec.key) expect(spec.columns, `${spec.name} key`).toContain(k);
  }
}

describe('table descriptions', () => {
  it('derive the member columns an op may change: every column but the key and the fixed ones', () => {
    expect([...tables.MEMBER_CHANGING_COLUMNS].sort()).toEqual(
      tables.MEMBERS.columns
        .filter((c) => c !== 'member_id' && !(tables.MEMBER_FIXED_COLUMNS as readonly string[]).includes(c))
        .sort(),
    );
    expect(tables.MEMBER_CHANGING_COLUMNS).toContain('ledger_seq');
    expect(tables.MEMBER_CHANGING_COLUMNS).not.toContain('card');
  });

  it('keep each statement under the parameter limit', () => {
    for (const spec of specs) {
      const rows = tables.rowsPerStatement(32_000, spec);
      expect(rows * spec.columns.length, spec.name).toBeLessThanOrEqual(32_000);
      expect((rows + 1) * spec.columns.length, spec.name).toBeGreaterThan(32_000);
    }
  });

  it('match the migrated SQLite schema', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ledger-tables-'));
    try {
      await (await openStore({ dataDir: dir })).close();
      const db = new SqliteDatabase(join(dir, 'ledger.sqlite'), { readonly: true });
      try {
        const schema: Schema = new Map();
        for (const spec of specs) {
          const cols = db.prepare(`select name, type from pragma_table_info(?)`).all(spec.name) as {
            name: string;
            type: string;
          }[];
          schema.set(spec.name, Object.fromEntries(cols.map((c) => [c.name, c.type.toLowerCase()])));
        }
        expectDescriptionsMatch(schema);
      } finally {
        db.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  const databaseUrl = process.env.DATABASE_URL;
  it.runIf(databaseUrl !== undefined)('match the migrated PostgreSQL schema', async () => {
    const url = databaseUrl ?? '';
    const name = `ledger_tables_${process.pid}_${randomBytes(6).toString('hex')}`;
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await (await openStore({ databaseUrl: url, schema: name })).close();
      const { rows } = await client.query<{ table_name: string; column_name: string; data_type: string }>(
        `select table_name, column_name, data_type from information_schema.columns where table_schema = $1`,
        [name],
      );
      const schema: Schema = new Map();
      for (const r of rows) schema.set(r.table_name, { ...schema.get(r.table_name), [r.column_name]: r.data_type });
      expectDescriptionsMatch(schema);
    } finally {
      await client.query(`drop schema if exists ${name} cascade`);
      await client.end();
    }
  });
});
