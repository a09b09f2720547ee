/**
 * The ledger's audit trail. The ops table is an append-only hash chain in commit order: every row has its place,
 * `chain_seq` (gap-free from 1), and `row_hash` = sha256(the previous row's hash + '\n' + the row's immutable fields
 * as one canonical JSON array), the first row chaining from `GENESIS_HASH`. The counter row keeps the chain's head
 * (last chain_seq and hash), written in the same transaction as the rows, so concurrent groups chain in commit order
 * (store/group-tx.ts writes the chain with the hash of store/op-chain.ts, migration 0004 chained the rows already
 * there).
 *
 * `reversed_by` is the one column a later void sets, so it is outside the row hash; instead every reversed_by must
 * name a chained, not rejected, void of that op, and every such void's target must name it back.
 *
 * An erased member's op rows whose personal fields were replaced are checked by their erasure seal instead of their
 * row hash (store/member-privacy.ts says what that proves); the chain goes on from their unchanged row hash.
 *
 * `verifyAuditChain` reads the chain in pages (bounded memory), recomputes every hash and reports the first problem
 * found in chain order. What it cannot see: a rewrite of the whole chain from some row to the head, counter included,
 * by someone who knows this scheme; the head it prints, kept elsewhere, shows that (compare it with a later run).
 */
import { createHash } from 'node:crypto';
import type { MemberId, OpId } from '../loyalty/units.ts';
import { canonicalJson } from './canonical-json.ts';
import type { AuditReads } from './store/interfaces/audit.ts';
import { GENESIS_HASH, chainRowHash, erasureSeal, type ChainedFields } from './store/op-chain.ts';
import type { LedgerStore } from './store/types.ts';

export { GENESIS_HASH, chainRowHash, type ChainedFields } from './store/op-chain.ts';

export type AuditProblemKind =
  'EDITED' | 'REMOVED' | 'REORDERED' | 'INSERTED' | 'COUNTER_MISMATCH' | 'REVERSAL_MISMATCH' | 'BALANCE_MISMATCH';

export interface AuditProblem {
  kind: AuditProblemKind;
  /** The place in the chain where it shows (for a removed row, the first missing place); null for a balance. */
  chainSeq: number | null;
  /** The op concerned, when there is one. */
  opId: OpId | null;
  memberId: MemberId | null;
  /** One sentence for a person. */
  message: string;
}

export interface AuditReport {
  /** Op rows whose hash was recomputed. */
  rowsChecked: number;
  membersChecked: number;
  /** The chain's head as verified (the counter's when intact): keep it to compare with a later run. */
  head: { chainSeq: number; hash: string };
  /** The first problem, in chain order; null when the ledger is intact. */
  problem: AuditProblem | null;
}

export interface AuditProgress {
  rowsChecked: number;
  /** The chain's length as the counter records it (grows while a live ledger commits). */
  rowsTotal: number;
}

/** Rows read per query. */
const PAGE = 1000;

type ChainRow = ChainedFields & { chain_seq: number; row_hash: string | null; reversed_by: string | null };
type LinkRow = Pick<ChainRow, 'op_id' | 'chain_seq' | 'kind' | 'op' | 'outcome' | 'reversed_by'>;

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/**
 * Verifies the ledger's op log and books: the chain (no gap, starting at 1, every hash recomputed), the counter's
 * head, each op's content hash, reversal links both ways, then every member's balance = opening + Σ deltas.
 * Safe on a live ledger: rows committed while it runs are verified too.
 */
