/** `ledger user add|list|disable` as a real process: the password comes on standard input, never on the command line. */
import { execFile } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyPassword } from '../../../../sync/ledger/console/passwords.ts';
import { openStore } from '../../../../sync/ledger/store/open.ts';
import { makeTestDatabase, type TestDatabase } from '../../../support/databases.ts';
import { runLedger } from '../../../support/ledger-cli.ts';
import { seedLedger } from '../../../support/seed.ts';
import { LEDGER_BIN } from '../../../support/ledger-bin.ts';

const bin = LEDGER_BIN;

function ledgerWithStdin(dataDir: string, args: string[], input: string): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    const env: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'silent' };
    delete env['DATABASE_URL'];
    const child = execFile(process.execPath, [bin, '--data', dataDir, ...args], { env }, (err, stdout, stderr) =>
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, out: stdout + stderr }),
    );
    child.stdin?.end(input);
  });
}

describe('ledger user', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await makeTestDatabase('sqlite');
    await seedLedger(db);
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('adds users with a scrypt hash of the password read from stdin, lists and disables them, logging who did it', async () => {
    const secret = 'correct horse battery';
    const add = await ledgerWithStdin(
      db.dataDir,
      ['--actor', 'carol', 'user', 'add', 'anna', '--role', 'store-manager', '--store', 'store-a', '--password-stdin'],
      `${secret}\n`,
    );
    expect(add).toMatchObject({ code: 0 });
    expect(add.out).toContain('user anna added (store-manager of store store-a)');
    const noStore = await ledgerWithStdin(
      db.dataDir,
      ['user', 'add', 'x', '--role', 'store-manager', '--password-stdin'],
      secret,
    );
    expect(noStore.out).toContain('error BAD_ARGUMENT: a store manager needs --store');
    const short = await ledgerWithStdin(
      db.dataDir,
      ['user', 'add', 'y', '--role', 'head-office', '--password-stdin'],
      'short',
    );
    expect(short.out).toContain('error BAD_ARGUMENT: a password is 12 to 200 characters.');
    const again = await ledgerWithStdin(
      db.dataDir,
      ['user', 'add', 'anna', '--role', 'head-office', '--password-stdin'],
      secret,
    );
    expect(again.out).toContain('error USER_EXISTS');
    // Without a terminal and without --password-stdin there is nothing to read the password from.
    const noTty = await runLedger(['user', 'add', 'z', '--role', 'head-office'], { dataDir: db.dataDir });
    expect(noTty.stderr).toContain('error BAD_ARGUMENT: no terminal to ask the password on');

    expect((await runLedger(['user', 'disable', 'anna'], { dataDir: db.dataDir })).code).toBe(0);
    const list = await runLedger(['user', 'list'], { dataDir: db.dataDir });
    expect(list.stdout).toMatch(/^anna\tstore-manager\tstore-a\tdisabled /m);

    const store = await openStore({ dataDir: db.dataDir });
    try {
      const anna = await store.consoleUsers.get('anna');
      expect(anna?.passwordHash).toMatch(/^scrypt\$131072\$8\$1\$/);
      expect(await verifyPassword(secret, anna!.passwordHash)).toBe(true);
      expect(await verifyPassword('wrong', anna!.passwordHash)).toBe(false);
      const log = await store.actionLog.last(10);
      expect(log.map((e) => [e.actor, e.action])).toEqual(
        expect.arrayContaining([
          ['carol', 'user add'],
          ['os:' + (await import('node:os')).userInfo().username, 'user disable'],
        ]),
      );
      expect(log.some((e) => e.details.includes(secret))).toBe(false);
    } finally {
      await store.close();
    }
  });
});
