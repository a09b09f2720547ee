/**
 * The action log: every `ledger` command that changes something records who ran it, when, why and with what
 * arguments, once it has succeeded (a refused command changed nothing, so it records nothing). Ops carry their own
 * who and why (a resolve's manager, an adjustment's --by); this covers the rest: stores, tills, PINs, tokens,
 * programs, imports, webhooks and the jobs. `ledger audit log` lists it.
 */
import { userInfo } from 'node:os';
import type { Command } from 'commander';
import { CodedError } from '../../protocol/errors.ts';
import { parsePositiveInt, withStore } from './support.ts';

/** Commands that change nothing (or run until stopped): not logged. */
const READ_ONLY = new Set([
  'init',
  'serve',
  'demo',
  'store list',
  'till list',
  'program show',
  'voucher check',
  'events',
  'webhook list',
  'liability',
  'audit verify',
  'audit log',
  'recovery',
  'user list',
]);

/** Details a command adds to its action log entry (what it found or made), by the command object. */
const extraDetails = new WeakMap<Command, Record<string, unknown>>();

/**
 * Adds details to the command's action log entry, besides its arguments and options: what only the run itself knows,
 * e.g. a backup's ledger seq and epoch. Recorded only when the command succeeds, like the rest of the entry.
 */
export function noteActionDetails(cmd: Command, details: Record<string, unknown>): void {
  extraDetails.set(cmd, { ...extraDetails.get(cmd), ...details });
}

/**
 * Arguments that are a member's personal data (a card number), by command and position: not written to the log,
 * which erasure does not rewrite (the member's rows hold them, and erasure reaches those).
 */
const PERSONAL_ARGS: Readonly<Record<string, readonly number[]>> = { 'member replace-card': [1] };

function withheld(path: string, args: readonly string[]): string[] {
  const personal = PERSONAL_ARGS[path] ?? [];
  return args.map((a, i) => (personal.includes(i) ? '(personal data, not logged)' : a));
}

/** Option names whose values are never written to the log. */
const SECRET = /secret|token|pin|password/i;

function commandPath(cmd: Command): string {
  const names: string[] = [];
  for (let c: Command | null = cmd; c?.parent; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

/** Commands whose --by names who acts, for the action log, when --actor does not. */
const BY_IS_ACTOR = new Set(['member export', 'member erase', 'member replace-card', 'member merge']);

/** Who acts: --actor, else the command's --by (see BY_IS_ACTOR), else $LEDGER_ACTOR, else the operating system's user. */
export function actorOf(root: Command, by?: string): string {
  const given = root.opts<{ actor?: string }>().actor ?? by ?? process.env['LEDGER_ACTOR'];
  if (given !== undefined) return given;
  try {
    return `os:${userInfo().username}`;
  } catch {
    return 'os:unknown';
  }
}

/** Adds --actor and --why to every command and records each successful change. */
export function registerActionLog(program: Command): void {
  program
    .option('--actor <name>', 'who is acting, for the action log (default: $LEDGER_ACTOR or the OS user)')
    .option('--why <text>', 'why, for the action log');

  program.hook('preAction', (root) => {
    const o = root.opts<{ actor?: string; why?: string }>();
    if (o.actor !== undefined && (o.actor.trim() === '' || o.actor.length > 80))
      throw new CodedError('BAD_ARGUMENT', '--actor is 1 to 80 characters.');
    if (o.why !== undefined && (o.why.trim() === '' || o.why.length > 500))
      throw new CodedError('BAD_ARGUMENT', '--why is 1 to 500 characters.');
  });

  program.hook('postAction', async (root, action) => {
    const path = commandPath(action);
    if (READ_ONLY.has(path)) return;
    const opts = Object.fromEntries(Object.entries(action.opts()).filter(([k]) => !SECRET.test(k)));
    const why = root.opts<{ why?: string }>().why;
    await withStore(action, async (store) => {
      await store.actionLog.append({
        at: Date.now(),
        actor: actorOf(root, BY_IS_ACTOR.has(path) ? action.opts<{ by?: string }>().by : undefined).trim(),
        action: path,
        reason: why?.trim() ?? null,
        details: { args: withheld(path, action.args), options: opts, ...extraDetails.get(action) },
      });
    });
  });

  const audit = program.commands.find((c) => c.name() === 'audit');
  audit
    ?.command('log')
    .description("head office's actions: who, when, why and what (newest last)")
    .option('--limit <n>', 'the last N actions', '50')
    .action(async (o: { limit: string }, cmd: Command) => {
      const limit = parsePositiveInt(o.limit, '--limit');
      await withStore(cmd, async (store) => {
        const rows = await store.actionLog.last(limit);
        console.log('at\tactor\taction\treason\tdetails');
        for (const r of rows)
          console.log(
            `${new Date(Number(r.at)).toISOString()}\t${r.actor}\t${r.action}\t${r.reason ?? '-'}\t${r.details}`,
          );
      });
    });
}
