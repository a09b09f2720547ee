/**
 * Console routes for the closing, the rush and the event feed. The closing page's answers, conversions and
 * redemptions, by channel (till or page), store and day, are `ledger closing status`'s (reports/closing-status.ts),
 * and so are its members told by post and by e-mail. Its liability figures are the liability report's
 * (reports/liability.ts): the provision as it stands now, and over a period running to the burn deadline the
 * provision released at closing and the vouchers still owed after it. A store manager gets their store's counts (the
 * answers given at its tills) and no chain-wide figures.
 */
import type { StoreId } from '../../loyalty/units.ts';
import type {
  ClosingChannel,
  ClosingChannelFigures,
  ClosingTotals,
  ClosingView,
  DayCountRow,
  EventsView,
  LiabilityFigures,
  RushSample,
  WebhookRow,
} from '../../protocol/console-api.ts';
import { WebhookToggleSchema } from '../../protocol/console-api.ts';
import { closingStatus, type ClosingStatus } from '../reports/closing-status.ts';
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

const CHANNELS: readonly ClosingChannel[] = ['till', 'page', 'head-office'];

/**
 * The closing status's rows as the page's day counts (since `from`) and totals (the whole closing, as the command
 * prints them), only the store's rows for a store manager's `storeId`.
 */
function closingFigures(
  status: ClosingStatus | null,
  storeId: StoreId | null,
  from: number,
): { days: DayCountRow[]; totals: ClosingTotals } {
  const days: DayCountRow[] = [];
  const byChannel = new Map<ClosingChannel, ClosingChannelFigures>();
  let redeemed = 0;
  for (const r of status?.rows ?? []) {
    if (storeId !== null && r.store !== storeId) continue;
    const c = byChannel.get(r.channel) ?? { channel: r.channel, answered: 0, accepted: 0, refused: 0, converted: 0 };
    c.answered += r.answered;
    c.accepted += r.accepted;
    c.refused += r.refused;
    c.converted += r.converted;
    if (r.answered + r.converted > 0) byChannel.set(r.channel, c);
    redeemed += r.redeemed;
    const day = Date.parse(`${r.day}T00:00:00Z`) / DAY;
    if (day * DAY < from) continue;
    const counts: [string, number][] = [
      [`accepted:${r.channel}`, r.accepted],
      [`refused:${r.channel}`, r.refused],
      [`converted:${r.channel}`, r.converted],
      ['voucher-redeemed', r.redeemed],
    ];
    for (const [what, count] of counts) if (count > 0) days.push({ day, storeId: r.store, what, count });
  }
  const headOffice = storeId === null && status !== null;
  return {
    days,
    totals: {
      toldByPost: headOffice ? status.toldByPost : storeId === null ? 0 : null,
      toldByEmail: headOffice ? status.toldByEmail : storeId === null ? 0 : null,
      byChannel: CHANNELS.flatMap((ch) => byChannel.get(ch) ?? []),
      redeemed,
    },
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
      const from = now - CHART_DAYS * DAY;
      const told = await deps.store.consoleReads.closingDays(from, program.version);
      const figures = closingFigures(closing ? await closingStatus(deps.store) : null, storeId, from);
      return {
        now,
        earnEndsAt: closing?.earnUntil ?? null,
        burnDeadline: closing?.burnDeadline ?? null,
        days: [...(storeId === null ? told : []), ...figures.days].sort((a, b) => a.day - b.day),
        totals: figures.totals,
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
