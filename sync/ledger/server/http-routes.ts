/**
 * The ledger's HTTP surface beside socket.io: `GET /health`, `GET /metrics` (Prometheus text format), head
 * office's `GET /events` feed (events-feed.ts), the web console under `/console` (console/api.ts) and the members'
 * page's `/portal/v1/` (portal-api.ts); anything else is answered 404 NO_ROUTE.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { wireError } from '../../protocol/errors.ts';
import { MIN_PROTOCOL_VERSION, PROTOCOL_VERSION } from '../../protocol/messages.ts';
import { originFormUrl } from '../../protocol/request-target.ts';
import { EVENTS_PATH, type EventsFeed } from '../events-feed.ts';
import { afterBodyDiscarded } from '../http-body.ts';
import type { Logger } from '../log.ts';
import type { ConsoleHttp } from '../console/api.ts';
import type { LedgerMetrics } from '../metrics.ts';
import type { LedgerStore } from '../store/types.ts';

export interface HttpRoutesDeps {
  store: LedgerStore;
  logger: Logger;
  metrics: LedgerMetrics;
  feed: EventsFeed;
  epoch: string;
  /** Figures `/health` reports, read when asked. */
  programVersion: () => number | null;
  connectedTills: () => number;
  queueDepth: () => number;
  /** This process's name in a cluster (the `process` label of /metrics). */
  processName: string;
  /** True once the process drains before stopping: /health answers 503 so that the load balancer sends no new till. */
  draining: () => boolean;
  /** The web console; it reads its own request bodies. */
  console?: ConsoleHttp | undefined;
  /** The members' page's API (portal-api.ts): requests whose body it reads itself. */
  portal?: {
    handles: (path: string) => boolean;
    handle: (req: IncomingMessage, res: ServerResponse, path: string) => void;
  };
}

/** The request listener of the ledger's HTTP(S) server. */
export function httpRoutes(deps: HttpRoutesDeps): (req: IncomingMessage, res: ServerResponse) => void {
  const { store, logger, metrics, feed, epoch } = deps;

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
      return send(deps.draining() ? 503 : 200, {
        status: deps.draining() ? 'draining' : 'ok',
        process: deps.processName,
        dialect: store.dialect,
        protocolVersion: PROTOCOL_VERSION,
        protocolVersions: { min: MIN_PROTOCOL_VERSION, max: PROTOCOL_VERSION },
        epoch,
        programVersion: deps.programVersion(),
        connectedTills: deps.connectedTills(),
        queueDepth: deps.queueDepth(),
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

  return (req, res) => {
    // socket.io answers exactly the requests whose raw URL starts with its path: test the same string it does, or a
    // path that only parses to /socket.io/ (`//x/../socket.io/`) would be left to no one and hang.
    if (req.url?.startsWith('/socket.io/')) return;
    const url = originFormUrl(req.url);
    if (url && deps.console?.handle(req, res, url.pathname, url.searchParams)) return;
    const path = originFormUrl(req.url)?.pathname;
    if (path !== undefined && deps.portal?.handles(path)) return deps.portal.handle(req, res, path);
    afterBodyDiscarded(req, res, () => answerHttp(req, res));
  };
}