export async function verifyAuditChain(
  store: LedgerStore,
  onProgress?: (p: AuditProgress) => void,
): Promise<AuditReport> {
  const db = store.auditReads;
  let prev = GENESIS_HASH;
  let last = 0;
  let rowsChecked = 0;
  const report = (problem: AuditProblem | null, membersChecked = 0): AuditReport => ({
    rowsChecked,
    membersChecked,
    head: { chainSeq: last, hash: prev },
    problem,
  });

  let counter = await readHead(db);
  for (;;) {
    let progressed = false;
    for (;;) {
      const rows = await readPage(db, last);
      if (rows.length === 0) break;
      progressed = true;
      const links = await readLinks(db, rows);
      const seals = await db.erasureSeals(rows.map((r) => r.op_id));
      for (const [i, row] of rows.entries()) {
        const expected = last + 1;
        if (row.chain_seq < expected)
          return report(
            problem('INSERTED', row, `op ${row.op_id} takes chain place ${row.chain_seq}, which another op holds.`),
          );
        if (row.chain_seq > expected) {
          const missing = row.chain_seq - 1 === expected ? `${expected}` : `${expected} to ${row.chain_seq - 1}`;
          return report({
            kind: 'REMOVED',
            chainSeq: expected,
            opId: null,
            memberId: null,
            message: `chain place ${missing} is missing: the op row there was removed (the chain resumes with op ${row.op_id} at ${row.chain_seq}).`,
          });
        }
        const seal = seals.get(row.op_id);
        if (seal !== undefined) {
          // An erased row (store/member-privacy.ts): its row hash cannot be recomputed, its seal can.
          if (row.row_hash === null || erasureSeal(prev, row.row_hash, row) !== seal)
            return report(
              problem(
                'EDITED',
                row,
                `op ${row.op_id} at chain place ${row.chain_seq} was erased, but it no longer matches its erasure seal: it was edited or moved since.`,
              ),
            );
        } else if (chainRowHash(prev, row) !== row.row_hash) {
          counter = await readHead(db);
          return report(await classifyBreak(db, prev, row, rows[i + 1], counter));
        }
        if (seal === undefined && !contentHashMatches(row))
          return report(
            problem(
              'EDITED',
              row,
              `op ${row.op_id} at chain place ${row.chain_seq}: its content hash does not match its op JSON (both edited, the chain recomputed).`,
            ),
          );
        const reversal = checkReversal(row, links);
        if (reversal) return report(reversal);
        prev = row.row_hash;
        last = row.chain_seq;
        rowsChecked++;
      }
      if (counter.chainSeq < last) counter = await readHead(db);
      onProgress?.({ rowsChecked, rowsTotal: Math.max(counter.chainSeq, last) });
    }
    // The counter is written in the same transaction as the rows: a head beyond the last row read is a row removed
    // at the end, unless groups committed meanwhile (then read on).
    counter = await readHead(db);
    if (counter.chainSeq > last && progressed) continue;
    if (counter.chainSeq > last)
      return report({
        kind: 'REMOVED',
        chainSeq: last + 1,
        opId: null,
        memberId: null,
        message: `the chain ends at place ${last} but the counter records ${counter.chainSeq}: the last ${counter.chainSeq - last} op row(s) were removed.`,
      });
    if (counter.chainSeq < last)
      return report({
        kind: 'INSERTED',
        chainSeq: counter.chainSeq + 1,
        opId: null,
        memberId: null,
        message: `the counter records the chain's head at place ${counter.chainSeq} but rows run on to ${last}: rows were appended around the ledger (or the counter was rolled back).`,
      });
    if (counter.chainHash !== prev)
      return report({
        kind: 'COUNTER_MISMATCH',
        chainSeq: last,
        opId: null,
        memberId: null,
        message: `the counter's chain hash ${counter.chainHash.slice(0, 12)}… is not the hash of the last row (place ${last}, ${prev.slice(0, 12)}…).`,
      });
    break;
  }

  const unchained = await db.firstUnchained();
  if (unchained)
    return report({
      kind: 'INSERTED',
      chainSeq: null,
      opId: unchained.op_id,
      memberId: null,
      message: `op ${unchained.op_id} (till ${unchained.till_id}, seq ${unchained.seq}) has no place in the chain: it was written around the ledger.`,
    });

  const books = await checkBalances(db);
  return report(books.problem, books.members);
}

function problem(kind: AuditProblemKind, row: ChainRow, message: string): AuditProblem {
  return { kind, chainSeq: row.chain_seq, opId: row.op_id as OpId, memberId: null, message };
}

function readHead(db: AuditReads): Promise<{ chainSeq: number; chainHash: string }> {
  return db.chainHead();
}

/** The rows after chain place `after`, in chain order; a place held twice (a unique index dropped) comes twice. */
async function readPage(db: AuditReads, after: number): Promise<ChainRow[]> {
  const rows = await db.chainRows(after, PAGE + 1);
  // `>=`: a second row at the last place verified shows as taking a place already held.
  const out: ChainRow[] = [];
  let skipped = false;
  for (const r of rows) {
    if (r.chain_seq === null) continue;
    if (r.chain_seq === after && !skipped && after > 0) {
      skipped = true;
      continue;
    }
    out.push({ ...r, chain_seq: r.chain_seq });
  }
  return out.slice(0, PAGE);
}

/** The ops a page's reversal links name: the voids that reversed its ops and the targets of its voids. */
async function readLinks(db: AuditReads, rows: readonly ChainRow[]): Promise<Map<string, LinkRow>> {
  const ids = new Set<string>();
  for (const r of rows) {
    if (r.reversed_by !== null) ids.add(r.reversed_by);
    const target = voidTarget(r);
    if (target !== undefined) ids.add(target);
  }
  const out = new Map<string, LinkRow>();
  if (ids.size === 0) return out;
  const found = await db.linkRows([...ids]);
  for (const f of found) out.set(f.op_id, { ...f, chain_seq: f.chain_seq ?? 0 });
  return out;
}

/** A void not rejected: the op it reversed. */
function voidTarget(r: Pick<ChainRow, 'kind' | 'op' | 'outcome'>): string | undefined {
  if (r.kind !== 'void') return undefined;
  try {
    if ((JSON.parse(r.outcome) as { status?: unknown }).status === 'rejected') return undefined;
    const target = (JSON.parse(r.op) as { targetOpId?: unknown }).targetOpId;
    return typeof target === 'string' ? target : undefined;
  } catch {
    return undefined;
  }
}

