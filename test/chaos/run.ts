/**
 * `npm run chaos`: the chaos harness from the command line (see harness.ts). Progress goes to stderr, one JSON
 * summary line per backend to stdout (its `faults` count ledgerKills, linkCuts, tillReloads, dbRestarts, tillWipes
 * and ledgerRestores); exit 1 when an audit fails, with the reason and the seed that replays it.
 *
 *   npm run chaos -- [--cycles 30] [--backend sqlite|postgres] [--seed N] [--tills 6] [--ops-per-cycle 6]
 *                    [--without KIND]...
 *
 * `--cluster` runs the cluster mode instead (cluster.ts: 3 ledger processes on PostgreSQL behind HAProxy, one killed
 * per cycle, Redis restarted once; needs DATABASE_URL, haproxy and redis-server).
 *
 * `--without` leaves a fault kind out of the schedule (repeatable): ledgerKill, linkCut, tillReload, dbRestart,
 * tillWipe, ledgerBackup, ledgerRestore (without a backup there is no restore).
 */
import { parseArgs } from 'node:util';
import { runClusterChaos } from './cluster.ts';
import { ChaosFailure, runChaos, type ChaosBackend, type FaultKind } from './harness.ts';

const usage =
  'usage: npm run chaos -- [--cycles N] [--backend sqlite|postgres] [--seed N] [--tills N] [--ops-per-cycle N] [--without KIND]... | --cluster [--cycles N] [--seed N]';

const FAULT_KINDS: readonly FaultKind[] = [
  'ledgerKill',
  'linkCut',
  'tillReload',
  'dbRestart',
  'tillWipe',
  'ledgerBackup',
  'ledgerRestore',
];

function positiveInt(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`--${name} must be a whole number above 0: ${value}`);
  return n;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      cycles: { type: 'string' },
      backend: { type: 'string', multiple: true },
      seed: { type: 'string' },
      tills: { type: 'string' },
      'ops-per-cycle': { type: 'string' },
      without: { type: 'string', multiple: true },
      cluster: { type: 'boolean' },
      help: { type: 'boolean' },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(`${usage}\n`);
    return 0;
  }
  const cycles = positiveInt('cycles', values.cycles, 30);
  const tills = positiveInt('tills', values.tills, 6);
  const opsPerCycle = positiveInt('ops-per-cycle', values['ops-per-cycle'], 6);
  const seed = values.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : positiveInt('seed', values.seed, 1);
  const backends: ChaosBackend[] = values.backend?.length
    ? values.backend.map((b) => {
        if (b !== 'sqlite' && b !== 'postgres') throw new Error(`--backend must be sqlite or postgres: ${b}`);
        return b;
      })
    : process.env['DATABASE_URL']
      ? ['sqlite', 'postgres']
      : ['sqlite'];
  const without = (values.without ?? []).map((k) => {
    const kind = FAULT_KINDS.find((f) => f === k);
    if (!kind) throw new Error(`--without takes one of ${FAULT_KINDS.join(', ')}: ${k}`);
    return kind;
  });
  if (without.includes('ledgerBackup')) without.push('ledgerRestore');
  if (backends.includes('postgres') && !process.env['DATABASE_URL'])
    throw new Error('--backend postgres needs DATABASE_URL (a server where test databases can be made)');

  if (values.cluster) {
    if (!process.env['DATABASE_URL'])
      throw new Error('--cluster needs DATABASE_URL (a server where test databases can be made)');
    process.stderr.write(
      `cluster chaos seed ${seed} (replay: npm run chaos -- --cluster --seed ${seed} --cycles ${cycles})\n`,
    );
    process.stdout.write(`${JSON.stringify(await runClusterChaos({ seed, cycles, opsPerCycle }))}\n`);
    return 0;
  }
  process.stderr.write(`chaos seed ${seed} (replay: npm run chaos -- --seed ${seed} --cycles ${cycles})\n`);
  let failed = false;
  for (const backend of backends) {
    try {
      const summary = await runChaos({
        backend,
        cycles,
        seed,
        tills,
        opsPerCycle,
        without,
        log: (line) => process.stderr.write(`${line}\n`),
      });
      process.stdout.write(`${JSON.stringify(summary)}\n`);
      if (summary.findings.length > 0)
        process.stderr.write(`chaos ${backend}: audit passed, with findings:\n  ${summary.findings.join('\n  ')}\n`);
    } catch (e) {
      failed = true;
      if (e instanceof ChaosFailure) {
        process.stdout.write(`${JSON.stringify({ ...e.summary, failed: e.message })}\n`);
        process.stderr.write(`chaos ${backend} FAILED: ${e.message}\n`);
      } else throw e;
    }
  }
  return failed ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`chaos: ${e instanceof Error ? e.message : String(e)}\n${usage}\n`);
    process.exit(1);
  },
);
