/**
 * What the ledger watches in the store because another process (the CLI) writes it: a program version set by head
 * office, and tills revoked or given a new token. Each is an interval, unref'd so that it never holds the process.
 */
import type { Program } from '../../loyalty/program.ts';
import type { Logger } from '../log.ts';
import type { LedgerStore } from '../store/types.ts';
import type { TillSocket } from './requests.ts';

/**
 * Head office sets programs with the CLI: every `everyMs` the latest one is read, and a newer one adopted, so that a
 * closing reaches the tills within seconds, not at the ledger's next restart.
 */
export function watchPrograms(
  store: LedgerStore,
  programs: { isNewer(p: Program): boolean; adopt(p: Program): void },
  logger: Logger,
  everyMs: number,
): ReturnType<typeof setInterval> {
  const timer = setInterval(() => {
    store.latestProgram().then(
      (p) => {
        if (p && programs.isNewer(p)) programs.adopt(p);
      },
      (err: unknown) => logger.warn({ err }, 'could not read the latest program'),
    );
  }, everyMs);
  timer.unref();
  return timer;
}

/**
 * Rotation and revocation are written by the CLI, another process: every `everyMs` one read of all tills, and each
 * connected socket whose till was revoked, removed or given a new token is disconnected. A revoked till's next
 * handshake is refused TILL_REVOKED, a rotated one's old token AUTH_FAILED. An interval rather than a check per push:
 * an idle revoked till would otherwise keep receiving members' changes, and a read per push would sit on the rush's
 * hot path.
 */
export function watchTillCredentials(
  tills: { sockets: Map<string, TillSocket> },
  store: LedgerStore,
  logger: Logger,
  everyMs: number,
): ReturnType<typeof setInterval> {
  let running = false;
  const timer = setInterval(() => {
    if (running || tills.sockets.size === 0) return;
    running = true;
    store
      .listTills()
      .then((list) => {
        const current = new Map(list.map((t) => [t.tillId, t]));
        for (const socket of tills.sockets.values()) {
          const { tillId, tokenHash } = socket.data;
          const till = current.get(tillId);
          const why = !till
            ? 'removed'
            : till.revokedAt !== null
              ? 'revoked'
              : till.tokenHash !== tokenHash
                ? 'token rotated'
                : null;
          if (why === null) continue;
          logger.warn({ tillId, why }, 'till disconnected: credentials withdrawn');
          socket.disconnect(true);
        }
      })
      .catch((err: unknown) => logger.warn({ err }, 'could not re-check the tills'))
      .finally(() => (running = false));
  }, everyMs);
  timer.unref();
  return timer;
}