function checkReversal(row: ChainRow, links: ReadonlyMap<string, LinkRow>): AuditProblem | null {
  if (row.reversed_by !== null) {
    const v = links.get(row.reversed_by);
    if (!v || voidTarget(v) !== row.op_id)
      return problem(
        'REVERSAL_MISMATCH',
        row,
        `op ${row.op_id} at chain place ${row.chain_seq} is marked reversed by ${row.reversed_by}, which is not a void of it.`,
      );
  }
  const target = voidTarget(row);
  if (target !== undefined) {
    const t = links.get(target);
    if (t?.reversed_by !== row.op_id) {
      const was = t
        ? t.reversed_by === null
          ? 'not marked reversed'
          : `marked reversed by ${t.reversed_by}`
        : 'missing';
      return {
        kind: 'REVERSAL_MISMATCH',
        chainSeq: t ? t.chain_seq : row.chain_seq,
        opId: (t ? t.op_id : row.op_id) as OpId,
        memberId: null,
        message: `void ${row.op_id} at chain place ${row.chain_seq} reversed op ${target}, but that op is ${was}.`,
      };
    }
  }
  return null;
}

/** The content hash is of the op's canonical JSON, which is the text stored (older rows: parse and canonicalise). */
function contentHashMatches(row: ChainRow): boolean {
  if (sha256(row.op) === row.content_hash) return true;
  try {
    return sha256(canonicalJson(JSON.parse(row.op))) === row.content_hash;
  } catch {
    return false;
  }
}

/**
 * Says what a row whose hash does not follow from the chain before it shows: a row beyond the counter's head or one
 * its successor skips is INSERTED; an intact row that follows another row of the chain is REORDERED; else EDITED.
 */
async function classifyBreak(
  db: AuditReads,
  prev: string,
  row: ChainRow,
  nextInPage: ChainRow | undefined,
  counter: { chainSeq: number },
): Promise<AuditProblem> {
  const at = `op ${row.op_id} at chain place ${row.chain_seq}`;
  if (row.chain_seq > counter.chainSeq)
    return problem('INSERTED', row, `${at} lies beyond the chain's head (${counter.chainSeq}): it was inserted.`);
  if (row.row_hash !== null) {
    const before = await findPredecessor(db, row, row.row_hash, prev);
    if (before)
      return problem(
        'REORDERED',
        row,
        `${at} was chained right after ${before === GENESIS_HASH ? 'the start of the chain' : `op ${before}`}: rows were reordered.`,
      );
  }
  const next = nextInPage ?? (await readPage(db, row.chain_seq))[0];
  if (next && next.chain_seq === row.chain_seq + 1) {
    if (chainRowHash(prev, next) === next.row_hash)
      return problem('INSERTED', row, `${at} is not part of the chain (the row after it follows the row before it).`);
    if (row.row_hash !== null && chainRowHash(row.row_hash, next) === next.row_hash)
      return problem('EDITED', row, `${at} was edited: its fields no longer give its row hash.`);
  }
  return problem('EDITED', row, `${at} does not follow from the chain before it: it (or its hash) was edited.`);
}

/**
 * The row (op id, or GENESIS_HASH for the start) that `row` was chained after, when that is not the row before it
 * now; one pass over the chain's hashes, only when a break needs explaining.
 */
async function findPredecessor(
  db: AuditReads,
  row: ChainRow,
  rowHash: string,
  prev: string,
): Promise<string | undefined> {
  if (prev !== GENESIS_HASH && chainRowHash(GENESIS_HASH, row) === rowHash) return GENESIS_HASH;
  let after = -1;
  for (;;) {
    const page = await db.chainHashes(after, PAGE);
    for (const p of page) {
      if (
        p.row_hash !== null &&
        p.row_hash !== prev &&
        p.op_id !== row.op_id &&
        chainRowHash(p.row_hash, row) === rowHash
      )
        return p.op_id;
    }
    const end = page.at(-1)?.chain_seq;
    if (page.length < PAGE || end === undefined || end === null) return undefined;
    after = end;
  }
}

/** The ledger's own books: balance = opening + Σ deltas for every member, and no deltas for members that are gone. */
async function checkBalances(db: AuditReads): Promise<{ members: number; problem: AuditProblem | null }> {
  const members = await db.memberCount();
  const m = await db.firstBalanceMismatch();
  if (m)
    return {
      members,
      problem: {
        kind: 'BALANCE_MISMATCH',
        chainSeq: null,
        opId: null,
        memberId: m.memberId,
        message: `member ${m.memberId} has a balance of ${m.balance}, but the opening balance ${m.opening} plus the ops' deltas ${m.deltas} make ${Number(m.opening) + Number(m.deltas)}.`,
      },
    };
  const o = await db.firstOrphanDeltas();
  if (o)
    return {
      members,
      problem: {
        kind: 'BALANCE_MISMATCH',
        chainSeq: null,
        opId: null,
        memberId: o.memberId,
        message: `ops moved ${o.deltas} points for member ${o.memberId}, who is not in the members table.`,
      },
    };
  return { members, problem: null };
}
