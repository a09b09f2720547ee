/**
 * The till shell's settings: which ledger, which till and store, start at login, the POS API port. Kept as JSON in
 * the app's data folder. The till token is not here (see till-token-store.ts) and never reaches renderer storage.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { DEFAULT_POS_API_PORT } from './pos-api.ts';
import { SettingsPatchSchema, TillIdentitySchema } from './settings-schema.ts';

export const SETTINGS_FILE = 'settings.json';

export const SettingsSchema = z.object({
  ...TillIdentitySchema.partial().shape,
  startAtLogin: z.boolean().default(false),
  posApi: z
    .object({
      enabled: z.boolean().default(true),
      port: z.number().int().min(1024).max(65535).default(DEFAULT_POS_API_PORT),
    })
    .default({ enabled: true, port: DEFAULT_POS_API_PORT }),
});
export type Settings = z.output<typeof SettingsSchema>;

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
