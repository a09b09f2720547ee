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
import { fileURLToPath } from 'node:url';
import { openBenchPage } from './support/browser-page.ts';
import { flags, numberFlag, percentile, progress, result, round } from './support/report.ts';
import type { TillCommitOptions, TillCommitTimings } from './till-commit/page.ts';

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

const bench = await openBenchPage(
  fileURLToPath(new URL('./till-commit/page.ts', import.meta.url)),
  'runTillCommit',
  f.incognito ? { incognito: true } : {},
);
try {
  const { page, context, errors } = bench;
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
  await bench.close();
}
