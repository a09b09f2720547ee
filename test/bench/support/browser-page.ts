/**
 * A benchmark page in Debian's Chromium: `entry` bundled by esbuild and served from 127.0.0.1 (IndexedDB needs an
 * http origin), driven by playwright-core. With a persistent profile in a temp folder IndexedDB is on disk, as on a
 * till; `incognito` keeps it in memory.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { CHROMIUM, CHROMIUM_ARGS } from '../../support/chromium.ts';
import { progress } from './report.ts';

export interface BenchPage {
  page: Page;
  context: BrowserContext;
  /** Page errors so far (uncaught exceptions). */
  errors: string[];
  close(): Promise<void>;
}

/** Opens `entry` (a module path) in Chromium and waits until it has set `globalName` on the window. */
export async function openBenchPage(
  entry: string,
  globalName: string,
  opts: { incognito?: boolean } = {},
): Promise<BenchPage> {
  progress('bundling the page');
  const bundle = await build({
    entryPoints: [entry],
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    write: false,
    logLevel: 'warning',
  });
  const js = bundle.outputFiles[0]?.contents;
  if (!js) throw new Error('esbuild produced no output');
  const html = `<!doctype html><meta charset="utf-8"><title>${globalName}</title><script type="module" src="/bench.js"></script>`;
  const server = createServer((req, res) => {
    if (req.url === '/bench.js') res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' }).end(js);
    else if (req.url === '/' || req.url?.startsWith('/?'))
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html);
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;

  const profile = await mkdtemp(join(tmpdir(), 'bench-page-'));
  let context: BrowserContext;
  let closeBrowser: () => Promise<void>;
  if (opts.incognito) {
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    context = await browser.newContext();
    closeBrowser = () => browser.close();
  } else {
    const persistent = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      args: CHROMIUM_ARGS,
    });
    context = persistent;
    closeBrowser = () => persistent.close();
  }
  const close = async () => {
    await closeBrowser().catch(() => undefined);
    server.close();
    await rm(profile, { recursive: true, force: true });
  };
  try {
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(url);
    await page.waitForFunction((name) => name in globalThis, globalName);
    return { page, context, errors, close };
  } catch (e) {
    await close();
    throw e;
  }
}
