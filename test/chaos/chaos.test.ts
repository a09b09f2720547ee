/**
 * The shortened chaos run inside `npm test` (the long one is `npm run chaos`): a real ledger process and six real
 * tills under a rush while the ledger is SIGKILLed, links are cut, tills reload mid-batch and (on PostgreSQL) the
 * ledger's database connections are terminated; the audit at the end must pass. Fixed seed; prints its summary.
 */
import { describe, expect, it } from 'vitest';
import { backends } from '../support/databases.ts';
import { runChaos } from './harness.ts';

const SEED = 20261123;
const CYCLES = 10;

describe.each(backends)('chaos on %s', (backend) => {
  it(`loses nothing and applies nothing twice through ${CYCLES} cycles of faults`, { timeout: 240_000 }, async () => {
    // runChaos throws (ChaosFailure, with the reason and the seed) when an audit fails or the tills do not converge.
    const summary = await runChaos({ backend, cycles: CYCLES, seed: SEED, tills: 6, opsPerCycle: 6 });
    console.log(`chaos summary ${JSON.stringify(summary)}`);
    // A finding is the ledger dying without being told to (e.g. when PostgreSQL dropped its connections).
    expect(summary.findings).toEqual([]);
    expect(summary.cycles).toBe(CYCLES);
    expect(summary.ops).toBeGreaterThan(0);
    expect(summary.faults.ledgerKills).toBeGreaterThanOrEqual(1);
    expect(summary.faults.linkCuts).toBeGreaterThanOrEqual(1);
    expect(summary.faults.tillReloads).toBeGreaterThanOrEqual(1);
    if (backend === 'postgres') expect(summary.faults.dbRestarts).toBeGreaterThanOrEqual(1);
    else expect(summary.faults.dbRestarts).toBe(0);
    // Offline burns of shared members overdraw: the run exercises conflicts and their resolution too.
    expect(summary.conflicts).toBeGreaterThan(0);
    expect(summary.resolved).toBeGreaterThan(0);
  });
});
