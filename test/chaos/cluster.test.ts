/**
 * The shortened cluster chaos inside `npm test` (cluster.ts): three ledger processes behind HAProxy, one SIGKILLed per
 * cycle, Redis restarted once; the audit must pass. Fixed seed. Needs PostgreSQL, HAProxy and redis-server.
 */
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { haproxyInstalled } from '../support/haproxy.ts';
import { runClusterChaos } from './cluster.ts';

const SEED = 20261203;
const CYCLES = 3;
const ready = process.env['DATABASE_URL'] !== undefined && haproxyInstalled() && existsSync('/usr/bin/redis-server');

describe.skipIf(!ready)('chaos on a cluster of three ledgers', () => {
  it(
    `loses nothing and applies nothing twice through ${CYCLES} cycles of killed processes`,
    { timeout: 300_000 },
    async () => {
      const summary = await runClusterChaos({ seed: SEED, cycles: CYCLES });
      console.log(`cluster chaos summary ${JSON.stringify(summary)}`);
      expect(summary.cycles).toBe(CYCLES);
      expect(summary.processKills).toBe(CYCLES);
      expect(summary.redisRestarts).toBe(1);
      expect(summary.ops).toBe(3 * CYCLES * 4);
    },
  );
});
