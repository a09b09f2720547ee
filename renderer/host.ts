/**
 * Where the page gets its till credentials, and what else the page's host offers. Runs in the renderer. In a browser
 * the page fetches `./till-config.json` from the server that serves it; in Electron the preload bridge (`window.till`)
 * answers, offers the setup screen a place to store the till's settings, relays the local POS API's requests to the
 * engine and shows the sync status in the tray. The token stays in memory: it is never written to localStorage or
 * IndexedDB.
 */
import type { Observable, SchedulerLike } from 'rxjs';
import { asyncScheduler, distinctUntilChanged, throttleTime } from 'rxjs';
import { z } from 'zod';
import { StoreIdSchema, TillIdSchema } from '../sync/loyalty/units.ts';
import type { SyncStatus } from '../sync/till/replicator.ts';
import type { SyncStatusReport, TillPreloadApi } from '../electron/ipc-contract.ts';
import { LedgerUrlSchema, TillTokenSchema } from '../electron/settings-schema.ts';
import { answerPosRequest } from './pos-dispatch.ts';
import type { PosEngine } from './pos-dispatch.ts';

export const TillConfigSchema = z.object({
  /** The ledger's base URL (http or https). */
  ledgerUrl: z.url({ protocol: /^https?$/ }),
  tillId: TillIdSchema,
  storeId: StoreIdSchema,
  token: z.string().min(1).max(512),
  /** Printed at the top of receipts. */
  storeName: z.string().max(120).optional(),
  /** Upper bound of the reconnection backoff (tests shorten it; the engine's default otherwise). */
  reconnectionDelayMaxMs: z.number().int().min(100).max(300_000).optional(),
});
export type TillConfig = z.infer<typeof TillConfigSchema>;

/** What the setup screen asks for, as typed (strings; validated by `parseTillSetup`). */
export interface TillSetupFields {
  ledgerUrl: string;
  tillId: string;
  storeId: string;
  token: string;
}
export type TillSetupField = keyof TillSetupFields;
/** A sentence per invalid field, and `form` for a refusal that is about no one field. */
export type TillSetupErrors = Partial<Record<TillSetupField | 'form', string>>;

/** Where the page stores a till's setup (Electron). */
export interface TillSetup {
  /** The settings stored so far (never the token), to fill the form in, and whether a token is stored. */
  current(): Promise<{ fields: TillSetupFields; hasTillToken: boolean }>;
  /** Validates and stores; resolves with the errors to show, or null once stored. */
  save(fields: TillSetupFields): Promise<TillSetupErrors | null>;
}

/** A running till as the host sees it: what answers the POS, and the sync status for the tray. */
export interface HostedTill {
  pos: PosEngine;
  status$: Observable<SyncStatusReport>;
}

export interface TillHost {
  /** The till's configuration, or null when the till is not set up yet (then `setup` is there). */
  loadConfig(): Promise<TillConfig | null>;
  /** Present where the page itself can set the till up. */
  setup?: TillSetup;
  /** Wires the running till to the host (POS requests, tray status); returns the function that unwires it. */
  attach?: (till: HostedTill) => () => void;
}

/** The browser host: `GET ./till-config.json`, for the till named by `?till=` in the page's address if any. */
export function browserHost(location: Location = window.location): TillHost {
  return {
    async loadConfig() {
      const url = new URL('./till-config.json', location.href);
      const wanted = new URLSearchParams(location.search).get('till');
      if (wanted !== null) url.searchParams.set('till', TillIdSchema.parse(wanted));
      const res = await fetch(url, { cache: 'no-store', credentials: 'same-origin' });
      if (!res.ok) throw new Error(`The till configuration could not be loaded (${res.status} ${res.statusText}).`);
      const parsed = TillConfigSchema.safeParse(await res.json());
      if (!parsed.success) throw new Error(`The till configuration is invalid: ${z.prettifyError(parsed.error)}`);
      return parsed.data;
    },
  };
}

const setupLabels: Record<TillSetupField, string> = {
  ledgerUrl: 'Ledger URL',
  tillId: 'Till id',
  storeId: 'Store id',
  token: 'Till token',
};

/** The main process's own schemas (electron/settings-schema.ts), so that what passes here passes there. */
const setupSchemas = {
  ledgerUrl: LedgerUrlSchema,
  tillId: TillIdSchema,
  storeId: StoreIdSchema,
  token: TillTokenSchema,
} as const;

export type ParsedTillSetup =
  | { ok: true; settings: { ledgerUrl: string; tillId: string; storeId: string }; token: string | null }
  | { ok: false; errors: TillSetupErrors };

/**
 * Checks the setup form with the schemas the main process applies, field by field, after trimming (a pasted token
 * often ends with a newline). An empty token is accepted when one is stored already (`token: null`: keep it).
 */
