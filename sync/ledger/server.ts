/**
 * The ledger server: socket.io for tills (namespace `/till`) and a small HTTP surface (`GET /health`, `GET /metrics`
 * in Prometheus text format). Every message is parsed as `unknown` through the protocol schemas; a till acts only for
 * its own store. Pushes and authorizations pass a per-till rate limit, then the intake's bounds; either refusal is
 * answered OVERLOADED with `retryAfterMs` and a `shed` event.
 *
 * This module only wires the parts in server/: the handshake, the request handlers and the socket that serves them,
 * the fan-out of changes to connected tills, the HTTP routes and the watchers of what the CLI writes.
 */
import { createServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import type { Program } from '../loyalty/program.ts';
import { MAX_MESSAGE_BYTES, type ClientToServerEvents, type ServerToClientEvents } from '../protocol/messages.ts';
import { createConsole, type ConsoleOptions } from './console/api.ts';
import { RushHistory } from './console/rush.ts';
import { createEventsFeed } from './events-feed.ts';
import { Intake, type IntakeOptions } from './intake.ts';
import type { Logger } from './log.ts';
import { LedgerMetrics } from './metrics.ts';
import { DEFAULT_TILL_RATE_LIMITS, TillRateLimiter, type TillRateLimits } from './rate-limit.ts';
import { createFanOut } from './server/fan-out.ts';
import { createTillHandlers } from './server/handlers.ts';
import { tillHandshake } from './server/handshake.ts';
import { httpRoutes } from './server/http-routes.ts';
import { isPortalRequest, portalApi } from './server/portal-api.ts';
import { ledgerLinkSigner, type LinkSigner } from './member-links.ts';
import { ProgramVersions } from './server/programs.ts';
import type { TillData } from './server/requests.ts';
import { serveTillSocket } from './server/socket.ts';
import { watchPrograms, watchTillCredentials } from './server/watchers.ts';
import type { LedgerStore } from './store/types.ts';
import { loadTls, tlsFilesFromEnv, type TlsMaterial } from './tls.ts';
import { webhookWorkerFor, type WebhookSettings } from './webhooks.ts';
import { clusterAdapter, tillRoom } from './cluster/adapter.ts';
import { listenForWithdrawnTills } from './cluster/revocations.ts';
import { startSharedQueue, SharedTillRateLimiter } from './cluster/limits.ts';
import { clusterSettingsFromEnv, connectRedis, processNameFromEnv, type ClusterSettings } from './cluster/redis.ts';

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
  /**
   * Several ledger processes on one PostgreSQL (cluster/): live events and limits shared through this Redis. Default
   * from $REDIS_URL and $LEDGER_REDIS_PREFIX; false or unset: this process alone. An unreachable Redis at start is
   * REDIS_UNREACHABLE.
   */
  cluster?: ClusterSettings | false;
  /** The `process` label of /metrics and the name in Redis; default $LEDGER_PROCESS_NAME, else hostname:pid. */
  processName?: string;
  /** The web console under /console (console/api.ts): its built page and login limits; false: none. */
  console?: ConsoleOptions | false;
}

export interface LedgerServer {
  url: string;
  port: number;
  intake: Intake;
  metrics: LedgerMetrics;
  /** Stores a new program version and tells every connected till. */
  publishProgram(program: Program): Promise<void>;
  connectedTills(): number;
  /**
   * Drains for `ms`, then closes: /health answers 503 at once (the load balancer sends no new till here), queued
   * groups are committed, then the tills' connections drop and they reconnect to another process.
   */
  drain(ms: number): Promise<void>;
  /** The rush samples the console shows (console/rush.ts). */
  rush: RushHistory;
  close(): Promise<void>;
}

