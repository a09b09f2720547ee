/**
 * What the ledger tells connected tills unasked: the members a commit changed, to the tills of every store that holds
 * them (one room per store), and a newer program version, to every till.
 */
import type { Program } from '../../loyalty/program.ts';
import type { StoreId, TillId } from '../../loyalty/units.ts';
import type { ChangesEvent } from '../../protocol/messages.ts';
import type { GroupOutcome } from '../apply-group.ts';
import { snapshotOf } from '../member-snapshots.ts';
import type { Logger } from '../log.ts';
import type { MemberRecord } from '../store/types.ts';
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

export function createFanOut(tills: TillNamespace, logger: Logger): FanOut {
  return {
    changes(group) {
      if (group.changed.length === 0) return Promise.resolve();
      // Holders and tills' seqs as the group read them inside its transaction (group-marks.ts): read here, after the
      // commit, a till's seq could already count ops of a later group, from another process, that these snapshots miss.
      const byStore = new Map<StoreId, MemberRecord[]>();
      for (const m of group.changed) {
        for (const s of group.holders.get(m.memberId) ?? []) {
          const list = byStore.get(s) ?? [];
          list.push(m);
          byStore.set(s, list);
        }
      }
      // Each till's seq counts in its current incarnation: the event says which, and a till ignores another's.
      const seqsByStore = new Map<StoreId, { seqs: [TillId, number][]; incarnations: [TillId, string][] }>();
      for (const [storeId, marks] of group.tillMarks) {
        if (!byStore.has(storeId)) continue;
        seqsByStore.set(storeId, {
          seqs: marks.map((t) => [t.tillId, t.lastSeq]),
          incarnations: marks.map((t) => [t.tillId, t.incarnation]),
        });
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
      return Promise.resolve();
    },
    program(program) {
      // This process's tills only: every ledger process adopts a new version itself (watchers.ts), so a broadcast
      // through the cluster adapter would reach each till once per process.
      tills.local.emit('config', { program });
      logger.info({ version: program.version }, 'program version published to tills');
    },
  };
}
