/**
 * The till's handshake: on the `/till` namespace its credentials, protocol version, store (completing a move the CLI
 * prepared) and the incarnation it speaks for, refused with a connect error carrying a wire error code; then its
 * `hello`, which tells where that incarnation stands on the ledger.
 */
import { wireError, type ErrorCode, type WireError } from '../../protocol/errors.ts';
import {
  HandshakeAuthSchema,
  HelloRequestSchema,
  MIN_PROTOCOL_VERSION,
  PROTOCOL_VERSION,
  describeIssues,
} from '../../protocol/messages.ts';
import { speaksVersion } from '../../protocol/upgrade.ts';
import type { Logger } from '../log.ts';
import { LEGACY_INCARNATION, type LedgerStore } from '../store/types.ts';
import { verifyToken } from '../tokens.ts';
import { parse, type Handler, type HandlerDeps, type TillSession, type TillSocket } from './requests.ts';

function connectError(code: ErrorCode, extra?: Omit<WireError, 'code' | 'message'>): Error & { data: WireError } {
  const data = wireError(code, extra);
  return Object.assign(new Error(data.message), { data });
}

/** The namespace middleware that admits a till: it sets `socket.data`, or refuses with a coded connect error. */
export function tillHandshake(
  store: LedgerStore,
  logger: Logger,
): (socket: TillSocket, next: (err?: Error) => void) => void {
  return (socket, next) => {
    void (async () => {
      const auth = HandshakeAuthSchema.safeParse(socket.handshake.auth);
      if (!auth.success) return next(connectError('AUTH_REQUIRED', { issues: describeIssues(auth.error) }));
      const a = auth.data;
      if (!speaksVersion(a.protocolVersion)) return next(connectError('PROTOCOL_VERSION'));
      let till = await store.getTill(a.tillId);
      if (!till || !verifyToken(a.token, till.tokenHash)) {
        logger.warn({ tillId: a.tillId, address: socket.handshake.address }, 'till refused: bad credentials');
        return next(connectError('AUTH_FAILED'));
      }
      if (till.revokedAt !== null) {
        logger.warn({ tillId: a.tillId, address: socket.handshake.address }, 'till refused: revoked');
        return next(connectError('TILL_REVOKED'));
      }
      if (till.storeId !== a.storeId && till.movingTo !== null && till.movingTo === a.storeId) {
        // The till moves once its outbox is drained: it comes back under the new store only then (`ledger till move`).
        await store.completeTillMove(till.tillId);
        logger.info({ tillId: a.tillId, from: till.storeId, to: a.storeId }, 'till moved to another store');
        till = (await store.getTill(a.tillId)) ?? till;
      }
      if (till.storeId !== a.storeId) {
        logger.warn({ tillId: a.tillId, claimed: a.storeId, actual: till.storeId }, 'till refused: wrong store');
        return next(connectError('WRONG_STORE'));
      }
      socket.data = {
        tillId: till.tillId,
        storeId: till.storeId,
        tokenHash: till.tokenHash,
        protocolVersion: a.protocolVersion,
        incarnation: a.incarnation ?? LEGACY_INCARNATION,
        baseSeq: a.baseSeq ?? 1,
      };
      next();
    })().catch((err: unknown) => {
      logger.error({ err }, 'handshake failed');
      next(connectError('INTERNAL'));
    });
  };
}

/** The `hello` handler: records the incarnation (or its reported journal), answers its mark and the ledger's head. */
export function helloHandler({ store, intake, now, epoch }: HandlerDeps): Handler<'hello'> {
  return async (p, { tillId, incarnation, baseSeq, log }) => {
    const req = parse(HelloRequestSchema, p);
    return intake.exclusive(async () => {
      const mark = await store.touchIncarnation({
        tillId,
        incarnation,
        baseSeq,
        reportedSeq: req.journaledSeq,
        at: now(),
      });
      const till = await store.getTill(tillId);
      const head = await store.ledgerHead();
      if (!mark.created && req.journaledSeq > mark.lastSeq)
        log.info(
          { incarnation, lastSeq: mark.lastSeq, journaled: req.journaledSeq },
          'till holds ops the ledger has not',
        );
      return {
        ok: true,
        epoch,
        head,
        incarnation: { known: !mark.created, lastSeq: mark.lastSeq, lastOpId: mark.lastOpId },
        moveTo: till?.movingTo ?? null,
        protocol: { min: MIN_PROTOCOL_VERSION, max: PROTOCOL_VERSION },
        serverTime: now(),
      };
    });
  };
}

/** Where a socket's incarnation stands: its high-water mark (base - 1 for one the ledger has not seen). */
export async function incarnationSeq(
  store: LedgerStore,
  { tillId, incarnation, baseSeq }: Pick<TillSession, 'tillId' | 'incarnation' | 'baseSeq'>,
): Promise<number> {
  return (await store.getIncarnation(tillId, incarnation))?.lastSeq ?? baseSeq - 1;
}
