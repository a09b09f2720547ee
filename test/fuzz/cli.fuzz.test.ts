/**
 * Fuzzing the `ledger` command line. sync/ledger/cli.ts runs main(process.argv) when imported, so the argument
 * parsers are fuzzed directly (each answers its contract or a CodedError BAD_ARGUMENT with a sentence, never another
 * exception), and a handful of real `bin/ledger.js` processes get random bad arguments: exit 2, an `error CODE:` line,
 * and the database unchanged.
 */
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCursor } from '../../sync/ledger/cli/events.ts';
import { parseConsentChannel } from '../../sync/ledger/webhooks.ts';
import { parseExpiringBefore, parseFrom, parseRatePct } from '../../sync/ledger/cli/reports.ts';
import { parseId, parsePort, parsePositiveInt } from '../../sync/ledger/cli/support.ts';
import { parseAsOf, parsePastAsOf } from '../../sync/ledger/cli/transition.ts';
import { openStore } from '../../sync/ledger/store/open.ts';
import { StoreIdSchema, TillIdSchema } from '../../sync/loyalty/units.ts';
import { CodedError } from '../../sync/protocol/errors.ts';
import { makeTestDatabase, type TestDatabase } from '../support/databases.ts';
import { seedLedger, type Seeded } from '../support/seed.ts';
import { ledgerState, runs, timeoutFor, weirdString } from './support.ts';
import { LEDGER_BIN } from '../support/ledger-bin.ts';

const bin = LEDGER_BIN;
const NOW = Date.UTC(2026, 5, 15, 12);

/** An argument a person might type, or one a script might build badly. */
const argument = fc.oneof(
  weirdString,
  fc.constantFrom(
    'now',
    'NOW',
    '2026-02-29',
    '2024-02-29',
    '2026-13-01',
    '0000-00-00',
    '9999-12-31',
    '+275760-09-13',
    '2026-06-15T12:00:00Z',
    '2026-06-15T25:00:00Z',
    '2026-06-15T12:00:00',
    '2026-06-15T12:00:00+99:99',
    '1e3',
    '0x10',
    '12.0',
    ' 12',
    '12 ',
    '-0',
    '0',
    '00',
    '65535',
    '65536',
    '9007199254740991',
    '9007199254740993',
    '99999999999999999999',
    'Infinity',
    '100.00',
    '100.001',
    '.5',
    '١٢٣',
    '１２',
    'store-a',
    '-store',
    'a'.repeat(65),
  ),
  fc.stringMatching(/^[0-9]{0,20}$/),
  fc.stringMatching(/^\d{4}-\d{2}-\d{2}(T[\d:.]{0,12}(Z|[+-]\d{2}:\d{2})?)?$/),
);

type Parser = [name: string, parse: (v: string) => unknown, contract: (out: unknown) => boolean];
const parsers: Parser[] = [
  ['parseAsOf', (v) => parseAsOf(v, NOW), (t) => Number.isFinite(t)],
  ['parsePastAsOf', (v) => parsePastAsOf(v, NOW), (t) => Number.isFinite(t) && (t as number) <= NOW],
  ['parseFrom', (v) => parseFrom(v), (t) => Number.isFinite(t)],
  ['parseExpiringBefore', (v) => parseExpiringBefore(v, NOW), (t) => Number.isFinite(t) && (t as number) > NOW],
  [
    'parsePositiveInt',
    (v) => parsePositiveInt(v, '--max-group-ops'),
    (n) => Number.isSafeInteger(n) && (n as number) >= 1,
  ],
  ['parsePort', parsePort, (n) => Number.isInteger(n) && (n as number) >= 0 && (n as number) <= 65535],
  ['parseCursor', (v) => parseCursor(v, '--after'), (n) => Number.isSafeInteger(n) && (n as number) >= 0],
  ['parseRatePct', parseRatePct, (n) => Number.isInteger(n) && (n as number) >= 0 && (n as number) <= 10_000],
  ['parseId(store)', (v) => parseId(StoreIdSchema, v, 'store id'), (id) => StoreIdSchema.safeParse(id).success],
  ['parseId(till)', (v) => parseId(TillIdSchema, v, 'till id'), (id) => TillIdSchema.safeParse(id).success],
  ['parseConsentChannel', parseConsentChannel, (c) => c === 'email' || c === 'sms' || c === 'post'],
];

describe('CLI argument fuzzing', () => {
  it.each(parsers)(
    '%s answers its contract or BAD_ARGUMENT with a sentence, never another exception',
    (_name, parse, contract) => {
      fc.assert(
        fc.property(argument, (v) => {
          let out: unknown;
          try {
            out = parse(v);
          } catch (e) {
            expect(e).toBeInstanceOf(CodedError);
            expect((e as CodedError).code).toBe('BAD_ARGUMENT');
            expect((e as CodedError).message).toMatch(/^\S.{10,}[.)]$/s);
            return;
          }
          expect(contract(out), `${JSON.stringify(v)} -> ${String(out)}`).toBe(true);
        }),
        { numRuns: runs(500) },
      );
    },
  );
});

