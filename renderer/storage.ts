/**
 * The till's browser storage: asks once at start that the origin's storage be persistent (so the browser does not
 * evict the journal when the disk runs low), and reads how much of the quota is used, for the manager's screen.
 * Runs in the renderer; the formatting functions are pure (tested under Node, where there is no StorageManager) and
 * word in the locale of the `Messages` they are given (British English by default).
 */
import { DEFAULT_LOCALE } from '../sync/loyalty/i18n/locale.ts';
import { messages, type Messages } from '../sync/loyalty/i18n/messages.ts';

/** The parts of `navigator.storage` used here (absent in older browsers, insecure contexts and Node). */
export interface StorageManagerLike {
  persist?: () => Promise<boolean>;
  persisted?: () => Promise<boolean>;
  estimate?: () => Promise<{ usage?: number; quota?: number }>;
}

/** What the manager's screen shows; null where the browser does not tell. */
export interface StorageReport {
  persisted: boolean | null;
  usage: number | null;
  quota: number | null;
}

const storageOf = (): StorageManagerLike | undefined =>
  typeof navigator === 'undefined' ? undefined : (navigator as { storage?: StorageManagerLike }).storage;

/** The answer to this page's persist() request: null until answered, or when it could not be asked. */
let persistAnswer: boolean | null = null;

/**
 * Asks the browser to make this origin's storage persistent (`navigator.storage.persist()`), once per page; resolves
 * with its answer (kept for `readStorage`), or null where the API is missing or failed.
 */
export async function requestPersistentStorage(storage = storageOf()): Promise<boolean | null> {
  if (!storage?.persist) return null;
  try {
    persistAnswer = await storage.persist.call(storage);
  } catch {
    persistAnswer = null;
  }
  return persistAnswer;
}

/** Reads whether the storage is persistent now and how much of the quota is used; never rejects. */
export async function readStorage(storage = storageOf()): Promise<StorageReport> {
  let persisted = persistAnswer;
  let usage: number | null = null;
  let quota: number | null = null;
  try {
    if (storage?.persisted) persisted = await storage.persisted.call(storage);
  } catch {
    // Keep the answer to the request.
  }
  try {
    const e = storage?.estimate ? await storage.estimate.call(storage) : undefined;
    usage = typeof e?.usage === 'number' ? e.usage : null;
    quota = typeof e?.quota === 'number' ? e.quota : null;
  } catch {
    // Shown as not known.
  }
  return { persisted, usage, quota };
}

/** The decimal units above bytes, as Intl names them (kB, MB… in en-GB; ko, Mo… in fr-FR). */
const UNITS = ['kilobyte', 'megabyte', 'gigabyte', 'terabyte', 'petabyte'] as const;
const EN = messages(DEFAULT_LOCALE);

/** Bytes in decimal units, as browsers and disks count them: "512 B", "12.3 MB", "2.1 GB" (12,3 Mo in French). */
export function fmtBytes(n: number, m: Messages = EN): string {
  if (!Number.isFinite(n) || n < 0) return m.t('storage.unknown');
  let i = -1;
  let v = n;
  while (v >= 999.95 && i < UNITS.length - 1) {
    v /= 1000;
    i++;
  }
  const unit = UNITS[i];
  if (unit === undefined) return m.t('storage.bytes', { n: Math.round(v) });
  return new Intl.NumberFormat(m.locale, {
    style: 'unit',
    unit,
    minimumFractionDigits: 1,
    maximumFractionDigits: 1,
  }).format(v);
}

/** "12.3 MB of 2.1 GB (0.6 %)"; what is known when the browser tells less. */
export function fmtQuota(usage: number | null, quota: number | null, m: Messages = EN): string {
  if (usage === null) return m.t('storage.usageUnknown');
  if (quota === null || quota <= 0) return m.t('storage.usageOnly', { usage: fmtBytes(usage, m) });
  const pct = (usage / quota) * 100;
  const oneDecimal = new Intl.NumberFormat(m.locale, { minimumFractionDigits: 1, maximumFractionDigits: 1 });
  const shown = pct > 0 && pct < 0.05 ? `< ${oneDecimal.format(0.1)}` : oneDecimal.format(pct);
  return m.t('storage.usage', { usage: fmtBytes(usage, m), quota: fmtBytes(quota, m), pct: shown });
}

/** Whether the journal is safe from eviction, as the manager reads it. */
export function fmtPersisted(persisted: boolean | null, m: Messages = EN): string {
  if (persisted === null) return m.t('storage.notKnown');
  return m.t(persisted ? 'storage.yes' : 'storage.no');
}
