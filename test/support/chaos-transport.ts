/**
 * A transport decorator that misbehaves like a bad network: requests delayed, delivered twice, answers lost after
 * the ledger acted. Faults are drawn from a seeded generator so a failing property run replays.
 */
import { TransportError, type TillTransport } from '../../sync/till/transport.ts';

export interface ChaosKnobs {
  /** Chance that a push or authorization is delivered twice. */
  duplicate: number;
  /** Chance that the answer is lost after the ledger acted. */
  loseAnswer: number;
  /** Chance of a delay before delivery, up to `maxDelayMs`. */
  delay: number;
  maxDelayMs: number;
}

/** Seeded, so chaos is reproducible from the fast-check seed. */
export { prng as seeded } from '../../sync/ledger/demo-data.ts';

export interface ChaosStats {
  duplicated: number;
  lostAnswers: number;
  delayed: number;
}

export function chaosTransport(
  inner: TillTransport,
  knobs: ChaosKnobs,
  random: () => number,
  stats: ChaosStats,
): TillTransport {
  const disturb = async <Req, Res>(send: (r: Req) => Promise<Res>, req: Req): Promise<Res> => {
    if (random() < knobs.delay) {
      stats.delayed++;
      await new Promise((r) => setTimeout(r, Math.floor(random() * knobs.maxDelayMs)));
    }
    const first = send(req);
    if (random() < knobs.duplicate) {
      stats.duplicated++;
      // The copy races the original; its answer (or failure) is ignored, as a network duplicate's would be.
      send(req).catch(() => undefined);
    }
    const answer = await first;
    if (random() < knobs.loseAnswer) {
      stats.lostAnswers++;
      throw new TransportError('TIMEOUT', 'answer lost by the chaos transport');
    }
    return answer;
  };
  return {
    connected$: inner.connected$,
    lastError$: inner.lastError$,
    changes$: inner.changes$,
    config$: inner.config$,
    shed$: inner.shed$,
    push: (req) => disturb((r) => inner.push(r), req),
    authorize: (req) => disturb((r) => inner.authorize(r), req),
    pull: (req) => disturb((r) => inner.pull(r), req),
    lookup: (req) => inner.lookup(req),
    findSale: (req) => inner.findSale(req),
    voucherCheck: (req) => inner.voucherCheck(req),
    voucherRedeem: (req, deadlineMs) => inner.voucherRedeem(req, deadlineMs),
    hello: (req) => disturb((r) => inner.hello(r), req),
    history: (req) => inner.history(req),
    setSession: (session) => inner.setSession(session),
    reconnect: () => inner.reconnect(),
    connect: () => inner.connect(),
    disconnect: () => inner.disconnect(),
  };
}
