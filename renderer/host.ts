/**
 * Where the page gets its till credentials. Runs in the renderer. In a browser the page fetches `./till-config.json`
 * from the server that serves it; in Electron a preload bridge (`window.till`) will implement the same interface.
 * The token stays in memory: it is never written to localStorage or IndexedDB.
 */
import { z } from 'zod';
import { StoreIdSchema, TillIdSchema } from '../sync/loyalty/units.ts';

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

export interface TillHost {
  loadConfig(): Promise<TillConfig>;
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