export function parseTillSetup(fields: TillSetupFields, opts: { hasTillToken: boolean }): ParsedTillSetup {
  const errors: TillSetupErrors = {};
  const value: Record<TillSetupField, string> = { ledgerUrl: '', tillId: '', storeId: '', token: '' };
  for (const field of Object.keys(setupSchemas) as TillSetupField[]) {
    const text = fields[field].trim();
    value[field] = text;
    if (text === '') {
      if (field !== 'token' || !opts.hasTillToken) errors[field] = `Enter the ${setupLabels[field].toLowerCase()}.`;
      continue;
    }
    const r = setupSchemas[field].safeParse(text);
    if (!r.success) errors[field] = `${setupLabels[field]}: ${r.error.issues[0]?.message ?? 'invalid'}.`;
  }
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  return {
    ok: true,
    settings: { ledgerUrl: value.ledgerUrl, tillId: value.tillId, storeId: value.storeId },
    token: value.token === '' ? null : value.token,
  };
}

/** The status report the tray wants: SyncStatus without the in-flight count, strings cut to the IPC schema's bounds. */
export function toSyncReport(status: SyncStatus, conflicts?: number): SyncStatusReport {
  return {
    state: status.state,
    pending: status.pending,
    oldestPendingAgeMs: status.oldestPendingAgeMs === null ? null : Math.max(0, Math.round(status.oldestPendingAgeMs)),
    lastSyncAt: status.lastSyncAt,
    lastError: status.lastError && {
      code: status.lastError.code.slice(0, 64),
      message: status.lastError.message.slice(0, 500),
    },
    ...(status.stalled !== undefined
      ? {
          stalled: status.stalled && {
            reason: status.stalled.reason.slice(0, 500),
            code: status.stalled.code.slice(0, 64),
            since: Math.max(0, Math.round(status.stalled.since)),
          },
        }
      : {}),
    ...(conflicts !== undefined ? { conflicts } : {}),
  };
}

const sameReport = (a: SyncStatusReport, b: SyncStatusReport): boolean => JSON.stringify(a) === JSON.stringify(b);

/**
 * The reports to send to the main process: only changes, and at most one per `intervalMs` (the first at once, the
 * latest of a burst at the end of the interval), so that a sync storm does not flood IPC.
 */
export function syncReports(
  status$: Observable<SyncStatusReport>,
  intervalMs: number,
  scheduler: SchedulerLike = asyncScheduler,
): Observable<SyncStatusReport> {
  return status$.pipe(
    distinctUntilChanged(sameReport),
    throttleTime(intervalMs, scheduler, { leading: true, trailing: true }),
  );
}

export interface ElectronHostOptions {
  /** Least time between two status reports to the tray (default 1 s). */
  reportIntervalMs?: number;
  scheduler?: SchedulerLike;
}

/**
 * The Electron host, over the preload's `window.till`. It registers the POS handler at once: a POS request that
 * arrives before the engine runs (page starting, till waiting for setup) is answered ENGINE_UNAVAILABLE instead of
 * being left to the POS API's timeout. The credentials it loads are kept in memory only.
 */
export function electronHost(api: TillPreloadApi, opts: ElectronHostOptions = {}): TillHost {
  let engine: PosEngine | null = null;
  api.onPosRequest((request) => {
    // A failed respondPos leaves the POS API to its timeout; there is nobody else to tell.
    answerPosRequest(engine, request)
      .then((response) => api.respondPos(response))
      .catch(() => undefined);
  });

  return {
    async loadConfig() {
      const creds = await api.getLedgerCredentials();
      if (creds === null) return null;
      const parsed = TillConfigSchema.safeParse(creds);
      if (!parsed.success) {
        throw new Error(`The till's stored configuration is invalid: ${z.prettifyError(parsed.error)}`);
      }
      return parsed.data;
    },
    setup: {
      async current() {
        const s = await api.getSettings();
        return {
          fields: { ledgerUrl: s.ledgerUrl ?? '', tillId: s.tillId ?? '', storeId: s.storeId ?? '', token: '' },
          hasTillToken: s.hasTillToken,
        };
      },
      async save(fields) {
        const { hasTillToken } = await api.getSettings();
        const parsed = parseTillSetup(fields, { hasTillToken });
        if (!parsed.ok) return parsed.errors;
        try {
          // The token first: a new ledger URL makes the main process reload the page (its CSP names the ledger),
          // and the token must be stored by then.
          if (parsed.token !== null) await api.setTillToken(parsed.token);
          await api.setSettings(parsed.settings);
        } catch (e) {
          return { form: `The till shell refused the settings: ${e instanceof Error ? e.message : String(e)}` };
        }
        return null;
      },
    },
    attach(till) {
      engine = till.pos;
      const sub = syncReports(till.status$, opts.reportIntervalMs ?? 1_000, opts.scheduler).subscribe((report) => {
        // The tray is a convenience: a lost report is replaced by the next one.
        api.reportSyncStatus(report).catch(() => undefined);
      });
      return () => {
        engine = null;
        sub.unsubscribe();
      };
    },
  };
}
