/**
 * The till's link to the ledger, behind one interface (`TillTransport`) so the replicator is tested against fakes.
 * `socketTransport` is the socket.io-client implementation; it runs in the renderer and under Node.
 *
 * Contract: a request is sent only while connected (socket.io's own offline buffer is never used: the outbox is
 * the queue), fails fast on timeout, and every answer or event is parsed with the protocol schemas before use.
 */
import { BehaviorSubject, Subject } from 'rxjs';
import type { Observable } from 'rxjs';
import { io } from 'socket.io-client';
import type { Socket } from 'socket.io-client';
import type { z } from 'zod';
import type { StoreId, TillId } from '../loyalty/units.ts';
import {
  ChangesEventSchema,
  FindSaleResponseSchema,
  ConfigEventSchema,
  HelloResponseSchema,
  HistoryResponseSchema,
  LookupResponseSchema,
  PROTOCOL_VERSION,
  PullResponseSchema,
  PushResponseSchema,
  ShedEventSchema,
  VoucherResponseSchema,
  WireErrorSchema,
} from '../protocol/messages.ts';
import type {
  AuthorizeRequest,
  ChangesEvent,
  ClientToServerEvents,
  ConfigEvent,
  FindSaleRequest,
  FindSaleResponse,
  HelloRequest,
  HelloResponse,
  HistoryRequest,
  HistoryResponse,
  LookupRequest,
  LookupResponse,
  PullRequest,
  PullResponse,
  PushRequest,
  PushResponse,
  ServerToClientEvents,
  ShedEvent,
  VoucherCheckRequest,
  VoucherRedeemRequest,
  VoucherResponse,
} from '../protocol/messages.ts';
import type { SyncError } from './db.ts';

/** Why a request got no usable answer. */
export type TransportErrorCode = 'OFFLINE' | 'TIMEOUT' | 'BAD_RESPONSE' | 'CONNECT_FAILED';

/** A request that got no usable answer; the ledger may or may not have acted on it. */
export class TransportError extends Error {
  constructor(
    readonly code: TransportErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'TransportError';
  }
}

export interface TillTransport {
  /** Current connection state, replayed to new subscribers. */
  readonly connected$: Observable<boolean>;
  /** The last connection or protocol error (a refused handshake carries the ledger's code), null once connected. */
  readonly lastError$: Observable<SyncError | null>;
  readonly changes$: Observable<ChangesEvent>;
  readonly config$: Observable<ConfigEvent>;
  readonly shed$: Observable<ShedEvent>;
  /** Rejects with a TransportError when offline, on timeout or on a malformed answer. */
  push(req: PushRequest): Promise<PushResponse>;
  /** A priority push; waits at most `req.deadlineMs`. */
  authorize(req: AuthorizeRequest): Promise<PushResponse>;
  pull(req: PullRequest): Promise<PullResponse>;
  lookup(req: LookupRequest): Promise<LookupResponse>;
  /** Protocol 3: a sale of any store, by receipt reference or op id, for a refund. */
  findSale(req: FindSaleRequest): Promise<FindSaleResponse>;
  voucherCheck(req: VoucherCheckRequest): Promise<VoucherResponse>;
  /** Waits at most `deadlineMs` (a customer waits at the till). */
  voucherRedeem(req: VoucherRedeemRequest, deadlineMs: number): Promise<VoucherResponse>;
  /** Protocol 2: where the ledger stands for this till database (sent first on every connection). */
  hello(req: HelloRequest): Promise<HelloResponse>;
  /** Protocol 2: the till's recent ops, for a database made anew. */
  history(req: HistoryRequest): Promise<HistoryResponse>;
  /**
   * The till database the link speaks for (its incarnation and first seq) and, after a move, its store: used from
   * the next handshake on. `reconnect()` makes one now.
   */
  setSession(session: TransportSession): void;
  reconnect(): void;
  connect(): void;
  disconnect(): void;
}

/** What a handshake says besides the till's credentials. */
export interface TransportSession {
  incarnation: string;
  baseSeq: number;
  storeId?: StoreId;
}

