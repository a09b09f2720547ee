/**
 * The web console on the ledger's HTTP server: `/console/api/*` (JSON, every route behind a session, every non-GET
 * behind the CSRF checks, every body through a schema, refusals as stable codes) and the page under `/console`.
 * Each API request's duration is observed in `ledger_console_request_duration_seconds`, so that the console's own
 * latency during a rush can be read beside the authorizations'.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Histogram } from 'prom-client';
import { localeOf } from '../../loyalty/i18n/locale.ts';
import { CONSOLE_API, CONSOLE_PATH } from '../../protocol/console-api.ts';
import type { Logger } from '../log.ts';
import { ConsoleAuth, DEFAULT_CONSOLE_AUTH, info, type ConsoleAuthOptions } from './auth.ts';
import { ConsoleFailure, readBody, sendJson } from './http.ts';
import type { ConsoleDeps, Route } from './route.ts';
import { closingRoutes } from './routes-closing.ts';
import { conflictRoutes } from './routes-conflicts.ts';
import { memberRoutes } from './routes-members.ts';
import { tillRoutes } from './routes-tills.ts';
import { DEFAULT_CONSOLE_DIST, serveConsolePage } from './static.ts';

export interface ConsoleOptions {
  /** The built page; default renderer/console/dist. */
  distDir?: string;
  auth?: Partial<ConsoleAuthOptions>;
}

const ROUTES: readonly Route[] = [...tillRoutes, ...conflictRoutes, ...memberRoutes, ...closingRoutes];

export interface ConsoleHttp {
  /** True when the request was the console's (answered or being answered). */
  handle(req: IncomingMessage, res: ServerResponse, pathname: string, query: URLSearchParams): boolean;
}

export function createConsole(
  deps: ConsoleDeps,
  opts: { logger: Logger; tls: boolean; console?: ConsoleOptions | undefined },
): ConsoleHttp {
  const auth = new ConsoleAuth(
    deps.store,
    {
      ...DEFAULT_CONSOLE_AUTH,
      publicOrigin: process.env['LEDGER_CONSOLE_ORIGIN'],
      ...opts.console?.auth,
    },
    opts.tls,
    deps.now,
  );
  const distDir = opts.console?.distDir ?? DEFAULT_CONSOLE_DIST;
  const seconds = new Histogram({
    name: 'ledger_console_request_duration_seconds',
    help: 'Console API requests, from receipt to the answer.',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [deps.metrics.registry],
  });

  /** The console speaks the program's locale (British English before any program). */
  const locale = async () => localeOf(await deps.store.latestProgram());

  async function api(req: IncomingMessage, res: ServerResponse, path: string, query: URLSearchParams): Promise<void> {
    const method = req.method ?? 'GET';
    const body = method === 'GET' || method === 'HEAD' ? '' : await readBody(req);
    if (method === 'POST' && path === '/login') return sendJson(res, 200, await auth.login(req, res, body));
    const who = await auth.authenticate(req);
    if (method !== 'GET' && method !== 'HEAD') auth.checkCsrf(req, who);
    if (method === 'GET' && path === '/session') return sendJson(res, 200, info(who.user, who.session, await locale()));
    if (method === 'POST' && path === '/logout') {
      await auth.logout(res, who);
      return sendJson(res, 200, { ok: true });
    }
    for (const route of ROUTES) {
      const m = route.path.exec(path);
      if (!m || route.method !== method) continue;
      if (route.role !== undefined && route.role !== who.user.role) throw new ConsoleFailure(403, 'HEAD_OFFICE_ONLY');
      const params: Record<string, string> = {};
      for (const [k, v] of Object.entries(m.groups ?? {})) {
        try {
          params[k] = decodeURIComponent(v);
        } catch {
          throw new ConsoleFailure(400, 'BAD_REQUEST', { issues: [`${k}: bad escape`] });
        }
      }
      return sendJson(res, 200, await route.handle({ deps, user: who.user, params, query, body }));
    }
    throw new ConsoleFailure(404, 'NO_ROUTE');
  }

  return {
    handle(req, res, pathname, query) {
      if (pathname !== CONSOLE_PATH && !pathname.startsWith(`${CONSOLE_PATH}/`)) return false;
      if (pathname === CONSOLE_API || pathname.startsWith(`${CONSOLE_API}/`)) {
        const end = seconds.startTimer();
        api(req, res, pathname.slice(CONSOLE_API.length), query)
          .catch((err: unknown) => {
            if (err instanceof ConsoleFailure) {
              const retry = err.extra.retryAfterMs;
              return sendJson(
                res,
                err.status,
                err.body,
                retry === undefined ? {} : { 'retry-after': String(Math.ceil(retry / 1000)) },
              );
            }
            opts.logger.error({ err }, 'console request failed');
            return sendJson(res, 500, new ConsoleFailure(500, 'INTERNAL').body);
          })
          .finally(() => end());
        return true;
      }
      serveConsolePage(req, res, pathname, distDir, locale).catch((err: unknown) => {
        opts.logger.error({ err }, 'console page failed');
        if (!res.headersSent) sendJson(res, 500, new ConsoleFailure(500, 'INTERNAL').body);
      });
      return true;
    },
  };
}
