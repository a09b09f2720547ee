/**
 * `ledger till rotate|revoke` and the TLS flags of `ledger serve|demo`. A running ledger (another process) notices a
 * rotation or revocation within seconds (server.ts re-reads the tills) and disconnects the till's sockets.
 */
import type { Command } from 'commander';
import { TillIdSchema, type TillId } from '../../loyalty/units.ts';
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

/** Adds `rotate` and `revoke` under `till`, and `--tls-cert/--tls-key` to `serve` and `demo`. */
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