export interface SocketTransportOptions {
  url: string;
  auth: { tillId: TillId; storeId: StoreId; token: string };
  /** How long a push, pull or lookup waits for its ack. */
  ackTimeoutMs: number;
  /** socket.io namespace path appended to the url, e.g. '/till'; default none. */
  namespace?: string;
  /** Reconnection backoff; randomized so hundreds of tills do not come back at once. */
  reconnectionDelayMs?: number;
  reconnectionDelayMaxMs?: number;
  randomizationFactor?: number;
  /** PEM certificates to trust for an https ledger, under Node (tests, tools); a browser trusts the system's store. */
  ca?: string;
}

type TillSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/**
 * Handshake refusals that trying again cannot cure (wrong or rotated token, revoked till, another store, an old
 * protocol): the till stops connecting and shows the code until it is set up again. Any other refusal (INTERNAL,
 * SHUTTING_DOWN, OVERLOADED: a ledger in trouble) is retried with a growing randomized delay.
 */
export const FINAL_REFUSALS: ReadonlySet<string> = new Set([
  'AUTH_REQUIRED',
  'AUTH_FAILED',
  'TILL_REVOKED',
  'WRONG_STORE',
  'PROTOCOL_VERSION',
]);

/**
 * A TillTransport over socket.io-client. Does not connect until `connect()`. A handshake the ledger refuses
 * (`err.data = { code, message }`) shows in `lastError$`; socket.io does not retry a refused handshake by itself.
 */
