/**
 * Journal retention: the till's journal keeps the ops the ledger answered for the program's retention period
 * (`journalRetentionDays`, at least 35 days), so that a ledger restored from a backup gets them back from the till;
 * after that they may be pruned. An op the ledger has not answered is never pruned. Runs in the renderer (the
 * replicator calls it); under Node tests on a fake IndexedDB.
 */
import { journalRetentionDays } from '../loyalty/program.ts';
import type { MemberId } from '../loyalty/units.ts';
import { getMeta } from './db.ts';
import type { OpRow, OpStatus, TillDb } from './db.ts';

const DAY_MS = 86_400_000;
const PRUNE_EVERY_MS = 3_600_000;
const ANSWERED: readonly OpStatus[] = ['applied', 'conflict', 'rejected'];

/**
 * Whether `row` may be pruned at `now`, given its member's confirmed snapshot (`memberTillSeq`: the last of this
 * till's seqs the ledger's snapshot of the member included; undefined when the member is not held). All must hold:
 * - the ledger answered it (applied, conflict or rejected; never pending);
 * - it was answered, and made, more than `retentionDays` days ago (so an earn or burn a void may still name is kept
 *   for the period too);
 * - it is not being resent to a restored ledger (`recovering`);
 * - its member's confirmed snapshot already includes it (seq <= tillSeq): the view no longer needs it;
 * - it is not a conflict still waiting for the manager's resolution (the manager's queue lists it).
 */
export function isPrunable(row: OpRow, memberTillSeq: number | undefined, now: number, retentionDays: number): boolean {
  const cutoff = now - retentionDays * DAY_MS;
  if (!ANSWERED.includes(row.status)) return false;
  if (row.ackedAt === undefined || row.ackedAt >= cutoff || row.createdAt >= cutoff) return false;
  // `recovering` is set on ops resent to a ledger restored from a backup (read loosely: older rows lack it).
  if ((row as { recovering?: boolean }).recovering === true) return false;
  if (memberTillSeq === undefined || row.seq > memberTillSeq) return false;
  if (row.status === 'conflict' && row.resolvedBy === undefined) return false;
  return true;
}

/**
 * Deletes the journal's ops that `isPrunable` allows at `now`, in one transaction; returns how many were deleted.
 * `retentionDays` is the program's (`journalRetentionDays(program)`); below 35 is refused.
 */
export async function pruneJournal(db: TillDb, now: number, retentionDays: number): Promise<number> {
  if (!Number.isInteger(retentionDays) || retentionDays < 35)
    throw new RangeError(`journal retention must be a whole number of days, at least 35 (got ${retentionDays})`);
  return db.transaction('rw', [db.ops, db.members], async () => {
    // Every rule but the member's first, so that only the members of old enough ops are read.
    const answered = (await db.ops.where('status').anyOf(ANSWERED).toArray()).filter((r) =>
      isPrunable(r, Number.MAX_SAFE_INTEGER, now, retentionDays),
    );
    const memberIds = [...new Set(answered.map((r) => r.memberId))];
    const members = await db.members.bulkGet(memberIds);
    const tillSeq = new Map<MemberId, number>();
    members.forEach((m) => {
      if (m) tillSeq.set(m.memberId, m.tillSeq);
    });
    const doomed = answered.filter((r) => isPrunable(r, tillSeq.get(r.memberId), now, retentionDays));
    await db.ops.bulkDelete(doomed.map((r) => r.opId));
    return doomed.length;
  });
}

/**
 * Prunes the journal by the program's retention at most once an hour (the replicator asks after each pull): a ledger
 * restored from a backup of that age still gets every op back from this till.
 */
export class JournalPruner {
  /** When the journal was last pruned (this till's clock). */
  private lastPruneAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly db: TillDb,
    /** Runs the prune after the replicator's writes of ledger answers already under way. */
    private readonly serialize: <T>(fn: () => Promise<T>) => Promise<T>,
    /** Told of a failed prune (the sync goes on). */
    private readonly onError: (e: unknown) => void,
  ) {}

  /** Prunes at `now` unless it did less than an hour ago, or no program is known yet. */
  async maybePrune(now: number): Promise<void> {
    if (now - this.lastPruneAt < PRUNE_EVERY_MS) return;
    this.lastPruneAt = now;
    const program = await getMeta(this.db, 'program');
    if (!program) return;
    try {
      await this.serialize(() => pruneJournal(this.db, now, journalRetentionDays(program)));
    } catch (e) {
      this.onError(e);
    }
  }
}
