/**
 * `ledger audit verify`: recomputes the op log's hash chain and checks the ledger's books (sync/ledger/audit.ts).
 * Progress goes to stderr. Intact: one summary line, exit 0. Tampered: the problem's kind and sentence, exit 3 (not
 * 2: the command ran as asked; what it found is the answer). The chain head printed is worth keeping elsewhere: a
 * later run that prints a head not descending from it shows a rewrite the chain alone cannot.
 */
import type { Command } from 'commander';
import { verifyAuditChain, type AuditProgress } from '../audit.ts';
import { withStore } from './support.ts';

/** Exit status when the audit finds a problem. */
export const AUDIT_FAILED_EXIT = 3;

/** Progress lines at most this often. */
const PROGRESS_EVERY_MS = 1000;

export function registerAuditCommands(program: Command): void {
  const audit = program.command('audit').description('the audit trail: the op log is append-only and hash-chained');
  audit
    .command('verify')
    .description(
      'recompute the op log hash chain and check every op, reversal, the counter and every balance; exit 3 when tampered',
    )
    .action(async (_o, cmd: Command) => {
      await withStore(cmd, async (store) => {
        let lastShown = 0;
        const progress = (p: AuditProgress) => {
          const now = Date.now();
          if (now - lastShown < PROGRESS_EVERY_MS) return;
          lastShown = now;
          process.stderr.write(`audit: ${p.rowsChecked} of ${p.rowsTotal} ops checked\n`);
        };
        const report = await verifyAuditChain(store, progress);
        process.stderr.write(`audit: ${report.rowsChecked} ops checked\n`);
        const p = report.problem;
        if (p) {
          const where = [
            p.chainSeq !== null ? `chain place ${p.chainSeq}` : '',
            p.opId !== null ? `op ${p.opId}` : '',
            p.memberId !== null ? `member ${p.memberId}` : '',
          ].filter((x) => x !== '');
          console.log(`audit FAILED: ${p.kind}${where.length > 0 ? ` (${where.join(', ')})` : ''}: ${p.message}`);
          process.exitCode = AUDIT_FAILED_EXIT;
          return;
        }
        console.log(
          `audit ok: ${report.rowsChecked} ops chained without a gap, ${report.membersChecked} balances equal to opening plus deltas; chain head ${report.head.chainSeq} ${report.head.hash}`,
        );
      });
    });
}
