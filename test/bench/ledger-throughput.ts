/**
 * Ledger throughput: ops/s applied with many simulated tills over socket.io (bare clients spread over child
 * processes, each till pushing batches of earns as fast as its acks come back, one batch in flight), against the raw
 * insert rate of the same database measured in the same run (support/raw-limit.ts) with the ledger's mean group size.
 *
 *   node --import tsx test/bench/ledger-throughput.ts [--db sqlite|postgres] [--tills 200] [--processes 4]
 *     [--batch 100] [--seconds 15] [--warmup 3] [--raw-seconds 5] [--stores 20] [--members 1000] [--profile DIR]
 *     [--ledgers N[,M...]] [--haproxy] [--redis URL] [--redis-prefix P] [--auth-interval-ms 50]
 *
 * The figure is measured on the ledger (its `ledger_ops_total` counter over the window), not by the clients. With it,
 * the share of the groups' time spent holding the shared counter lock (`lockHoldShare`) and waiting for it
 * (`lockWaitShare`), from the ledger's histograms (docs/architecture.md, "Commits from several processes"), and the
 * part of the wall time the counter is held by some process (`counterBusy`: near 1, more processes only queue).
 *
 * `--ledgers N` (PostgreSQL): runs the load first on one ledger process, then on N processes sharing the database
 * (tills spread over them; no load balancer), each on tills of its own, and prints one JSON line per step with its
 * throughput, authorization p99 (one checkout till authorizing small burns every `--auth-interval-ms`) and lock
 * shares, against the one-process figure of the same run. `--ledgers 2,4` runs 1, 2 and 4.
 *
 * `--haproxy` (with `--ledgers`; `npm run bench:ledger:cluster`): every step as deployed — the processes joined
 * through Redis (`--redis URL`, default the test Redis; keys under `--redis-prefix`, deleted afterwards) behind the
 * real HAProxy, every till and the checkout connecting through the proxy (support/ledger-fleet.ts). The one-process
 * step goes through the proxy and Redis too, so the comparison is like with like. Each line then also carries the
 * tills each process held (`tillsPerLedger`, HAProxy's leastconn spread) and `ackP99Ms`: the checkout's time from
 * sending an authorization to the ledger's acknowledgement of its op, the late ones included (an authorization
 * without an answer in its deadline is pushed until applied, as a till would; `authP99Ms` counts only the answered).
 * `--profile DIR` runs the ledger under `node --cpu-prof` and leaves the profile in DIR.
 */
import { TEST_REDIS_URL, dropRedisPrefix } from '../support/cluster.ts';
import { haproxyInstalled } from '../support/haproxy.ts';
import { sampleSum, scrape, type Sample } from '../support/prometheus.ts';
import { makeBenchDatabase, seedBench, type BenchTill } from './support/bench-db.ts';
import { startLedgerFleet, type LedgerFleet } from './support/ledger-fleet.ts';
import { AuthProbe } from './support/probe.ts';
import { measureRawLimit } from './support/raw-limit.ts';
import { dbFlag, flags, numberFlag, percentile, progress, result, round } from './support/report.ts';
import { startSwarm, type Swarm } from './support/swarm.ts';

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
    ledgers: '',
    haproxy: false,
    redis: TEST_REDIS_URL,
    'redis-prefix': `bench-throughput-${process.pid}`,
    'auth-interval-ms': '50',
  },
  'node --import tsx test/bench/ledger-throughput.ts [--db sqlite|postgres] [--tills 200] [--processes 4] [--batch 100] [--seconds 15] [--warmup 3] [--raw-seconds 5] [--stores 20] [--members 1000] [--profile DIR] [--ledgers N[,M...]] [--haproxy] [--redis URL] [--redis-prefix P] [--auth-interval-ms 50]',
);
const kind = dbFlag(f.db);
const tillCount = numberFlag(f.tills, 'tills');
const stores = numberFlag(f.stores, 'stores');
const processes = numberFlag(f.processes, 'processes');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The ledger counts of each step: 1 always first (the figure the others are compared with), then the ones asked. */
const steps =
  typeof f.ledgers === 'string' && f.ledgers !== ''
    ? [1, ...f.ledgers.split(',').map((n) => numberFlag(n, 'ledgers'))].filter((n, i, all) => all.indexOf(n) === i)
    : [];