/** Starts the ledger on `port` (0 for any free port) and resolves once it listens. */
export async function startLedgerServer(opts: LedgerServerOptions): Promise<LedgerServer> {
  const { store, logger } = opts;
  const now = opts.now ?? Date.now;
  const latestAtStart = await store.latestProgram();
  // Renewed only by a restore, with the ledger stopped (`ledger restore`): read once.
  const epoch = await store.ledgerEpoch();
  const programs = new ProgramVersions(latestAtStart, (program) => fanOut.program(program));

  const processName = opts.processName ?? processNameFromEnv();
  const clusterSettings = opts.cluster === undefined ? clusterSettingsFromEnv() : opts.cluster || undefined;
  const redis = clusterSettings ? await connectRedis(clusterSettings, logger) : undefined;
  let draining = false;

  const tls = opts.tls ?? (await loadTlsFromEnv());
  const http = tls
    ? createHttpsServer({ cert: tls.cert, key: tls.key }, (req, res) => routes(req, res))
    : createServer((req, res) => routes(req, res));
  const io = new Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, TillData>(http, {
    // The engine's hard cap sits above the protocol limit so that an oversized message gets a coded answer.
    maxHttpBufferSize: MAX_MESSAGE_BYTES * 4,
    serveClient: false,
    cors: { origin: true },
    // Ops are small JSON; compressing every frame costs more CPU than the bytes it saves on a shop's network.
    perMessageDeflate: false,
  });
  if (redis) io.adapter(clusterAdapter(redis));
  const tills = io.of('/till');
  const fanOut = createFanOut(tills, logger);
  const metrics = new LedgerMetrics({
    queueDepth: () => intake.depth,
    connectedTills: () => tills.sockets.size,
    processName,
  });
  const rateLimits = opts.rateLimits ?? DEFAULT_TILL_RATE_LIMITS;
  const limiter = redis
    ? new SharedTillRateLimiter(redis.limits, redis.settings.prefix, rateLimits, now, logger)
    : new TillRateLimiter(rateLimits, now);
  const sharedQueue = redis
    ? startSharedQueue({
        client: redis.limits,
        prefix: redis.settings.prefix,
        processName,
        depth: () => intake.depth,
        logger,
      })
    : undefined;
  const feed = createEventsFeed({ store, logger, adminToken: opts.adminToken ?? process.env['LEDGER_ADMIN_TOKEN'] });
  const webhooks = webhookWorkerFor(store, logger, opts.webhooks);

  const intake: Intake = new Intake(store, {
    maxQueuedOps: opts.intake?.maxQueuedOps ?? 200_000,
    maxGroupOps: opts.intake?.maxGroupOps ?? 5_000,
    ...(opts.intake?.maxQueueWaitMs !== undefined ? { maxQueueWaitMs: opts.intake.maxQueueWaitMs } : {}),
    ...(opts.intake?.groupBudgetMs !== undefined ? { groupBudgetMs: opts.intake.groupBudgetMs } : {}),
    metrics,
    ...(sharedQueue ? { queuedElsewhere: () => sharedQueue.elsewhere() } : {}),
    logger,
    context: () => ({ now: now(), clockToleranceMs: (v) => programs.clockToleranceMs(v), epoch }),
    onCommitted: (group) => {
      if (group.opsApplied > 0) webhooks?.wake();
      return fanOut.changes(group);
    },
  });

  let signer: Promise<LinkSigner> | undefined;
  const handlers = createTillHandlers({
    store,
    intake,
    limiter,
    metrics,
    now,
    epoch,
    latestProgram: () => programs.latest,
    signer: () => (signer ??= ledgerLinkSigner(store)),
  });
  tills.use(tillHandshake(store, logger));
  tills.on('connection', (socket) => serveTillSocket(socket, handlers, { logger, metrics }));
  const rush = new RushHistory({
    metrics,
    now,
    queueDepth: () => intake.depth,
    connectedTills: () => tills.sockets.size,
  });
  const consoleHttp =
    opts.console === false
      ? undefined
      : createConsole(
          {
            store,
            metrics,
            rush,
            now,
            connectedTills: () => {
              const live = new Map<string, { protocolVersion: number }>();
              for (const s of tills.sockets.values())
                live.set(s.data.tillId, { protocolVersion: s.data.protocolVersion });
              return live;
            },
          },
          { logger, tls: tls !== false, console: opts.console },
        );
  const portal = portalApi({
    store,
    intake,
    logger,
    now,
    latestProgram: () => programs.latest,
    signer: () => (signer ??= ledgerLinkSigner(store)),
  });
  const routes = httpRoutes({
    portal: { handles: isPortalRequest, handle: portal },
    store,
    logger,
    metrics,
    feed,
    epoch,
    programVersion: () => programs.latest?.version ?? null,
    connectedTills: () => tills.sockets.size,
    queueDepth: () => intake.depth,
    processName,
    draining: () => draining,
    console: consoleHttp,
  });

  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve());
  });
  const port = (http.address() as AddressInfo).port;
  const host = opts.host ?? '127.0.0.1';
  const url = `${tls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${port}`;
  logger.info({ url, dialect: store.dialect, process: processName, cluster: redis !== undefined }, 'ledger listening');
  webhooks?.start();
  if (consoleHttp) rush.start();

  const programWatch = watchPrograms(store, programs, logger, opts.programWatchMs ?? 2_000);
  const tillWatch = watchTillCredentials(tills, store, logger, opts.tillWatchMs ?? 2_000);
  // In a cluster, a revocation or rotation announced through Redis drops the till's sockets here at once.
  const withdrawn = redis
    ? await listenForWithdrawnTills(
        redis,
        (tillId) => {
          logger.warn({ tillId }, 'till disconnected: credentials withdrawn (announced)');
          tills.in(tillRoom(tillId)).local.disconnectSockets(true);
        },
        logger,
      )
    : undefined;

  const server: LedgerServer = {
    url,
    port,
    intake,
    metrics,
    connectedTills: () => tills.sockets.size,
    rush,
    async publishProgram(program) {
      await store.putProgram(program);
      programs.adopt(program);
    },
    async drain(ms) {
      draining = true;
      logger.info({ ms }, 'draining: /health answers 503, then the tills are let go');
      await new Promise((resolve) => setTimeout(resolve, ms));
      await server.close();
    },
    async close() {
      draining = true;
      clearInterval(programWatch);
      clearInterval(tillWatch);
      rush.stop();
      await webhooks?.close();
      await intake.close();
      // No socket.io DISCONNECT to the tills (disconnectSockets would send one): a client told "io server disconnect"
      // never reconnects by itself, so a restarted ledger would not see its tills again. io.close() drops the
      // connections, which the tills see as a transport close and answer by reconnecting with their jittered backoff.
      await new Promise<void>((resolve) => {
        void io.close(() => resolve());
      });
      await sharedQueue?.close();
      await withdrawn?.close();
      await redis?.close();
    },
  };
  return server;
}

/** TLS from $LEDGER_TLS_CERT/$LEDGER_TLS_KEY when set (sync/ledger/tls.ts), read and checked; false otherwise. */
async function loadTlsFromEnv(): Promise<TlsMaterial | false> {
  const files = tlsFilesFromEnv();
  return files ? loadTls(files) : false;
}
