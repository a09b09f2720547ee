/**
 * What every till request handler shares: its type, checked against the protocol's event map, what it may use, and
 * how it reads a payload (size bound, then schema; either refusal is a coded answer).
 */
import type { Namespace, Socket } from 'socket.io';
import type { z } from 'zod';
import type { Program } from '../../loyalty/program.ts';
import type { StoreId, TillId } from '../../loyalty/units.ts';
import { wireError } from '../../protocol/errors.ts';
import {
  MAX_MESSAGE_BYTES,
  describeIssues,
  type ClientToServerEvents,
  type ServerToClientEvents,
} from '../../protocol/messages.ts';
import type { Intake } from '../intake.ts';
import type { Logger } from '../log.ts';
import type { LinkSigner } from '../member-links.ts';
import type { LedgerMetrics } from '../metrics.ts';
import type { RateLimiter } from '../rate-limit.ts';
import type { LedgerStore } from '../store/types.ts';
import { WireFailure } from '../wire-failure.ts';

/** What the handshake (handshake.ts) established about a socket's till; every handler acts for it alone. */
export interface TillData {
  tillId: TillId;
  storeId: StoreId;
  /** The token hash the socket authenticated against: a rotation changes the stored one. */
  tokenHash: string;
  /** The protocol version the till speaks (ops it sends are upgraded from it). */
  protocolVersion: number;
  /** The till database this socket speaks for, and the first seq of its seq space (`legacy` from 1 before v2). */
  incarnation: string;
  baseSeq: number;
}
export type TillSocket = Socket<ClientToServerEvents, ServerToClientEvents, Record<string, never>, TillData>;
export type TillNamespace = Namespace<ClientToServerEvents, ServerToClientEvents, Record<string, never>, TillData>;

/** A till request's event name. */
export type TillEvent = keyof ClientToServerEvents;

/** What the protocol says event `E` is answered with (the argument of its ack). */
export type AckOf<E extends TillEvent> = Parameters<Parameters<ClientToServerEvents[E]>[1]>[0];

/** One connected till as its handlers see it: what the handshake established, and a logger naming it. */
export interface TillSession extends TillData {
  log: Logger;
}

/**
 * Answers one request: the payload is `unknown` (it is parsed here), the answer is the protocol's. A throw is
 * answered too: WireFailure with its error, OverloadedError with OVERLOADED, anything else with INTERNAL (socket.ts).
 */
export type Handler<E extends TillEvent> = (payload: unknown, till: TillSession) => Promise<AckOf<E>>;

/** One handler per event of the protocol: a new event fails to compile until it has one. */
export type TillHandlers = { [E in TillEvent]: Handler<E> };

/** What the handlers act on, shared by every socket. */
export interface HandlerDeps {
  store: LedgerStore;
  intake: Intake;
  limiter: RateLimiter;
  metrics: LedgerMetrics;
  now: () => number;
  /** The ledger's epoch (renewed only by a restore, with the ledger stopped). */
  epoch: string;
  /** The newest program version, which pulls hand out. */
  latestProgram: () => Program | undefined;
  /** The signer of members' personal links, for a lookup by a scanned letter. */
  signer: () => Promise<LinkSigner>;
}

/** Reads a payload through `schema`: MESSAGE_TOO_LARGE beyond the protocol's bound, BAD_REQUEST if it does not parse. */
export function parse<T>(schema: z.ZodType<T>, payload: unknown): T {
  const size = payloadSize(payload);
  if (size > MAX_MESSAGE_BYTES) throw new WireFailure(wireError('MESSAGE_TOO_LARGE'));
  const r = schema.safeParse(payload);
  if (!r.success) throw new WireFailure(wireError('BAD_REQUEST', { issues: describeIssues(r.error) }));
  return r.data;
}

function payloadSize(payload: unknown): number {
  try {
    return Buffer.byteLength(JSON.stringify(payload) ?? '');
  } catch {
    return Number.POSITIVE_INFINITY;
  }
}
