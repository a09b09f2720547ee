/** A running till as its host sees it (renderer): the POS view of its engine and its sync status with conflicts. */
import { combineLatest, map } from 'rxjs';
import type { RunningTill } from '../sync/till/till.ts';
import { live } from './hooks.ts';
import { toSyncReport } from './host.ts';
import type { HostedTill } from './host.ts';
import { posEngineOf } from './pos-engine.ts';

/** Wraps `till` for `TillHost.attach`; the status carries the count of conflicts not yet resolved by a manager. */
export function hostedTill(till: RunningTill): HostedTill {
  const conflicts$ = live(() =>
    till.db.ops
      .where('status')
      .equals('conflict')
      .filter((r) => r.resolvedBy === undefined)
      .count(),
  );
  return {
    pos: posEngineOf(till),
    status$: combineLatest([till.status$, conflicts$]).pipe(map(([s, c]) => toSyncReport(s, c))),
  };
}