describe('CLI processes with bad arguments', () => {
  let db: TestDatabase;
  let seeded: Seeded;

  beforeAll(async () => {
    db = await makeTestDatabase('sqlite');
    seeded = await seedLedger(db, { members: 3 });
  });
  afterAll(async () => {
    await db?.drop();
  });

  const run = (args: string[]): Promise<{ code: number | null; stderr: string }> =>
    new Promise((resolve, reject) => {
      const env: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'warn' };
      delete env['DATABASE_URL'];
      const child = spawn(process.execPath, [bin, '--data', db.dataDir, ...args], {
        env,
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
      child.once('error', reject);
      child.once('exit', (code) => {
        clearTimeout(timer);
        resolve({ code, stderr });
      });
    });

  it(
    'exits 2 with a stable error line and changes nothing (a sample of 19 processes)',
    async () => {
      // Bad values only: each filtered through the parser the command uses, so that no sample is accidentally valid.
      const bad = (parse: (v: string) => unknown) =>
        argument.filter((v) => {
          try {
            parse(v);
            return false;
          } catch {
            return true;
          }
        });
      const [sample] = fc.sample(
        fc.tuple(
          bad((v) => parsePastAsOf(v)),
          bad((v) => parseExpiringBefore(v)),
          bad((v) => parsePositiveInt(v, '--max-group-ops')),
          bad((v) => parseId(TillIdSchema, v, 'till id')),
          fc.stringMatching(/^[a-z]{1,8}$/),
        ),
        { numRuns: 1 },
      );
      if (!sample) throw new Error('no sample');
      const [asOf, expiringBefore, groupOps, tillId, word] = sample;
      // A member file whose one row takes a card another store's member already holds.
      const csv = join(db.dataDir, 'clash.csv');
      await writeFile(csv, `card,name\n${seeded.members[0]!.card},Someone Else\n`);
      // A migrated member whose lifetime points are a word: the whole file is refused, line by line.
      const badLifetime = join(db.dataDir, 'lifetime.csv');
      await writeFile(
        badLifetime,
        `card,name,opening_balance,lifetime_points,welcome_given\n6280000000009999,Old Member,10,${word},yes\n`,
      );
      const cases: { args: string[]; code: RegExp }[] = [
        { args: ['expire', '--as-of', asOf], code: /BAD_ARGUMENT/ },
        {
          args: ['notices', '--expiring-before', expiringBefore, '--format', 'csv', '--out', join(db.dataDir, 'x.csv')],
          code: /BAD_ARGUMENT/,
        },
        { args: ['serve', '--port', '0', '--max-group-ops', groupOps], code: /BAD_ARGUMENT/ },
        { args: ['till', 'add', tillId, '--store', 'store-a'], code: /BAD_ARGUMENT/ },
        { args: ['adjust', `not-a-uuid-${word}`, '10', '--reason', 'x', '--by', 'y'], code: /BAD_ARGUMENT/ },
        // A card another member holds refuses the whole file, with a code (it used to print `error INTERNAL`, exit 1).
        { args: ['members', 'import', csv, '--store', 'store-b'], code: /^CARD_TAKEN$/ },
        { args: ['members', 'import', badLifetime, '--store', 'store-b'], code: /^CSV_INVALID$/ },
        // A file that is not a ledger backup is refused before anything is touched; so is a backup into no folder.
        { args: ['restore', csv], code: /^NOT_A_BACKUP$/ },
        { args: ['backup', join(db.dataDir, `no-folder-${word}`, 'ledger.backup')], code: /^BAD_ARGUMENT$/ },
        // A member's data: a bad id, an unknown member, an erasure without its reason.
        { args: ['member', 'erase', `not-a-uuid-${word}`, '--why', 'x', '--by', 'y'], code: /^BAD_ARGUMENT$/ },
        { args: ['member', 'export', '01890000-0000-7000-8000-000000000000', '--by', 'y'], code: /^UNKNOWN_MEMBER$/ },
        { args: ['member', 'erase', seeded.members[0]!.memberId, '--by', word], code: /^BAD_ARGUMENT$/ },
        // A merge: bad ids, a member into itself, a bad consent choice, no reason, an unknown member.
        ...((keep: string, drop: string) => [
          { args: ['member', 'merge', `not-a-uuid-${word}`, drop, '--why', 'x'], code: /^BAD_ARGUMENT$/ },
          { args: ['member', 'merge', keep, `${word}-${drop}`, '--why', 'x'], code: /^BAD_ARGUMENT$/ },
          { args: ['member', 'merge', keep, keep, '--why', 'x'], code: /^BAD_ARGUMENT$/ },
          { args: ['member', 'merge', keep, drop, '--why', 'x', '--consent', `${word}x`], code: /^BAD_ARGUMENT$/ },
          { args: ['member', 'merge', keep, drop], code: /^BAD_ARGUMENT$/ },
          { args: ['member', 'merge', keep, drop, '--why', 'x', '--by', ' '], code: /^BAD_ARGUMENT$/ },
          {
            args: ['member', 'merge', keep, '01890000-0000-7000-8000-000000000000', '--why', 'x'],
            code: /^UNKNOWN_MEMBER$/,
          },
        ])(seeded.members[0]!.memberId, seeded.members[1]!.memberId),
      ];
      const store = await openStore({ dataDir: db.dataDir });
      try {
        const before = await ledgerState(store);
        // Four processes at a time: all at once, on two shared cores, some took longer than their minute.
        const results: Awaited<ReturnType<typeof run>>[] = [];
        for (let i = 0; i < cases.length; i += 4)
          results.push(...(await Promise.all(cases.slice(i, i + 4).map((c) => run(c.args)))));
        results.forEach((r, i) => {
          const c = cases[i]!;
          const where = `ledger ${c.args.join(' ')} -> ${r.code}\n${r.stderr}`;
          const line = /^error ([A-Z_]+): \S.+$/m.exec(r.stderr);
          expect(line, where).not.toBeNull();
          expect(line?.[1], where).toMatch(c.code);
          expect(r.code, where).toBe(2);
        });
        expect(await ledgerState(store)).toBe(before);
      } finally {
        await store.close();
      }
    },
    timeoutFor(60_000),
  );
});