if (steps.some((n) => !Number.isInteger(n) || n < 1)) throw new Error('--ledgers takes whole numbers from 1');
if (steps.length > 0 && kind !== 'postgres') throw new Error('--ledgers needs --db postgres: SQLite takes one ledger');
const route = f.haproxy ? 'haproxy' : 'direct';
if (route === 'haproxy' && steps.length === 0) throw new Error('--haproxy needs --ledgers (1, 2 and 4: --ledgers 2,4)');
if (route === 'haproxy' && !haproxyInstalled()) throw new Error('--haproxy needs HAProxy (apt-get install haproxy)');
const redisPrefix = String(f['redis-prefix']);

const applied = (s: Sample[]) =>
  sampleSum(s, 'ledger_ops_total', { status: 'applied' }) + sampleSum(s, 'ledger_ops_total', { status: 'conflict' });

interface Step {
  ledgers: number;
  tills: number;
  seconds: number;
  opsPerSec: number;
  meanGroupOps: number;
  groupsPerSec: number;
  laneBusy: number;
  lockHoldShare: number;
  counterBusy: number;
  lockWaitShare: number;
  tillsPerLedger: number[];
  authP99Ms: number | null;
  ackP99Ms: number | null;
  authCount: number;
  authLate: number;
  shed: number;
  timeouts: number;
  errors: number;
}

