/**
 * Ledger throughput: ops/s applied with many simulated tills over socket.io (bare clients spread over child
 * processes, each till pushing batches of earns as fast as its acks come back, one batch in flight), against the raw
 * insert rate of the same database measured in the same run (support/raw-limit.ts) with the ledger's mean group size.
 *
 *   node --import tsx test/bench/ledger-throughput.ts [--db sqlite|postgres] [--tills 200] [--processes 4]
 *     [--batch 100] [--seconds 15] [--warmup 3] [--raw-seconds 5] [--stores 20] [--members 1000] [--profile DIR]
 *
 * The figure is measured on the ledger (its `ledger_ops_total` counter over the window), not by the clients.
 * `--profile DIR` runs the ledger under `node --cpu-prof` and leaves the profile in DIR.
 */
import { sampleSum, scrape, type Sample } from '../support/prometheus.ts';
import { makeBenchDatabase, seedBench } from './support/bench-db.ts';
import { startLedgerChild } from './support/ledger-child.ts';
import { measureRawLimit } from './support/raw-limit.ts';
import { dbFlag, flags, numberFlag, progress, result, round } from './support/report.ts';
import { startSwarm } from './support/swarm.ts';

const f = flags(
  {
    db: 'sqlite',
    tills: '200',
    processes: '4',
    batch: '100',
    seconds: '15',
    warmup: '3',
    'raw-seconds': '5',
    stores: '20',
    members: '1000',
    profile: '',
  },
  'node --import tsx test/bench/ledger-throughput.ts [--db sqlite|postgres] [--tills 200] [--processes 4] [--batch 100] [--seconds 15] [--warmup 3] [--raw-seconds 5] [--stores 20] [--members 1000] [--profile DIR]',
);
const kind = dbFlag(f.db);
const tillCount = numberFlag(f.tills, 'tills');
const stores = numberFlag(f.stores, 'stores');

const applied = (s: Sample[]) =>
  sampleSum(s, 'ledger_ops_total', { status: 'applied' }) + sampleSum(s, 'ledger_ops_total', { status: 'conflict' });

const db = await makeBenchDatabase(kind);
try {
  progress(
    `seeding ${kind}: ${stores} stores, ${tillCount} tills, ${stores * numberFlag(f.members, 'members')} members`,
  );
  const tills = await seedBench(db, {
    stores,
    tillsPerStore: Math.ceil(tillCount / stores),
    membersPerStore: numberFlag(f.members, 'members'),
  });
  const used = tills.slice(0, tillCount);
  const profile = typeof f.profile === 'string' && f.profile !== '' ? f.profile : undefined;
  const ledger = await startLedgerChild(db, profile ? { nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${profile}`] } : {});
  const swarm = await startSwarm(used, numberFlag(f.processes, 'processes'), {
    url: ledger.url,
    mode: 'closed',
    batchOps: numberFlag(f.batch, 'batch'),
  });
  progress(`${used.length} tills connected; warming up ${f.warmup} s`);
  swarm.go();
  await new Promise((r) => setTimeout(r, numberFlag(f.warmup, 'warmup') * 1000));
  // A ledger without /metrics (an older build, for a before/after comparison) is measured by the clients' acks.
  const metrics = async (): Promise<Sample[]> => {
    try {
      return await scrape(ledger.url);
    } catch {
      const acked = (await swarm.stats()).acked;
      return [{ name: 'ledger_ops_total', labels: { status: 'applied' }, value: acked }];
    }
  };
  const before = await metrics();
  const t0 = performance.now();
  const seconds = numberFlag(f.seconds, 'seconds');
  for (let s = 0; s < seconds; s += 5) {
    await new Promise((r) => setTimeout(r, Math.min(5, seconds - s) * 1000));
    progress(`${round(applied(await metrics()) - applied(before), 0)} ops applied`);
  }
  const after = await metrics();
  const window = (performance.now() - t0) / 1000;
  const clients = await swarm.stop();
  await swarm.close();
  await ledger.stop();

  const delta = (name: string) => sampleSum(after, name) - sampleSum(before, name);
  const ops = applied(after) - applied(before);
  const groups = delta('ledger_commit_group_ops_count');
  const groupOps = groups > 0 ? delta('ledger_commit_group_ops_sum') / groups : 5000;
  const commitSecs = delta('ledger_commit_duration_seconds_sum');
  const opsPerSec = ops / window;
  progress(`ledger: ${round(opsPerSec, 0)} ops/s, ${round(groupOps, 0)} ops per group; measuring the raw limit`);

  const raw = await measureRawLimit(db, {
    groupOps,
    durationMs: numberFlag(f['raw-seconds'], 'raw-seconds') * 1000,
    tillIds: used.map((t) => t.tillId),
    memberIds: used.flatMap((t, i) => (i % Math.ceil(tillCount / stores) === 0 ? t.members : [])),
  });
  result({
    bench: 'ledger-throughput',
    db: kind,
    tills: used.length,
    batchOps: numberFlag(f.batch, 'batch'),
    seconds: round(window, 1),
    opsPerSec: round(opsPerSec, 0),
    rawOpsPerSec: round(raw.opsPerSec, 0),
    ratio: round(opsPerSec / raw.opsPerSec, 3),
    target: kind === 'sqlite' ? 50_000 : 20_000,
    meanGroupOps: round(groupOps, 0),
    groupsPerSec: round(groups / window, 1),
    laneBusy: round(commitSecs / window, 3),
    shed: clients.shed,
    timeouts: clients.timeouts,
    errors: clients.errors,
  });
} finally {
  await db.drop();
}
