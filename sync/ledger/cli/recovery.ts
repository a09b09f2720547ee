/** `ledger recovery`: after a restore, per till and incarnation, what came back since and what is still owed. */
import type { Command } from 'commander';
import type { LedgerStore, TillRecoveryRow } from '../store/types.ts';
import { iso } from './backup-files.ts';
import { withStore } from './support.ts';

/** Where a till incarnation stands after a restore. */
export type RecoveryVerdict = 'complete' | 'owes' | 'not-seen-since-restore' | 'superseded' | 'revoked';

export interface RecoveryLine extends TillRecoveryRow {
  /** The incarnation the till last said hello from (the others are superseded: their pending ops moved on). */
  current: boolean;
  /** reportedSeq - lastSeq when above 0. */
  owed: number;
  verdict: RecoveryVerdict;
}

/** The `ledger recovery` report: the ledger's epoch, the restore recorded, one line per till incarnation. */
export interface RecoveryState {
  epoch: string;
  restoredAt: number | null;
  restoredSeq: number | null;
  lines: RecoveryLine[];
  totals: {
    tills: number;
    complete: number;
    owing: number;
    owedOps: number;
    notSeen: number;
    recovered: number;
  };
}

/** Reads the recovery report from the store, for the ledger's current epoch. */
export async function recoveryState(store: LedgerStore): Promise<RecoveryState> {
  const epoch = await store.ledgerEpoch();
  const meta = await store.backupAdmin.readMeta();
  const num = (k: string) => (meta.has(k) ? Number(meta.get(k)) : null);
  const restoredAt = num('restored_at');
  const tills = new Map((await store.listTills()).map((t) => [t.tillId, t]));
  const rows = await store.recoveryReport(epoch);
  const lines = rows.map((r): RecoveryLine => {
    const till = tills.get(r.tillId);
    const current = till?.incarnation === r.incarnation;
    const owed = Math.max(0, r.reportedSeq - r.lastSeq);
    // recoveryReport counts a till's recovered ops; shown on its current incarnation only.
    const recovered = current ? r.recovered : 0;
    let verdict: RecoveryVerdict;
    if (!current) verdict = 'superseded';
    else if (till?.revokedAt != null) verdict = 'revoked';
    else if (restoredAt !== null && (r.lastSeenAt ?? 0) < restoredAt) verdict = 'not-seen-since-restore';
    else if (owed > 0) verdict = 'owes';
    else verdict = 'complete';
    return { ...r, recovered, current, owed, verdict };
  });
  const live = lines.filter((l) => l.current);
  return {
    epoch,
    restoredAt,
    restoredSeq: num('restored_seq'),
    lines,
    totals: {
      tills: live.length,
      complete: live.filter((l) => l.verdict === 'complete').length,
      owing: live.filter((l) => l.verdict === 'owes').length,
      owedOps: live.reduce((n, l) => n + (l.verdict === 'owes' ? l.owed : 0), 0),
      notSeen: live.filter((l) => l.verdict === 'not-seen-since-restore').length,
      recovered: live.reduce((n, l) => n + l.recovered, 0),
    },
  };
}

function verdictText(l: RecoveryLine): string {
  switch (l.verdict) {
    case 'owes':
      return `owes ${l.owed} ops`;
    case 'not-seen-since-restore':
      return 'not seen since the restore';
    case 'superseded':
      return 'superseded (a newer database of this till)';
    case 'revoked':
      return l.owed > 0 ? `revoked (owed ${l.owed} ops)` : 'revoked';
    case 'complete':
      return 'complete';
  }
}

/** Registers `ledger recovery` (after `ledger restore`, in the help's order). */
export function registerRecoveryCommand(program: Command): void {
  program
    .command('recovery')
    .summary('after a restore: per till, ops recovered and ops still owed')
    .description(
      'after a restore, per till and incarnation: high-water mark, the last seq it reported journaling, ops recovered since the restore, when last seen, and whether it owes ops, was not seen since the restore (ledger_meta restored_at, set by "ledger restore") or is complete',
    )
    .option('--json', 'one JSON document, for scripts')
    .action(async (o: { json?: boolean }, cmd: Command) => {
      await withStore(cmd, async (store) => {
        const s = await recoveryState(store);
        if (o.json) {
          console.log(
            JSON.stringify(
              {
                epoch: s.epoch,
                restoredAt: s.restoredAt === null ? null : iso(s.restoredAt),
                restoredSeq: s.restoredSeq,
                tills: s.lines.map((l) => ({
                  tillId: l.tillId,
                  storeId: l.storeId,
                  incarnation: l.incarnation,
                  current: l.current,
                  lastSeq: l.lastSeq,
                  reportedSeq: l.reportedSeq,
                  owed: l.owed,
                  recovered: l.recovered,
                  lastSeenAt: l.lastSeenAt === null ? null : iso(l.lastSeenAt),
                  verdict: l.verdict,
                })),
                totals: s.totals,
              },
              null,
              2,
            ),
          );
          return;
        }
        console.log(
          s.restoredAt === null
            ? `epoch ${s.epoch}; no restore recorded`
            : `epoch ${s.epoch}; restored at ${iso(s.restoredAt)} from a backup at ledger seq ${s.restoredSeq ?? '?'}`,
        );
        console.log('till\tstore\tincarnation\thigh-water\treported\trecovered\tlast seen\tverdict');
        for (const l of s.lines)
          console.log(
            `${l.tillId}\t${l.storeId}\t${l.incarnation}\t${l.lastSeq}\t${l.reportedSeq}\t${l.current ? l.recovered : '-'}\t${iso(l.lastSeenAt)}\t${verdictText(l)}`,
          );
        const t = s.totals;
        console.log(
          `total: ${t.tills} tills, ${t.complete} complete, ${t.owing} owe ${t.owedOps} ops, ${t.notSeen} not seen since the restore; ${t.recovered} ops recovered since the restore`,
        );
      });
    });
}