/** Runs the load on `n` ledger processes: `tills` spread over them, `checkout` authorizing on the first. */
async function runStep(n: number, tills: readonly BenchTill[], checkout: BenchTill | undefined): Promise<Step> {
  const profile = typeof f.profile === 'string' && f.profile !== '' ? f.profile : undefined;
  const fleet = await startLedgerFleet(db, n, {
    route,
    redisUrl: String(f.redis),
    // A prefix per step: the queue depths a stopped step's processes left in Redis count for no later one.
    redisPrefix: `${redisPrefix}:n${n}`,
    ...(profile ? { nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${profile}`] } : {}),
  });
  const swarms: Swarm[] = [];
  try {
    return await measureStep(n, fleet, swarms, tills, checkout);
  } finally {
    // Also when a step fails: no ledger, proxy or till process outlives the run.
    for (const sw of swarms) await sw.close();
    await fleet.stop();
  }
}

/** The load itself, on a started fleet; the swarms it starts go into `swarms` for the caller to close. */
async function measureStep(
  n: number,
  fleet: LedgerFleet,
  swarms: Swarm[],
  tills: readonly BenchTill[],
  checkout: BenchTill | undefined,
): Promise<Step> {
  const { ledgers } = fleet;
  for (let i = 0; i < n; i++) {
    const mine = tills.filter((_, k) => k % n === i);
    swarms.push(
      await startSwarm(mine, Math.max(1, Math.round(processes / n)), {
        url: fleet.tillUrl(i),
        mode: 'closed',
        batchOps: numberFlag(f.batch, 'batch'),
      }),
    );
  }
  const probe = checkout ? await AuthProbe.connect(fleet.tillUrl(0), checkout) : undefined;
  const tillsPerLedger = await fleet.connectedTills();
  progress(
    `${tills.length} tills connected to ${n} ledger process(es) (${route}: ${tillsPerLedger.join('/')}); warming up ${f.warmup} s`,
  );
  for (const s of swarms) s.go();
  await sleep(numberFlag(f.warmup, 'warmup') * 1000);
  // A ledger without /metrics (an older build, for a before/after comparison) is measured by the clients' acks.
  const metrics = async (): Promise<Sample[]> => {
    try {
      return (await Promise.all(ledgers.map((l) => scrape(l.url)))).flat();
    } catch {
      let acked = 0;
      for (const s of swarms) acked += (await s.stats()).acked;
      return [{ name: 'ledger_ops_total', labels: { status: 'applied' }, value: acked }];
    }
  };
  const before = await metrics();
  probe?.reset();
  let measuring = true;
  const probing = probe?.run(numberFlag(f['auth-interval-ms'], 'auth-interval-ms'), () => !measuring);
  const t0 = performance.now();
  const seconds = numberFlag(f.seconds, 'seconds');
  for (let s = 0; s < seconds; s += 5) {
    await sleep(Math.min(5, seconds - s) * 1000);
    progress(`${round(applied(await metrics()) - applied(before), 0)} ops applied`);
  }
  const after = await metrics();
  const window = (performance.now() - t0) / 1000;
  measuring = false;
  await probing;
  let shed = 0;
  let timeouts = 0;
  let errors = 0;
  for (const s of swarms) {
    const c = await s.stop();
    shed += c.shed;
    timeouts += c.timeouts;
    errors += c.errors;
  }
  probe?.close();

  const delta = (name: string) => sampleSum(after, name) - sampleSum(before, name);
  const groups = delta('ledger_commit_group_ops_count');
  const txSecs = delta('ledger_group_transaction_seconds_sum');
  const share = (name: string) => (txSecs > 0 ? round(delta(name) / txSecs, 3) : 0);
  const latencies = probe?.stats.latenciesMs ?? [];
  const acks = probe?.stats.ackMs ?? [];
  return {
    ledgers: n,
    tills: tills.length,
    seconds: round(window, 1),
    opsPerSec: round((applied(after) - applied(before)) / window, 0),
    meanGroupOps: groups > 0 ? round(delta('ledger_commit_group_ops_sum') / groups, 0) : 0,
    groupsPerSec: round(groups / window, 1),
    // Summed over the processes: above 1 when several lanes commit at once.
    laneBusy: round(delta('ledger_commit_duration_seconds_sum') / window, 3),
    lockHoldShare: share('ledger_group_shared_lock_hold_seconds_sum'),
    // The part of the wall time the shared row is held by some process: near 1, the counter is the limit.
    counterBusy: round(delta('ledger_group_shared_lock_hold_seconds_sum') / window, 3),
    lockWaitShare: share('ledger_group_shared_lock_wait_seconds_sum'),
    tillsPerLedger,
    authP99Ms: latencies.length > 0 ? round(percentile(latencies, 99), 1) : null,
    ackP99Ms: acks.length > 0 ? round(percentile(acks, 99), 1) : null,
    authCount: latencies.length,
    authLate: probe?.stats.late ?? 0,
    shed,
    timeouts,
    errors,
  };
}

const db = await makeBenchDatabase(kind);
try {
  // Each step runs on tills of its own (a till's seqs start at 1 in the swarm), plus one checkout till for the probe.
  const runs = Math.max(steps.length, 1);
  const perRun = tillCount + (steps.length > 0 ? 1 : 0);
  progress(
    `seeding ${kind}: ${stores} stores, ${perRun * runs} tills, ${stores * numberFlag(f.members, 'members')} members`,
  );
  const tills = await seedBench(db, {
    stores,
    tillsPerStore: Math.ceil((perRun * runs) / stores),
    membersPerStore: numberFlag(f.members, 'members'),
  });

  if (steps.length === 0) {
    const used = tills.slice(0, tillCount);
    const step = await runStep(1, used, undefined);
    progress(`ledger: ${step.opsPerSec} ops/s, ${step.meanGroupOps} ops per group; measuring the raw limit`);
    const raw = await measureRawLimit(db, {
      groupOps: step.meanGroupOps || 5000,
      durationMs: numberFlag(f['raw-seconds'], 'raw-seconds') * 1000,
      tillIds: used.map((t) => t.tillId),
      memberIds: used.flatMap((t, i) => (i % Math.ceil(tillCount / stores) === 0 ? t.members : [])),
    });
    result({
      bench: 'ledger-throughput',
      db: kind,
      tills: used.length,
      batchOps: numberFlag(f.batch, 'batch'),
      seconds: step.seconds,
      opsPerSec: step.opsPerSec,
      rawOpsPerSec: round(raw.opsPerSec, 0),
      ratio: round(step.opsPerSec / raw.opsPerSec, 3),
      target: kind === 'sqlite' ? 50_000 : 20_000,
      meanGroupOps: step.meanGroupOps,
      groupsPerSec: step.groupsPerSec,
      laneBusy: step.laneBusy,
      lockHoldShare: step.lockHoldShare,
      counterBusy: step.counterBusy,
      lockWaitShare: step.lockWaitShare,
      shed: step.shed,
      timeouts: step.timeouts,
      errors: step.errors,
    });
  } else {
    let one: Step | undefined;
    for (const [i, n] of steps.entries()) {
      const mine = tills.slice(i * perRun, (i + 1) * perRun);
      const step = await runStep(n, mine.slice(0, tillCount), mine[tillCount]);
      one ??= step;
      result({
        bench: 'ledger-throughput-processes',
        db: kind,
        route,
        batchOps: numberFlag(f.batch, 'batch'),
        ...step,
        vsOneProcess: {
          opsPerSec: one.opsPerSec,
          authP99Ms: one.authP99Ms,
          ackP99Ms: one.ackP99Ms,
          lockHoldShare: one.lockHoldShare,
          throughputRatio: one.opsPerSec > 0 ? round(step.opsPerSec / one.opsPerSec, 3) : null,
        },
      });
    }
  }
} finally {
  await db.drop();
  if (route === 'haproxy') await dropRedisPrefix(redisPrefix, String(f.redis));
}
