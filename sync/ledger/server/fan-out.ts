/**
 * What the ledger tells connected tills unasked: the members a commit changed, to the tills of every store that holds
 * them (one room per store), and a newer program version, to every till.
 */
import type { Program } from '../../loyalty/program.ts';
import type { StoreId, TillId } from '../../loyalty/units.ts';
import type { ChangesEvent } from '../../protocol/messages.ts';
import { snapshotOf, type GroupOutcome } from '../apply-group.ts';
import type { Logger } from '../log.ts';
import type { LedgerStore, MemberRecord } from '../store/types.ts';
import type { TillNamespace } from './requests.ts';

const CHANGES_PER_EVENT = 500;

/** The room of a store's connected tills. */
export const storeRoom = (storeId: StoreId): string => `store:${storeId}`;

export interface FanOut {
  /** Sends a committed group's changed members to the stores that hold them, with each of their tills' seq. */
  changes(group: GroupOutcome): Promise<void>;
  /** Sends a newly adopted program version to every connected till. */
  program(program: Program): void;
}

export function createFanOut(store: LedgerStore, tills: TillNamespace, logger: Logger): FanOut {
  return {
    async changes(group) {
      if (group.changed.length === 0) return;
      const holders = await store.holdersOf(group.changed.map((m) => m.memberId));
      const byStore = new Map<StoreId, MemberRecord[]>();
      for (const m of group.changed) {
        for (const s of holders.get(m.memberId) ?? []) {
          const list = byStore.get(s) ?? [];
          list.push(m);
          byStore.set(s, list);
        }
      }
      // One read of every till's seq rather than one per store: a group usually touches many stores.
      // Each till's seq counts in its current incarnation: the event says which, and a till ignores another's.
      const seqsByStore = new Map<StoreId, { seqs: [TillId, number][]; incarnations: [TillId, string][] }>();
      for (const t of await store.listTills()) {
        if (!byStore.has(t.storeId)) continue;
        const entry = seqsByStore.get(t.storeId) ?? { seqs: [], incarnations: [] };
        entry.seqs.push([t.tillId, t.lastSeq]);
        entry.incarnations.push([t.tillId, t.incarnation]);
        seqsByStore.set(t.storeId, entry);
      }
      for (const [storeId, members] of byStore) {
        const room = tills.to(storeRoom(storeId));
        const entry = seqsByStore.get(storeId);
        const tillSeqs = Object.fromEntries(entry?.seqs ?? []) as ChangesEvent['tillSeqs'];
        const tillIncarnations = Object.fromEntries(entry?.incarnations ?? []) as NonNullable<
          ChangesEvent['tillIncarnations']
        >;
        for (let i = 0; i < members.length; i += CHANGES_PER_EVENT) {
          room.emit('changes', {
            members: members.slice(i, i + CHANGES_PER_EVENT).map((m) => {
              const next = group.nextExpiries.get(m.memberId);
              return next === undefined ? snapshotOf(m) : { ...snapshotOf(m), nextExpiry: next };
            }),
            tillSeqs,
            tillIncarnations,
          });
        }
      }
    },
    program(program) {
      // This process's tills only: every ledger process adopts a new version itself (watchers.ts), so a broadcast
      // through the cluster adapter would reach each till once per process.
      tills.local.emit('config', { program });
      logger.info({ version: program.version }, 'program version published to tills');
    },
  };
}
