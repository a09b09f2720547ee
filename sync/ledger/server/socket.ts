/**
 * One connected till's socket: it joins its store's room (fan-out.ts), and each request event is passed to its
 * handler and always answered, with the handler's answer or a coded failure. An event the protocol does not have is
 * answered UNKNOWN_EVENT.
 */
import { wireError } from '../../protocol/errors.ts';
import { eventInVersion } from '../../protocol/upgrade.ts';
import { OverloadedError } from '../intake.ts';
import type { Logger } from '../log.ts';
import type { LedgerMetrics } from '../metrics.ts';
import { WireFailure } from '../wire-failure.ts';
import { tillRoom } from '../cluster/adapter.ts';
import { storeRoom } from './fan-out.ts';
import type { Handler, TillEvent, TillHandlers, TillSession, TillSocket } from './requests.ts';

/** Serves one socket that passed the handshake with `handlers`. */
export function serveTillSocket(
  socket: TillSocket,
  handlers: TillHandlers,
  { logger, metrics }: { logger: Logger; metrics: LedgerMetrics },
): void {
  const { tillId, storeId } = socket.data;
  const log = logger.child({ tillId, storeId });
  const session: TillSession = { ...socket.data, log };
  log.info('till connected');
  // Its store's room for live changes; its own room so that a revocation from any process reaches it (cluster/).
  void socket.join([storeRoom(storeId), tillRoom(tillId)]);
  socket.on('disconnect', (reason) => log.info({ reason }, 'till disconnected'));

  socket.onAny((event: string, ...args: unknown[]) => {
    if (Object.hasOwn(handlers, event)) return;
    const ack = args[args.length - 1];
    if (typeof ack === 'function') (ack as (r: unknown) => void)({ ok: false, error: wireError('UNKNOWN_EVENT') });
  });

  const handle = (event: TillEvent, fn: Handler<TillEvent>) => {
    socket.on(event, (...args: unknown[]) => {
      // The ack is the last argument, whatever came before it: a request with no payload, or one argument too many,
      // still gets a coded answer (BAD_REQUEST) rather than none.
      const ack = args[args.length - 1];
      if (typeof ack !== 'function') return; // every till request expects an answer
      const payload = args.length === 2 ? args[0] : args.length === 1 ? undefined : { malformed: args.slice(0, -1) };
      const answer = ack as (r: unknown) => void;
      // A request newer than the till's protocol is not one it speaks.
      if (!eventInVersion(event, session.protocolVersion))
        return answer({ ok: false, error: wireError('UNKNOWN_EVENT') });
      let reply = answer;
      if (event === 'authorize') {
        const received = performance.now();
        reply = (r) => {
          metrics.authorizeSeconds.observe((performance.now() - received) / 1000);
          answer(r);
        };
      }
      // Through a promise, so that a handler throwing synchronously still gets a coded answer.
      Promise.resolve(payload)
        .then((p) => fn(p, session))
        .then(reply, (err: unknown) => {
          if (err instanceof WireFailure) return reply({ ok: false, error: err.wire });
          if (err instanceof OverloadedError) {
            metrics.recordShed(err.reason, event);
            socket.emit('shed', { retryAfterMs: err.retryAfterMs });
            return reply({ ok: false, error: wireError('OVERLOADED', { retryAfterMs: err.retryAfterMs }) });
          }
          log.error({ err, event }, 'request failed');
          reply({ ok: false, error: wireError('INTERNAL') });
        });
    });
  };
  for (const event of Object.keys(handlers) as TillEvent[]) handle(event, handlers[event]);
}
