/**
 * Builds the web console (this folder) with Vite's JS API into `renderer/console/dist`, which the ledger serves under
 * `/console` (sync/ledger/console/static.ts). Runs in Node (`npm run build:renderer`, scripts/start.ts and the
 * browser tests). Skipped while `dist` is newer than every source; concurrent callers take turns through a lock.
 */
import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { InlineConfig } from 'vite';

export const consoleDir = fileURLToPath(new URL('.', import.meta.url));
export const consoleDistDir = join(consoleDir, 'dist');
const repoDir = join(consoleDir, '..', '..');
const sourceDirs = [consoleDir, join(repoDir, 'sync', 'protocol'), join(repoDir, 'sync', 'loyalty')];
/** Files of the till's renderer the console shares (its i18n context). */
const sharedFiles = [join(consoleDir, '..', 'i18n.tsx')];
const SOURCE = /\.(ts|tsx|css|html)$/;
const NOT_BUNDLED = new Set([join(consoleDir, 'build.ts'), join(consoleDir, 'vite.config.ts')]);

/** The console's Vite configuration (also renderer/console/vite.config.ts): served from /console/. */
export function consoleViteConfig(): InlineConfig {
  return {
    configFile: false,
    root: consoleDir,
    base: '/console/',
    logLevel: 'warn',
    oxc: { jsx: { runtime: 'automatic' } },
    build: {
      outDir: consoleDistDir,
      emptyOutDir: true,
      target: 'chrome120',
      sourcemap: true,
      chunkSizeWarningLimit: 2_000,
      modulePreload: { polyfill: false },
    },
  };
}

async function newestSource(dir: string): Promise<number> {
  let newest = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (path !== consoleDistDir && entry.name !== 'node_modules') newest = Math.max(newest, await newestSource(path));
    } else if (SOURCE.test(entry.name) && !NOT_BUNDLED.has(path)) {
      newest = Math.max(newest, (await stat(path)).mtimeMs);
    }
  }
  return newest;
}

export async function isConsoleFresh(): Promise<boolean> {
  const built = await stat(join(consoleDistDir, 'index.html')).catch(() => undefined);
  if (!built) return false;
  let newest = 0;
  for (const d of sourceDirs) newest = Math.max(newest, await newestSource(d));
  for (const f of sharedFiles) newest = Math.max(newest, (await stat(f)).mtimeMs);
  return built.mtimeMs > newest;
}

const LOCK = join(tmpdir(), `loyalty-console-${Buffer.from(consoleDir).toString('base64url').slice(-40)}.lock`);
const STALE_LOCK_MS = 180_000;

/** Builds the console unless it is fresh (or `force`); resolves with whether it built. */
export async function ensureConsoleBuilt(opts: { force?: boolean } = {}): Promise<boolean> {
  for (;;) {
    try {
      await mkdir(LOCK);
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const held = await stat(LOCK).catch(() => undefined);
      if (held && Date.now() - held.mtimeMs > STALE_LOCK_MS) await rm(LOCK, { recursive: true, force: true });
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  try {
    if (!opts.force && (await isConsoleFresh())) return false;
    const { build } = await import('vite');
    await build(consoleViteConfig());
    return true;
  } finally {
    await rm(LOCK, { recursive: true, force: true });
  }
}
