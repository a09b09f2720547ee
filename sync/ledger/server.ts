/**
 * The ledger server: socket.io for tills (namespace `/till`) and a small HTTP surface (`GET /health`, `GET /metrics`
 * in Prometheus text format). Every message is parsed as `unknown` through the protocol schemas; a till acts only for
 * its own store. Pushes and authorizations pass a per-till rate limit, then the intake's bounds; either refusal is
 * answered OVERLOADED with `retryAfterMs` and a `shed` event.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { Server, type Socket } from 'socket.io';
import type { z } from 'zod';
import type { Program } from '../loyalty/program.ts';
import type { StoreId, TillId } from '../loyalty/units.ts';
import { wireError, type ErrorCode, type WireError } from '../protocol/errors.ts';
import {
  AuthorizeEnvelopeSchema,
  HandshakeAuthSchema,
  HelloRequestSchema,
  HistoryRequestSchema,
  LookupRequestSchema,
  MAX_MESSAGE_BYTES,
  MIN_PROTOCOL_VERSION,
  PROTOCOL_VERSION,
  PullRequestSchema,
  PushEnvelopeSchema,
  VoucherCheckRequestSchema,
  VoucherRedeemRequestSchema,
  describeIssues,
  type ChangesEvent,
  type ClientToServerEvents,
  type HelloResponse,
  type HistoryResponse,
  type LookupResponse,
  type OpResult,
  type PullResponse,
  type PushResponse,
  type ServerToClientEvents,
  type VoucherResponse,
} from '../protocol/messages.ts';
import { speaksVersion } from '../protocol/upgrade.ts';
import { snapshotOf, type GroupOutcome } from './apply-group.ts';
import { checkOwnership, readPush, type ReadPush } from './push-reading.ts';
import { WireFailure } from './wire-failure.ts';
import { Intake, OverloadedError, type IntakeOptions } from './intake.ts';
import type { Logger } from './log.ts';
import { LedgerMetrics } from './metrics.ts';
import { DEFAULT_TILL_RATE_LIMITS, TillRateLimiter, type TillRateLimits } from './rate-limit.ts';
import { LEGACY_INCARNATION, type LedgerStore, type MemberRecord } from './store/types.ts';
import { verifyToken } from './tokens.ts';
import { loadTls, tlsFilesFromEnv, type TlsMaterial } from './tls.ts';
import { createEventsFeed, EVENTS_PATH } from './events-feed.ts';
import { webhookWorkerFor, type WebhookSettings } from './webhooks.ts';
import { afterBodyDiscarded } from './http-body.ts';
import { originFormUrl } from '../protocol/request-target.ts';
import { checkVoucher, redeemVoucherForTill } from './voucher-requests.ts';

export interface LedgerServerOptions {
  store: LedgerStore;
  logger: Logger;
  port?: number;
  host?: string;
  now?: () => number;
  intake?: Partial<Pick<IntakeOptions, 'maxQueuedOps' | 'maxGroupOps' | 'maxQueueWaitMs' | 'groupBudgetMs'>>;
  /** Per-till token buckets for pushes and authorizations; default DEFAULT_TILL_RATE_LIMITS. */
  rateLimits?: TillRateLimits;
  /** Head office's token for `GET /events`; default $LEDGER_ADMIN_TOKEN; none: the feed answers 404. */
  adminToken?: string | undefined;
  /** Webhook delivery (webhooks.ts): false for none; default on, with settings from the environment. */
  webhooks?: Partial<WebhookSettings> | false;
  /** How often the store is checked for a program version set by another process (the CLI); default 2 s. */
  programWatchMs?: number;
  /** HTTPS and WSS with this certificate and key (sync/ledger/tls.ts); default $LEDGER_TLS_CERT/KEY; false: HTTP. */
  tls?: TlsMaterial | false;
  /**
   * How often connected tills are checked against the store for a token rotated or a till revoked by the CLI (another
   * process); default 2 s. A revoked or rotated till's sockets are then disconnected and must handshake again.
   */
  tillWatchMs?: number;
}

