/**
 * Console routes for the closing, the rush and the event feed. The closing page's liability figures are the
 * liability report's (reports/liability.ts): the provision as it stands now, and over a period running to the burn
 * deadline the provision released at closing and the vouchers still owed after it. A store manager gets their
 * store's counts and no chain-wide figures.
 */
import type { ClosingView, EventsView, LiabilityFigures, RushSample, WebhookRow } from '../../protocol/console-api.ts';
import { WebhookToggleSchema } from '../../protocol/console-api.ts';
import { buildLiabilityReport } from '../reports/liability.ts';
import type { LedgerStore } from '../store/types.ts';
import { listWebhooks, setWebhookDisabled } from '../webhooks.ts';
import { ConsoleFailure, parseBody } from './http.ts';
import { logAction, scopeStore, type Route, type RouteCtx } from './route.ts';

const DAY = 86_400_000;
/** How far back the closing's charts and the liability's "now" period reach. */
const CHART_DAYS = 90;

async function liability(store: LedgerStore, now: number, burnDeadline: number | null): Promise<LiabilityFigures> {
  const from = now - 365 * DAY;
  const current = await buildLiabilityReport(store, { from, to: now + 1 }, now);
  const at = burnDeadline !== null && burnDeadline >= now ? burnDeadline + 1 : null;
  const closing = at === null ? current : await buildLiabilityReport(store, { from, to: at }, now);
  const outstandingCents = current.report.provision.closing;
  return {
    currency: current.program.currency,
    outstandingPoints: current.report.points.closing,
    outstandingCents,
    provisionReleasedCents: at === null ? 0 : Math.abs(closing.report.provision.closingRelease),
    afterCents: closing.vouchers.byCurrency.reduce((s, v) => s + v.closing.outstanding.faceCents, 0),
  };
}

async function toggleWebhook(ctx: RouteCtx, disable: boolean): Promise<{ webhookId: string; disabled: boolean }> {
  const id = ctx.params['webhookId'] ?? '';
  const { reason } = parseBody(WebhookToggleSchema, ctx.body);
  if (!(await setWebhookDisabled(ctx.deps.store, id, disable ? ctx.deps.now() : null)))
    throw new ConsoleFailure(404, 'UNKNOWN_WEBHOOK');
  await logAction(ctx, disable ? 'webhook disable' : 'webhook enable', reason ?? null, { args: [id], options: {} });
  return { webhookId: id, disabled: disable };
}

export const closingRoutes: Route[] = [
  {
    method: 'GET',
    path: /^\/closing$/,
    async handle({ deps, user, query }): Promise<ClosingView> {
      const storeId = scopeStore(user, query.get('store'));
      const now = deps.now();
      const program = await deps.store.latestProgram();
      if (!program) throw new ConsoleFailure(404, 'NO_PROGRAM');
      const closing = program.closing;
      const days = await deps.store.consoleReads.closingDays(now - CHART_DAYS * DAY, program.version);
      return {
        now,
        earnEndsAt: closing?.earnUntil ?? null,
        burnDeadline: closing?.burnDeadline ?? null,
        days: storeId === null ? days : days.filter((d) => d.storeId === storeId),
        liability: user.role === 'head-office' ? await liability(deps.store, now, closing?.burnDeadline ?? null) : null,
      };
    },
  },
  {
    method: 'GET',
    path: /^\/rush$/,
    handle({ deps, query }): Promise<{ intervalMs: number; samples: RushSample[] }> {
      const since = Number(query.get('since') ?? 0);
      return Promise.resolve({
        intervalMs: deps.rush.intervalMs,
        samples: deps.rush.samples(Number.isFinite(since) ? since : 0),
      });
    },
  },
  {
    method: 'GET',
    path: /^\/events$/,
    role: 'head-office',
    async handle({ deps }): Promise<EventsView> {
      const head = await deps.store.eventsFeed.head();
      const webhooks: WebhookRow[] = (await listWebhooks(deps.store)).map((w) => ({
        webhookId: w.webhookId,
        url: w.url,
        cursor: w.cursor,
        lag: w.lag,
        attempts: w.attempts,
        lastError: w.lastError,
        disabledAt: w.disabledAt,
      }));
      return { head, webhooks };
    },
  },
  {
    method: 'POST',
    path: /^\/webhooks\/(?<webhookId>[^/]+)\/disable$/,
    role: 'head-office',
    handle: (ctx) => toggleWebhook(ctx, true),
  },
  {
    method: 'POST',
    path: /^\/webhooks\/(?<webhookId>[^/]+)\/enable$/,
    role: 'head-office',
    handle: (ctx) => toggleWebhook(ctx, false),
  },
];
