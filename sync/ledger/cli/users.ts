/**
 * `ledger user add|list|disable|enable`: the web console's accounts (sync/ledger/console/). A password is never an
 * argument (it would stay in the shell's history and the process list): it is read from a prompt on a terminal, or
 * from standard input with --password-stdin. The action log records the command, never the password.
 */
import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import type { Command } from 'commander';
import { CodedError } from '../../protocol/errors.ts';
import { addConsoleUser, setConsoleUserDisabled } from '../console/users.ts';
import { withStore } from './support.ts';

/** Reads a line from the terminal without echoing it. */
function promptHidden(question: string): Promise<string> {
  process.stderr.write(question);
  const muted = new Writable({ write: (_c, _e, cb) => cb() });
  const rl = createInterface({ input: process.stdin, output: muted, terminal: true });
  return new Promise((resolve) =>
    rl.question('', (answer) => {
      rl.close();
      process.stderr.write('\n');
      resolve(answer);
    }),
  );
}

async function readPassword(fromStdin: boolean): Promise<string> {
  if (fromStdin) {
    const chunks: Buffer[] = [];
    for await (const c of process.stdin) chunks.push(c as Buffer);
    return Buffer.concat(chunks)
      .toString('utf8')
      .replace(/\r?\n$/, '');
  }
  if (!process.stdin.isTTY)
    throw new CodedError(
      'BAD_ARGUMENT',
      'no terminal to ask the password on: pipe it with --password-stdin (never as an argument).',
    );
  const first = await promptHidden('Password: ');
  const again = await promptHidden('Password again: ');
  if (first !== again) throw new CodedError('BAD_ARGUMENT', 'the two passwords differ; nothing was changed.');
  return first;
}

export function registerUserCommands(program: Command): void {
  const users = program.command('user').description('web console accounts (head office and store managers)');

  users
    .command('add <name>')
    .description('add a console user; the password is asked for (or read with --password-stdin)')
    .requiredOption('--role <role>', 'head-office or store-manager')
    .option('--store <storeId>', "a store manager's store")
    .option('--password-stdin', 'read the password from standard input')
    .action(async (name: string, o: { role: string; store?: string; passwordStdin?: boolean }, cmd: Command) => {
      const password = await readPassword(o.passwordStdin === true);
      await withStore(cmd, async (store) => {
        const u = await addConsoleUser(store, { name, role: o.role, storeId: o.store, password }, Date.now());
        console.log(`user ${u.name} added (${u.role}${u.storeId ? ` of store ${u.storeId}` : ''})`);
      });
    });

  users.command('list').action(async (_o, cmd: Command) => {
    await withStore(cmd, async (store) => {
      console.log('name\trole\tstore\tstate');
      for (const u of await store.consoleUsers.list()) {
        const state =
          u.disabledAt !== null
            ? `disabled ${new Date(u.disabledAt).toISOString()}`
            : u.lockedUntil !== null && u.lockedUntil > Date.now()
              ? `locked until ${new Date(u.lockedUntil).toISOString()}`
              : 'active';
        console.log(`${u.name}\t${u.role}\t${u.storeId ?? '-'}\t${state}`);
      }
    });
  });

  users
    .command('disable <name>')
    .description('stop a user logging in; their open sessions end at once')
    .action(async (name: string, _o, cmd: Command) => {
      await withStore(cmd, async (store) => {
        await setConsoleUserDisabled(store, name, Date.now());
        console.log(`user ${name} disabled`);
      });
    });

  users
    .command('enable <name>')
    .description('let a disabled or locked-out user log in again')
    .action(async (name: string, _o, cmd: Command) => {
      await withStore(cmd, async (store) => {
        await setConsoleUserDisabled(store, name, null);
        console.log(`user ${name} enabled`);
      });
    });
}
