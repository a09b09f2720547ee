/**
 * Reconnect storm: 500 tills (bare socket.io clients in a few processes, with the till transport's randomized
 * reconnection settings) coming back at once after the ledger restarts. The figure is the time from the ledger
 * listening again to every till connected and pulled, with the connection errors after it was back and the slowest
 * handshake; the raw limit is the same clients connecting and pulling at once on a fresh ledger (no restart).
 *
 *   node --import tsx test/bench/reconnect-storm.ts [--db sqlite|postgres] [--tills 500] [--processes 4]
 *     [--delay 1000] [--delay-max 30000] [--jitter 0.5] [--signal SIGKILL|SIGTERM]
 *
 * Defaults for --delay, --delay-max and --jitter are the till transport's (sync/till/transport.ts).
 */
import { makeBenchDatabase, seedBench } from './support/bench-db.ts';
import { startLedgerChild } from './support/ledger-child.ts';
import { flags, dbFlag, numberFlag, percentile, progress, result, round } from './support/report.ts';
import { startSwarm } from './support/swarm.ts';

const f = flags(
  { db: 'sqlite', tills: '500', processes: '4', delay: '1000', 'delay-max': '30000', jitter: '0.5', signal: 'SIGKILL' },
  'node --import tsx test/bench/reconnect-storm.ts [--db sqlite|postgres] [--tills 500] [--processes 4] [--delay 1000] [--delay-max 30000] [--jitter 0.5] [--signal SIGKILL|SIGTERM]',
);
const kind = dbFlag(f.db);
const tillCount = numberFlag(f.tills, 'tills');
const signal = f.signal === 'SIGTERM' ? 'SIGTERM' : 'SIGKILL';

const db = await makeBenchDatabase(kind);
try {
  const stores = Math.ceil(tillCount / 10);
  progress(`seeding ${kind}: ${stores} stores, ${tillCount} tills`);
  const tills = (await seedBench(db, { stores, tillsPerStore: 10, membersPerStore: 100 })).slice(0, tillCount);
  const ledger = await startLedgerChild(db);
  const swarm = await startSwarm(tills, numberFlag(f.processes, 'processes'), {
    url: ledger.url,
    mode: 'storm',
    batchOps: 0,
    reconnect: {
      delayMs: numberFlag(f.delay, 'delay'),
      delayMaxMs: numberFlag(f['delay-max'], 'delay-max'),
      randomizationFactor: numberFlag(f.jitter, 'jitter'),
    },
  });
  // The raw limit: every till connected and pulled at once on a fresh ledger (from each worker's start).
  const freshMs = swarm.readyMs;
  const freshHandshakeMax = Math.max(...swarm.connectMs);
  progress(
    `fresh: ${tills.length} tills connected and pulled in ${round(freshMs, 0)} ms; restarting the ledger (${signal})`,
  );

  swarm.mark();
  await new Promise((r) => setTimeout(r, 200));
  await ledger.kill(signal);
  await ledger.start();
  const upAt = Date.now();
  progress('ledger back; waiting for every till');
  const deadline = upAt + 120_000;
  let stats = await swarm.stats();
  while (stats.pulledAt.length < tills.length && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 200));
    stats = await swarm.stats();
  }
  const allBackMs = stats.pulledAt.length > 0 ? Math.max(...stats.pulledAt) - upAt : NaN;
  await swarm.close();
  await ledger.stop();
  const errorsAfterUp = stats.connectErrorAt.filter((t) => t >= upAt).length;
  result({
    bench: 'reconnect-storm',
    db: kind,
    tills: tills.length,
    signal,
    back: stats.pulledAt.length,
    allBackMs: round(allBackMs, 0),
    freshMs: round(freshMs, 0),
    ratio: round(freshMs / allBackMs, 2),
    connectErrorsAfterUp: errorsAfterUp,
    connectErrorsWhileDown: stats.connectErrors - errorsAfterUp,
    pullErrors: stats.errors,
    handshakeMaxMs: round(Math.max(...stats.handshakeMs), 0),
    handshakeP50Ms: round(percentile(stats.handshakeMs, 50), 0),
    freshHandshakeMaxMs: round(freshHandshakeMax, 0),
  });
} finally {
  await db.drop();
}
