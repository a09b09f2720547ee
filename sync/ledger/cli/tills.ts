/**
 * `ledger till rotate|revoke|move` and the TLS flags of `ledger serve|demo`. A running ledger (another process) notices
 * a rotation or revocation within seconds (server/watchers.ts re-reads the tills) and disconnects the till's sockets. A move
 * waits for the till: it comes back under the new store once its outbox is drained (server/handshake.ts).
 */
import type { Command } from 'commander';
import { StoreIdSchema, TillIdSchema, type StoreId, type TillId } from '../../loyalty/units.ts';
import { CodedError } from '../../protocol/errors.ts';
import type { LedgerStore } from '../store/types.ts';
import { loadTls, tlsFilesFrom } from '../tls.ts';
import { hashToken, newToken } from '../tokens.ts';
import { parseId, withStore } from './support.ts';

/** Gives a till a new token and returns it (only its hash is stored); the old token stops working at once. */
export async function rotateTillToken(store: LedgerStore, tillId: TillId): Promise<string> {
  const till = await store.getTill(tillId);
  if (!till) throw new CodedError('UNKNOWN_TILL', `till ${tillId} does not exist.`);
  if (till.revokedAt !== null)
    throw new CodedError(
      'TILL_REVOKED',
      `till ${tillId} was revoked on ${new Date(till.revokedAt).toISOString()}; a revoked till gets no new token.`,
    );
  const token = newToken();
  if (!(await store.setTillToken(tillId, hashToken(token))))
    throw new CodedError('UNKNOWN_TILL', `till ${tillId} does not exist.`);
  return token;
}

/** Revokes a till for good; says whether it was revoked now (false: it already was, at `revokedAt`). */
export async function revokeTill(
  store: LedgerStore,
  tillId: TillId,
  now: number,
): Promise<{ revokedNow: boolean; revokedAt: number }> {
  const till = await store.getTill(tillId);
  if (!till) throw new CodedError('UNKNOWN_TILL', `till ${tillId} does not exist.`);
  if (till.revokedAt !== null) return { revokedNow: false, revokedAt: till.revokedAt };
  const revokedNow = await store.revokeTill(tillId, now);
  const after = revokedNow ? now : ((await store.getTill(tillId))?.revokedAt ?? now);
  return { revokedNow, revokedAt: after };
}

export type TillMove =
  | { kind: 'announced'; tillId: TillId; from: StoreId; to: StoreId; replaced: StoreId | null }
  | { kind: 'cancelled'; tillId: TillId; storeId: StoreId; was: StoreId };

/**
 * Announces a till's move to store `to` (or with null cancels the pending one). Nothing moves now: the till learns of
 * it at its next hello, drains its outbox under its present store, then comes back under the new one, which completes
 * the move (server/handshake.ts); its members are the new store's from then on.
 */
export async function moveTill(store: LedgerStore, tillId: TillId, to: StoreId | null): Promise<TillMove> {
  const till = await store.getTill(tillId);
  if (!till) throw new CodedError('UNKNOWN_TILL', `till ${tillId} does not exist.`);
  if (to === null) {
    if (till.movingTo === null)
      throw new CodedError(
        'NO_PENDING_MOVE',
        `till ${tillId} has no pending move to cancel; it stays at ${till.storeId}.`,
      );
    if (!(await store.setTillMove(tillId, null)))
      throw new CodedError('UNKNOWN_TILL', `till ${tillId} does not exist.`);
    return { kind: 'cancelled', tillId, storeId: till.storeId, was: till.movingTo };
  }
  if (till.revokedAt !== null)
    throw new CodedError(
      'TILL_REVOKED',
      `till ${tillId} was revoked on ${new Date(till.revokedAt).toISOString()}; a revoked till cannot be moved.`,
    );
  if (!(await store.getStore(to))) throw new CodedError('UNKNOWN_STORE', `store ${to} does not exist.`);
  if (to === till.storeId)
    throw new CodedError(
      'SAME_STORE',
      `till ${tillId} already belongs to store ${to}; name another store${
        till.movingTo === null ? '' : `, or use --cancel to drop its pending move to ${till.movingTo}`
      }.`,
    );
  if (!(await store.setTillMove(tillId, to))) throw new CodedError('UNKNOWN_TILL', `till ${tillId} does not exist.`);
  return { kind: 'announced', tillId, from: till.storeId, to, replaced: till.movingTo === to ? null : till.movingTo };
}

