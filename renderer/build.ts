/**
 * Builds the renderer with Vite's JS API into `renderer/dist` (relative base, so Electron can load it from files).
 * Runs in Node (scripts/start.ts and the browser tests). A build is skipped while `dist` is newer than every source,
 * and concurrent callers (test files in parallel workers) take turns through a lock directory.
 */
import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { InlineConfig } from 'vite';

export const rendererDir = fileURLToPath(new URL('.', import.meta.url));
export const distDir = join(rendererDir, 'dist');
const repoDir = join(rendererDir, '..');
/** What the bundle is made of: the renderer and the code it imports (electron/: the shared pure schemas). */
const sourceDirs = [
  rendererDir,
  join(repoDir, 'electron'),
  join(repoDir, 'sync', 'till'),
  join(repoDir, 'sync', 'loyalty'),
  join(repoDir, 'sync', 'protocol'),
];
const SOURCE = /\.(ts|tsx|css|html)$/;
/** Node-side files of renderer/ that are not part of the bundle. */
const NOT_BUNDLED = new Set([join(rendererDir, 'build.ts'), join(rendererDir, 'serve.ts')]);
/** The web console is a bundle of its own (renderer/console/build.ts), not part of the till's. */
const consoleDir = join(rendererDir, 'console');

/** The Vite configuration of the renderer (also used by renderer/vite.config.ts). */
export function viteConfig(): InlineConfig {
  return {
    configFile: false,
    root: rendererDir,
    base: './',
    logLevel: 'warn',
    oxc: { jsx: { runtime: 'automatic' } },
    build: {
      outDir: distDir,
      emptyOutDir: true,
      target: 'chrome120',
      sourcemap: true,
      // One bundle loaded from disk or localhost: its size costs no network round trips.
      chunkSizeWarningLimit: 2_000,
      // Chromium supports modulepreload natively; no polyfill code to carry.
      modulePreload: { polyfill: false },
    },
  };
}

async function newestSource(dir: string): Promise<number> {
  let newest = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (path !== distDir && path !== consoleDir && entry.name !== 'node_modules')
        newest = Math.max(newest, await newestSource(path));
    } else if (SOURCE.test(entry.name) && !NOT_BUNDLED.has(path)) {
      newest = Math.max(newest, (await stat(path)).mtimeMs);
    }
  }
  return newest;
}

/** True when `renderer/dist` exists and is newer than every source it is built from. */
export async function isRendererFresh(): Promise<boolean> {
  const built = await stat(join(distDir, 'index.html')).catch(() => undefined);
  if (!built) return false;
  let newest = 0;
  for (const d of sourceDirs) newest = Math.max(newest, await newestSource(d));
  return built.mtimeMs > newest;
}

const LOCK = join(tmpdir(), `loyalty-till-renderer-${Buffer.from(rendererDir).toString('base64url').slice(-40)}.lock`);
const STALE_LOCK_MS = 180_000;

async function withLock<T>(fn: () => Promise<T>): Promise<T> {
  for (;;) {
    try {
      await mkdir(LOCK);
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      // A lock left by a killed build must not block forever.
      const held = await stat(LOCK).catch(() => undefined);
      if (held && Date.now() - held.mtimeMs > STALE_LOCK_MS) await rm(LOCK, { recursive: true, force: true });
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  try {
    return await fn();
  } finally {
    await rm(LOCK, { recursive: true, force: true });
  }
}

/** Builds the renderer unless it is fresh (or `force`); resolves with whether it built. */
export async function ensureRendererBuilt(opts: { force?: boolean } = {}): Promise<boolean> {
  return withLock(async () => {
    if (!opts.force && (await isRendererFresh())) return false;
    const { build } = await import('vite');
    await build(viteConfig());
    return true;
  });
}