export interface LedgerServer {
  url: string;
  port: number;
  intake: Intake;
  metrics: LedgerMetrics;
  /** Stores a new program version and tells every connected till. */
  publishProgram(program: Program): Promise<void>;
  connectedTills(): number;
  close(): Promise<void>;
}

interface TillData {
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
type TillSocket = Socket<ClientToServerEvents, ServerToClientEvents, Record<string, never>, TillData>;

const KNOWN_EVENTS = new Set([
  'push',
  'authorize',
  'pull',
  'lookup',
  'voucherCheck',
  'voucherRedeem',
  'hello',
  'history',
]);
/** Most ops a till database made anew gets back with `history`. */
const HISTORY_MAX = 200;
const DEFAULT_TOLERANCE_MS = 120_000;
const CHANGES_PER_EVENT = 500;

function connectError(code: ErrorCode, extra?: Omit<WireError, 'code' | 'message'>): Error & { data: WireError } {
  const data = wireError(code, extra);
  return Object.assign(new Error(data.message), { data });
}

function parse<T>(schema: z.ZodType<T>, payload: unknown): T {
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

/** Starts the ledger on `port` (0 for any free port) and resolves once it listens. */
export async function startLedgerServer(opts: LedgerServerOptions): Promise<LedgerServer> {
  const { store, logger } = opts;
  const now = opts.now ?? Date.now;
  const programs = new Map<number, Program>();
  let latest = await store.latestProgram();
  // Renewed only by a restore, with the ledger stopped (`ledger restore`): read once.
  const epoch = await store.ledgerEpoch();
  if (latest) programs.set(latest.version, latest);

  const tls = opts.tls ?? (await loadTlsFromEnv());
  const http = tls
    ? createHttpsServer({ cert: tls.cert, key: tls.key }, (req, res) => handleHttp(req, res))
    : createServer((req, res) => handleHttp(req, res));
  const io = new Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, TillData>(http, {
    // The engine's hard cap sits above the protocol limit so that an oversized message gets a coded answer.
    maxHttpBufferSize: MAX_MESSAGE_BYTES * 4,
    serveClient: false,
    cors: { origin: true },
    // Ops are small JSON; compressing every frame costs more CPU than the bytes it saves on a shop's network.
    perMessageDeflate: false,
  });
  const tills = io.of('/till');
  const metrics = new LedgerMetrics({
    queueDepth: () => intake.depth,
    connectedTills: () => tills.sockets.size,
  });
  const limiter = new TillRateLimiter(opts.rateLimits ?? DEFAULT_TILL_RATE_LIMITS, now);
  const feed = createEventsFeed({ store, logger, adminToken: opts.adminToken ?? process.env['LEDGER_ADMIN_TOKEN'] });
  const webhooks = webhookWorkerFor(store, logger, opts.webhooks);

  const intake: Intake = new Intake(store, {
    maxQueuedOps: opts.intake?.maxQueuedOps ?? 200_000,
    maxGroupOps: opts.intake?.maxGroupOps ?? 5_000,
    ...(opts.intake?.maxQueueWaitMs !== undefined ? { maxQueueWaitMs: opts.intake.maxQueueWaitMs } : {}),
    ...(opts.intake?.groupBudgetMs !== undefined ? { groupBudgetMs: opts.intake.groupBudgetMs } : {}),
    metrics,
    logger,
    context: () => ({
      now: now(),
      clockToleranceMs: (v) => programs.get(v)?.clockToleranceMs ?? DEFAULT_TOLERANCE_MS,
      epoch,
    }),
    onCommitted: (group) => {
      if (group.opsApplied > 0) webhooks?.wake();
      return broadcast(group);
    },
  });

  async function broadcast(group: GroupOutcome): Promise<void> {
    if (group.changed.length === 0) return;
    const holders = await store.holdersOf(group.changed.map((m) => m.memberId));
    const byStore = new Map<StoreId, MemberRecord[]>();
    for (const m of group.changed) {
      for (const s of holders.get(m.memberId) ?? []) {
        const list = byStore.get(s) ?? [];
        list.push(m);
        byStore.set(s, list);
      }
    }
    // One read of every till's seq rather than one per store: a group usually touches many stores.
    // Each till's seq counts in its current incarnation: the event says which, and a till ignores another's.
    const seqsByStore = new Map<StoreId, { seqs: [TillId, number][]; incarnations: [TillId, string][] }>();
    for (const t of await store.listTills()) {
      if (!byStore.has(t.storeId)) continue;
      const entry = seqsByStore.get(t.storeId) ?? { seqs: [], incarnations: [] };
      entry.seqs.push([t.tillId, t.lastSeq]);
      entry.incarnations.push([t.tillId, t.incarnation]);
      seqsByStore.set(t.storeId, entry);
    }
    for (const [storeId, members] of byStore) {
      const room = tills.to(`store:${storeId}`);
      const entry = seqsByStore.get(storeId);
      const tillSeqs = Object.fromEntries(entry?.seqs ?? []) as ChangesEvent['tillSeqs'];
      const tillIncarnations = Object.fromEntries(entry?.incarnations ?? []) as NonNullable<
        ChangesEvent['tillIncarnations']
      >;
      for (let i = 0; i < members.length; i += CHANGES_PER_EVENT) {
        room.emit('changes', {
          members: members.slice(i, i + CHANGES_PER_EVENT).map(snapshotOf),
          tillSeqs,
          tillIncarnations,
        });
      }
    }
  }

  tills.use((socket, next) => {
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
  });

  tills.on('connection', (socket: TillSocket) => {
    const { tillId, storeId, incarnation, baseSeq, protocolVersion } = socket.data;
    const log = logger.child({ tillId, storeId });
    log.info('till connected');
    void socket.join(`store:${storeId}`);
    socket.on('disconnect', (reason) => log.info({ reason }, 'till disconnected'));

    const handle = <T>(event: keyof ClientToServerEvents, fn: (payload: unknown) => Promise<T>) => {
      socket.on(event, (...args: unknown[]) => {
        // The ack is the last argument, whatever came before it: a request with no payload, or one argument too many,
        // still gets a coded answer (BAD_REQUEST) rather than none.
        const ack = args[args.length - 1];
        if (typeof ack !== 'function') return; // every till request expects an answer
        const payload = args.length === 2 ? args[0] : args.length === 1 ? undefined : { malformed: args.slice(0, -1) };
        const answer = ack as (r: unknown) => void;
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
          .then(fn)
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

    socket.onAny((event: string, ...args: unknown[]) => {
      if (KNOWN_EVENTS.has(event)) return;
      const ack = args[args.length - 1];
      if (typeof ack === 'function') (ack as (r: unknown) => void)({ ok: false, error: wireError('UNKNOWN_EVENT') });
    });

    const submit = async (req: ReadPush, priority: boolean): Promise<PushResponse> => {
      checkOwnership(req, tillId, storeId);
      const wait = limiter.take(tillId, priority ? 'authorize' : 'push');
      if (wait > 0) throw new OverloadedError(wait, 'rate');
      const out = await intake.submit(
        {
          tillId,
          storeId,
          ops: req.ops,
          sentAt: req.sentAt,
          receivedAt: now(),
          incarnation,
          baseSeq,
          ...(req.recovered && req.recovered.length > 0 ? { recovered: new Set(req.recovered) } : {}),
          ...(req.unreadable.length > 0 ? { unreadable: req.unreadable } : {}),
        },
        priority,
      );
      if (req.recovered && req.recovered.length > 0) noteRecovery(req.recovered, out.results);
      return {
        ok: true,
        results: out.results,
        balances: out.balances,
        tillSeq: out.tillSeq,
        serverTime: now(),
        // The manager's screen shows the rush from the ledger's side; two numbers read without I/O.
        load: { queuedOps: intake.depth, shedTotal: metrics.shedTotal },
      };
    };

    /** Ops a till sent back after a restore land in the action log too, so head office sees them there. */
    const noteRecovery = (ids: readonly string[], results: readonly OpResult[]): void => {
      const sent = new Set(ids);
      const back = results.filter((r) => sent.has(r.opId) && !r.duplicate);
      if (back.length === 0) return;
      log.info({ incarnation, ops: back.length, epoch }, 'ops recovered from the till after a restore');
      store
        .logAction({
          actor: 'ledger',
          action: 'till recovery',
          reason: null,
          details: {
            tillId,
            storeId,
            incarnation,
            epoch,
            ops: back.length,
            firstSeq: back[0]?.seq,
            lastSeq: back.at(-1)?.seq,
          },
          at: now(),
        })
        .catch((err: unknown) => log.warn({ err }, 'could not log the recovery'));
    };

    handle('push', (p) => submit(readPush(parse(PushEnvelopeSchema, p), protocolVersion), false));
    handle('authorize', async (p) => {
      const req = readPush(parse(AuthorizeEnvelopeSchema, p), protocolVersion);
      return submit(req, true);
    });

    /** Where this socket's incarnation stands: its high-water mark (base - 1 for one the ledger has not seen). */
    const incarnationSeq = async (): Promise<number> =>
      (await store.getIncarnation(tillId, incarnation))?.lastSeq ?? baseSeq - 1;

    handle('hello', async (p): Promise<HelloResponse> => {
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
    });

    handle('history', async (p): Promise<HistoryResponse> => {
      const req = parse(HistoryRequestSchema, p);
      const ops = await store.tillHistory(tillId, Math.min(req.limit, HISTORY_MAX));
      return {
        ok: true,
        ops: ops.map((o) => ({ op: o.op, outcome: o.outcome, reversedBy: o.reversedBy, appliedAt: o.appliedAt })),
      };
    });

    handle('pull', async (p): Promise<PullResponse> => {
      const req = parse(PullRequestSchema, p);
      return intake.exclusive(async () => {
        const page = await store.pullMembers(storeId, req.cursor, req.limit);
        const tillSeq = await incarnationSeq();
        const home = await store.getStore(storeId);
        const current = latest;
        return {
          ok: true,
          members: page.members.map(snapshotOf),
          cursor: page.cursor,
          more: page.more,
          tillSeq,
          serverTime: now(),
          ...(current && current.version > req.programVersion ? { program: current } : {}),
          ...(home ? { store: { storeId: home.storeId, name: home.name, managerPin: home.managerPin } } : {}),
        };
      });
    });

    handle('lookup', async (p): Promise<LookupResponse> => {
      const req = parse(LookupRequestSchema, p);
      return intake.exclusive(async () => {
        const member = await store.findMemberByCard(req.card);
        if (!member) throw new WireFailure(wireError('NOT_FOUND'));
        await store.holdMember(storeId, member.memberId);
        return { ok: true, member: snapshotOf(member), tillSeq: await incarnationSeq() };
      });
    });

    // A customer waits at the till: vouchers share the authorization's rate limit, not the background pushes'.
    const voucherRequest = (fn: () => Promise<VoucherResponse>): Promise<VoucherResponse> => {
      const wait = limiter.take(tillId, 'authorize');
      if (wait > 0) throw new OverloadedError(wait, 'rate');
      return fn();
    };
    const outcomeOf = (res: VoucherResponse): string =>
      res.ok ? (res.duplicate === true ? 'duplicate' : 'ok') : res.error.code;
    handle('voucherCheck', (p) => {
      const req = parse(VoucherCheckRequestSchema, p);
      return voucherRequest(async () => {
        const res = await checkVoucher(store, req);
        metrics.voucherRequests.inc({ kind: 'check', outcome: outcomeOf(res) });
        return res;
      });
    });
    handle('voucherRedeem', (p) => {
      const req = parse(VoucherRedeemRequestSchema, p);
      return voucherRequest(async () => {
        const res = await redeemVoucherForTill(store, { tillId, storeId }, req, now());
        metrics.voucherRequests.inc({ kind: 'redeem', outcome: outcomeOf(res) });
        log.info(
          { voucher: req.code.slice(-4), receiptRef: req.receiptRef, outcome: outcomeOf(res) },
          'voucher redemption',
        );
        return res;
      });
    });
  });

  function handleHttp(req: IncomingMessage, res: ServerResponse): void {
    // socket.io answers exactly the requests whose raw URL starts with its path: test the same string it does, or a
    // path that only parses to /socket.io/ (`//x/../socket.io/`) would be left to no one and hang.
    if (req.url?.startsWith('/socket.io/')) return;
    afterBodyDiscarded(req, res, () => answerHttp(req, res));
  }

  function answerHttp(req: IncomingMessage, res: ServerResponse): void {
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
      res.end(JSON.stringify(body));
    };
    const url = originFormUrl(req.url);
    if (url === undefined) {
      send(404, { error: wireError('NO_ROUTE') });
      return;
    }
    if (url.pathname === EVENTS_PATH) return feed.handle(req, res, url);
    if (req.method === 'GET' && url.pathname === '/health') {
      return send(200, {
        status: 'ok',
        dialect: store.dialect,
        protocolVersion: PROTOCOL_VERSION,
        protocolVersions: { min: MIN_PROTOCOL_VERSION, max: PROTOCOL_VERSION },
        epoch,
        programVersion: latest?.version ?? null,
        connectedTills: tills.sockets.size,
        queueDepth: intake.depth,
      });
    }
    if (req.method === 'GET' && url.pathname === '/metrics') {
      metrics.registry.metrics().then(
        (text) => {
          res.writeHead(200, { 'content-type': metrics.registry.contentType, 'cache-control': 'no-store' });
          res.end(text);
        },
        (err: unknown) => {
          logger.error({ err }, 'metrics failed');
          send(500, { error: wireError('INTERNAL') });
        },
      );
      return;
    }
    send(404, { error: wireError('NO_ROUTE') });
  }

  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve());
  });
  const port = (http.address() as AddressInfo).port;
  const host = opts.host ?? '127.0.0.1';
  const url = `${tls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${port}`;
  logger.info({ url, dialect: store.dialect }, 'ledger listening');
  webhooks?.start();

  /** A newer program version becomes the one pulls hand out, and is pushed to every connected till at once. */
  const adoptProgram = (program: Program): void => {
    programs.set(program.version, program);
    if (latest && program.version <= latest.version) return;
    latest = program;
    tills.emit('config', { program });
    logger.info({ version: program.version }, 'program version published to tills');
  };
  // Head office sets programs with the CLI, another process: watch the store so that a closing reaches the tills
  // within seconds, not at the ledger's next restart.
  const programWatch = setInterval(() => {
    store.latestProgram().then(
      (p) => {
        if (p && (!latest || p.version > latest.version)) adoptProgram(p);
      },
      (err: unknown) => logger.warn({ err }, 'could not read the latest program'),
    );
  }, opts.programWatchMs ?? 2_000);
  programWatch.unref();
  const tillWatch = watchTillCredentials(tills, store, logger, opts.tillWatchMs ?? 2_000);

  return {
    url,
    port,
    intake,
    metrics,
    connectedTills: () => tills.sockets.size,
    async publishProgram(program) {
      await store.putProgram(program);
      adoptProgram(program);
    },
    async close() {
      clearInterval(programWatch);
      clearInterval(tillWatch);
      await webhooks?.close();
      await intake.close();
      // No socket.io DISCONNECT to the tills (disconnectSockets would send one): a client told "io server disconnect"
      // never reconnects by itself, so a restarted ledger would not see its tills again. io.close() drops the
      // connections, which the tills see as a transport close and answer by reconnecting with their jittered backoff.
      await new Promise<void>((resolve) => {
        void io.close(() => resolve());
      });
    },
  };
}

/** TLS from $LEDGER_TLS_CERT/$LEDGER_TLS_KEY when set (sync/ledger/tls.ts), read and checked; false otherwise. */
async function loadTlsFromEnv(): Promise<TlsMaterial | false> {
  const files = tlsFilesFromEnv();
  return files ? loadTls(files) : false;
}

/**
 * Rotation and revocation are written by the CLI, another process: every `everyMs` one read of all tills, and each
 * connected socket whose till was revoked, removed or given a new token is disconnected. A revoked till's next
 * handshake is refused TILL_REVOKED, a rotated one's old token AUTH_FAILED. An interval rather than a check per push:
 * an idle revoked till would otherwise keep receiving members' changes, and a read per push would sit on the rush's
 * hot path.
 */
function watchTillCredentials(
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