/** Adds `rotate`, `revoke` and `move` under `till`, and `--tls-cert/--tls-key` to `serve` and `demo`. */
export function registerTillSecurityCommands(program: Command): void {
  const tills = program.commands.find((c) => c.name() === 'till');
  if (!tills) throw new Error('registerTillSecurityCommands: no "till" command to extend');

  tills
    .command('rotate <tillId>')
    .description("give a till a new token (printed once); the old one stops working and the till's sockets drop")
    .action(async (id: string, _o, cmd: Command) => {
      const tillId = parseId(TillIdSchema, id, 'till id');
      await withStore(cmd, async (store) => {
        const token = await rotateTillToken(store, tillId);
        console.log(`till ${tillId}: token rotated; the old token no longer works`);
        console.log(`token: ${token}`);
        console.log('Keep this token: it is shown only now. Enter it in the till settings.');
      });
    });

  tills
    .command('revoke <tillId>')
    .description('revoke a till for good: a running ledger disconnects it within seconds and refuses it after')
    .action(async (id: string, _o, cmd: Command) => {
      const tillId = parseId(TillIdSchema, id, 'till id');
      await withStore(cmd, async (store) => {
        const r = await revokeTill(store, tillId, Date.now());
        const at = new Date(r.revokedAt).toISOString();
        console.log(r.revokedNow ? `till ${tillId} revoked at ${at}` : `till ${tillId} was already revoked at ${at}`);
      });
    });

  tills
    .command('move <tillId>')
    .description(
      "move a till to another store: it takes effect once the till's outbox is drained, and the till then holds the " +
        "new store's members",
    )
    .option('--store <storeId>', 'the store the till moves to')
    .option('--cancel', 'drop the pending move (before the till has made it)')
    .action(async (id: string, o: { store?: string; cancel?: boolean }, cmd: Command) => {
      const tillId = parseId(TillIdSchema, id, 'till id');
      if (o.cancel === true && o.store !== undefined)
        throw new CodedError('BAD_ARGUMENT', 'give either --store STORE or --cancel, not both.');
      if (o.cancel !== true && o.store === undefined)
        throw new CodedError('BAD_ARGUMENT', 'give --store STORE (the store the till moves to), or --cancel.');
      const to = o.store === undefined ? null : parseId(StoreIdSchema, o.store, 'store id');
      await withStore(cmd, async (store) => {
        const r = await moveTill(store, tillId, to);
        if (r.kind === 'cancelled') {
          console.log(`till ${tillId}: the move to ${r.was} is cancelled; it stays at ${r.storeId}`);
          return;
        }
        if (r.replaced !== null) console.log(`till ${tillId}: the pending move to ${r.replaced} is replaced`);
        console.log(
          `till ${tillId} moves from ${r.from} to ${r.to} once its outbox is drained: the ops it holds are applied ` +
            `under ${r.from} first, then it holds ${r.to}'s members`,
        );
      });
    });

  for (const name of ['serve', 'demo']) {
    const serve = program.commands.find((c) => c.name() === name);
    if (!serve) continue;
    serve
      .option('--tls-cert <file>', 'serve HTTPS/WSS with this PEM certificate (chain); default $LEDGER_TLS_CERT')
      .option('--tls-key <file>', "the certificate's PEM private key; default $LEDGER_TLS_KEY")
      // The server takes its TLS files from the environment (server.ts); flags override it. Checked here, before the
      // database is opened, so that a missing or bad file is a coded error that changes nothing.
      .hook('preAction', async (cmd) => {
        const o = cmd.opts<{ tlsCert?: string; tlsKey?: string }>();
        const files = tlsFilesFrom(
          o.tlsCert ?? process.env['LEDGER_TLS_CERT'],
          o.tlsKey ?? process.env['LEDGER_TLS_KEY'],
          o.tlsCert !== undefined || o.tlsKey !== undefined
            ? '--tls-cert and --tls-key'
            : 'LEDGER_TLS_CERT and LEDGER_TLS_KEY',
        );
        if (!files) return;
        await loadTls(files);
        process.env['LEDGER_TLS_CERT'] = files.cert;
        process.env['LEDGER_TLS_KEY'] = files.key;
      });
  }
}