export function socketTransport(opts: SocketTransportOptions): TillTransport {
  let session: TransportSession | undefined;
  const socket: TillSocket = io(opts.url + (opts.namespace ?? ''), {
    autoConnect: false,
    // Read at every handshake: a till that starts a new incarnation, or moves store, says so on its next one.
    auth: (cb) =>
      cb({
        ...opts.auth,
        protocolVersion: PROTOCOL_VERSION,
        ...(session ? { incarnation: session.incarnation, baseSeq: session.baseSeq } : {}),
        ...(session?.storeId ? { storeId: session.storeId } : {}),
      }),
    reconnection: true,
    reconnectionDelay: opts.reconnectionDelayMs ?? 1_000,
    reconnectionDelayMax: opts.reconnectionDelayMaxMs ?? 30_000,
    randomizationFactor: opts.randomizationFactor ?? 0.5,
    // Long-polling would batch and replay; the till speaks over a WebSocket only.
    transports: ['websocket'],
    ...(opts.ca !== undefined ? { ca: opts.ca } : {}),
  });
  const connected$ = new BehaviorSubject<boolean>(false);
  const lastError$ = new BehaviorSubject<SyncError | null>(null);
  const changes$ = new Subject<ChangesEvent>();
  const config$ = new Subject<ConfigEvent>();
  const shed$ = new Subject<ShedEvent>();

  let wanted = false;
  let comeBack: ReturnType<typeof setTimeout> | undefined;
  /** Handshakes refused in a row; a refusal is retried after a delay doubling with each one. */
  let refusals = 0;
  const connectLater = (attempt: number, atLeastMs = 0) => {
    const base = Math.min(opts.reconnectionDelayMaxMs ?? 30_000, (opts.reconnectionDelayMs ?? 1_000) * 2 ** attempt);
    const spread = opts.randomizationFactor ?? 0.5;
    clearTimeout(comeBack);
    comeBack = setTimeout(
      () => {
        if (wanted) socket.connect();
      },
      Math.max(atLeastMs, base * (1 + spread * (Math.random() * 2 - 1))),
    );
  };
  socket.on('connect', () => {
    refusals = 0;
    lastError$.next(null);
    connected$.next(true);
  });
  socket.on('disconnect', (reason) => {
    connected$.next(false);
    // socket.io-client does not reconnect after the server closed the socket itself (a ledger shutting down, or one
    // that withdrew this till's token): the till still wants its ledger, so it comes back after a randomized delay,
    // like its own reconnections; a withdrawn token is then refused for good below.
    if (reason === 'io server disconnect' && wanted) connectLater(0);
  });
  socket.on('connect_error', (err: Error & { data?: unknown }) => {
    const wire = WireErrorSchema.safeParse(err.data);
    lastError$.next(
      wire.success
        ? { code: wire.data.code, message: wire.data.message }
        : { code: 'CONNECT_FAILED', message: err.message },
    );
    connected$.next(false);
    // A refused handshake is not retried by socket.io (a network failure is, by its own backoff).
    if (wire.success && wanted && !FINAL_REFUSALS.has(wire.data.code))
      connectLater(refusals++, wire.data.retryAfterMs ?? 0);
  });

  // Events are parsed as unknown: a malformed event is reported, never acted on.
  const forward =
    <T>(schema: z.ZodType<T>, into: Subject<T>, name: string) =>
    (raw: unknown): void => {
      const parsed = schema.safeParse(raw);
      if (parsed.success) into.next(parsed.data);
      else lastError$.next({ code: 'BAD_RESPONSE', message: `malformed ${name} event from the ledger` });
    };
  socket.on('changes', forward(ChangesEventSchema, changes$, 'changes'));
  socket.on('config', forward(ConfigEventSchema, config$, 'config'));
  socket.on('shed', forward(ShedEventSchema, shed$, 'shed'));

  async function call<T>(
    event: keyof ClientToServerEvents,
    req: unknown,
    schema: z.ZodType<T>,
    timeoutMs: number,
  ): Promise<T> {
    // Never let socket.io buffer: an op sent while disconnected would be replayed on reconnect beside the outbox.
    if (!socket.connected) throw new TransportError('OFFLINE', 'not connected to the ledger');
    let raw: unknown;
    try {
      // The typed emit map cannot express "one of these events with its request"; the answer is parsed below anyway.
      const emitter = socket.timeout(timeoutMs) as unknown as {
        emitWithAck(ev: string, arg: unknown): Promise<unknown>;
      };
      raw = await emitter.emitWithAck(event, req);
    } catch (err) {
      throw new TransportError(
        'TIMEOUT',
        `no answer to ${event} within ${timeoutMs} ms${err instanceof Error ? ` (${err.message})` : ''}`,
      );
    }
    const parsed = schema.safeParse(raw);
    if (!parsed.success) throw new TransportError('BAD_RESPONSE', `malformed answer to ${event}`);
    return parsed.data;
  }

  return {
    connected$: connected$.asObservable(),
    lastError$: lastError$.asObservable(),
    changes$: changes$.asObservable(),
    config$: config$.asObservable(),
    shed$: shed$.asObservable(),
    push: (req) => call('push', req, PushResponseSchema, opts.ackTimeoutMs),
    authorize: (req) => call('authorize', req, PushResponseSchema, req.deadlineMs),
    pull: (req) => call('pull', req, PullResponseSchema, opts.ackTimeoutMs),
    lookup: (req) => call('lookup', req, LookupResponseSchema, opts.ackTimeoutMs),
    findSale: (req) => call('findSale', req, FindSaleResponseSchema, opts.ackTimeoutMs),
    voucherCheck: (req) => call('voucherCheck', req, VoucherResponseSchema, opts.ackTimeoutMs),
    voucherRedeem: (req, deadlineMs) => call('voucherRedeem', req, VoucherResponseSchema, deadlineMs),
    hello: (req) => call('hello', req, HelloResponseSchema, opts.ackTimeoutMs),
    history: (req) => call('history', req, HistoryResponseSchema, opts.ackTimeoutMs),
    setSession: (next) => {
      session = next;
    },
    reconnect: () => {
      if (!wanted) return;
      socket.disconnect();
      socket.connect();
    },
    connect: () => {
      wanted = true;
      socket.connect();
    },
    disconnect: () => {
      wanted = false;
      clearTimeout(comeBack);
      socket.disconnect();
    },
  };
}
