/**
 * Till commit in Chromium: how long the real till engine (sync/till) takes to make an earn and a burn durable in
 * IndexedDB, against the raw limit: the same three-table readwrite transaction (op row put, member row updated, meta
 * nextSeq put) done directly with Dexie on a database of the same schema and durability (strict), in the same page
 * and the same run. The browser side is test/bench/till-commit/page.ts, bundled with esbuild and served from
 * 127.0.0.1 (IndexedDB needs an http origin); Debian's Chromium is driven by playwright-core with a persistent
 * profile in a temp folder, so IndexedDB is on disk as on a till.
 *
 *   node --import tsx test/bench/till-commit.ts [--ops 500] [--warmup 50] [--members 50] [--round 50] [--incognito]
 *
 * `--incognito` uses a fresh browser context instead (Chromium then keeps IndexedDB in memory).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { chromium, type BrowserContext } from 'playwright-core';
import { flags, numberFlag, percentile, progress, result, round } from './support/report.ts';
import type { TillCommitOptions, TillCommitTimings } from './till-commit/page.ts';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
];

const f = flags(
  { ops: '500', warmup: '50', members: '50', round: '50', incognito: false },
  'node --import tsx test/bench/till-commit.ts [--ops 500] [--warmup 50] [--members 50] [--round 50] [--incognito]',
);
const opts: TillCommitOptions = {
  ops: numberFlag(f.ops, 'ops'),
  warmup: numberFlag(f.warmup, 'warmup'),
  members: Math.max(1, numberFlag(f.members, 'members')),
  round: Math.max(1, numberFlag(f.round, 'round')),
};

progress('bundling the page');
const bundle = await build({
  entryPoints: [fileURLToPath(new URL('./till-commit/page.ts', import.meta.url))],
  bundle: true,
  platform: 'browser',
  format: 'esm',
  target: 'es2022',
  write: false,
  logLevel: 'warning',
});
const js = bundle.outputFiles[0]?.contents;
if (!js) throw new Error('esbuild produced no output');
const html =
  '<!doctype html><meta charset="utf-8"><title>till-commit</title><script type="module" src="/bench.js"></script>';

const server = createServer((req, res) => {
  if (req.url === '/bench.js') {
    res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' }).end(js);
  } else if (req.url === '/' || req.url?.startsWith('/?')) {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html);
  } else {
    res.writeHead(404).end();
  }
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;

const profile = await mkdtemp(join(tmpdir(), 'till-commit-'));
let context: BrowserContext | undefined;
let close = (): Promise<void> => Promise.resolve();
try {
  if (f.incognito) {
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
    context = await browser.newContext();
    close = () => browser.close();
  } else {
    const persistent = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, args: ARGS });
    context = persistent;
    close = () => persistent.close();
  }
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(url);
  await page.waitForFunction(() => 'runTillCommit' in globalThis);
  progress(
    `Chromium ${context.browser()?.version() ?? ''}: ${opts.warmup} warm-up then ${opts.ops} earns, burns and raw ` +
      `transactions (rounds of ${opts.round}, ${opts.members} members)`,
  );
  const t: TillCommitTimings = await page.evaluate(
    (o) =>
      (globalThis as unknown as { runTillCommit: (o: TillCommitOptions) => Promise<TillCommitTimings> }).runTillCommit(
        o,
      ),
    opts,
  );
  if (errors.length > 0) throw new Error(`page errors: ${errors.join('; ')}`);
  const expected = 2 * (opts.ops + opts.warmup);
  if (t.burnsGiven !== opts.ops + opts.warmup || t.engineOps !== expected || t.rawOps !== opts.ops + opts.warmup)
    throw new Error(`journals do not add up: ${JSON.stringify({ ...t, earn: [], burn: [], raw: [] })}`);

  const stats = (ms: readonly number[]) => {
    const total = ms.reduce((s, x) => s + x, 0);
    return {
      medianMs: round(percentile(ms, 50), 3),
      p99Ms: round(percentile(ms, 99), 3),
      opsPerSec: round((ms.length * 1000) / total, 1),
    };
  };
  const earn = stats(t.earn);
  const burn = stats(t.burn);
  const raw = stats(t.raw);
  progress(`earn ${JSON.stringify(earn)} burn ${JSON.stringify(burn)} raw ${JSON.stringify(raw)}`);
  result({
    bench: 'till-commit',
    ops: opts.ops,
    storage: f.incognito ? 'memory' : 'disk',
    earn,
    burn,
    raw,
    ratio: { earn: round(earn.opsPerSec / raw.opsPerSec, 3), burn: round(burn.opsPerSec / raw.opsPerSec, 3) },
    targets: { p99Ms: 10, minRatio: 0.7 },
  });
} finally {
  await close().catch(() => undefined);
  server.close();
  await rm(profile, { recursive: true, force: true });
}
