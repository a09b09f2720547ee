/**
 * The till shell's settings: which ledger, which till and store, start at login, the POS API port. Kept as JSON in
 * the app's data folder. The till token is not here (see till-token-store.ts) and never reaches renderer storage.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { StoreIdSchema, TillIdSchema } from '../sync/loyalty/units.ts';
import { DEFAULT_POS_API_PORT } from './pos-api.ts';
import { ledgerOrigins } from './security.ts';

export const SETTINGS_FILE = 'settings.json';

/** An http(s) URL without credentials (the till token travels in the handshake, never in the URL). */
export const LedgerUrlSchema = z
  .string()
  .max(2048)
  .refine((s) => {
    try {
      ledgerOrigins(s);
      return true;
    } catch {
      return false;
    }
  }, 'must be an http: or https: URL without user name or password');

export const SettingsSchema = z.object({
  ledgerUrl: LedgerUrlSchema.optional(),
  tillId: TillIdSchema.optional(),
  storeId: StoreIdSchema.optional(),
  startAtLogin: z.boolean().default(false),
  posApi: z
    .object({
      enabled: z.boolean().default(true),
      port: z.number().int().min(1024).max(65535).default(DEFAULT_POS_API_PORT),
    })
    .default({ enabled: true, port: DEFAULT_POS_API_PORT }),
});
export type Settings = z.output<typeof SettingsSchema>;

/** What the renderer may change through `settings:set`; everything else is the main process's business. */
export const SettingsPatchSchema = SettingsSchema.pick({ ledgerUrl: true, tillId: true, storeId: true })
  .partial()
  .strict();
export type SettingsPatch = z.input<typeof SettingsPatchSchema>;

export const defaultSettings = (): Settings => SettingsSchema.parse({});

/** The settings in `dataDir`; defaults when there is no file yet. A corrupt file is an error, not silently reset. */
export async function loadSettings(dataDir: string): Promise<Settings> {
  let text: string;
  try {
    text = await readFile(path.join(dataDir, SETTINGS_FILE), 'utf8');
  } catch (e) {
    if (e instanceof Error && (e as NodeJS.ErrnoException).code === 'ENOENT') return defaultSettings();
    throw e;
  }
  return SettingsSchema.parse(JSON.parse(text) as unknown);
}

/** Writes the settings atomically (temp file then rename), readable by the till's user only. */
export async function saveSettings(dataDir: string, settings: Settings): Promise<void> {
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const file = path.join(dataDir, SETTINGS_FILE);
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify(SettingsSchema.parse(settings), null, 2)}\n`, { mode: 0o600 });
  await rename(tmp, file);
}

/** `settings` with the renderer's patch applied; the patch is parsed first, so a bad one changes nothing. */
export function applySettingsPatch(settings: Settings, patch: unknown): Settings {
  const p = SettingsPatchSchema.parse(patch);
  return SettingsSchema.parse({ ...settings, ...p });
}
