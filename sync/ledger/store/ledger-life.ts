/**
 * A till's and a ledger's life (migration 0007): the ledger's epoch and head, till incarnations, a till's history,
 * recovery after a restore, moves between stores, and the ledger's own action log. The queries are in till-life.ts.
 */
import type { StoreId, TillId } from '../../loyalty/units.ts';
import type { StoreCtx } from './context.ts';
import { toOp } from './rows.ts';
import {
  completeTillMove,
  readIncarnations,
  recoveryReport,
  setTillMove,
  tillHistory,
  touchIncarnation,
} from './till-life.ts';
import type { IncarnationRecord, LedgerStore, StoredOp, TillRecoveryRow } from './types.ts';

/** The store's methods on the life of tills and of the ledger. */
export type LedgerLife = Pick<
  LedgerStore,
  | 'ledgerEpoch'
  | 'setLedgerEpoch'
  | 'ledgerHead'
  | 'getIncarnation'
  | 'touchIncarnation'
  | 'tillHistory'
  | 'recoveryReport'
  | 'setTillMove'
  | 'completeTillMove'
>;

export class KyselyLedgerLife implements LedgerLife {
  readonly #ctx: StoreCtx;

  constructor(ctx: StoreCtx) {
    this.#ctx = ctx;
  }

  async ledgerEpoch(): Promise<string> {
    const row = await this.#ctx
      .plain()
      .selectFrom('ledger_meta')
      .select('value')
      .where('key', '=', 'epoch')
      .executeTakeFirstOrThrow();
    return row.value;
  }

  async setLedgerEpoch(epoch: string): Promise<void> {
    await this.#ctx
      .plain()
      .insertInto('ledger_meta')
      .values({ key: 'epoch', value: epoch })
      .onConflict((oc) => oc.column('key').doUpdateSet({ value: epoch }))
      .execute();
  }

  async ledgerHead(): Promise<number> {
    const row = await this.#ctx
      .plain()
      .selectFrom('counter')
      .select('ledger_seq')
      .where('id', '=', 1)
      .executeTakeFirstOrThrow();
    return row.ledger_seq;
  }

  async getIncarnation(tillId: TillId, incarnation: string): Promise<IncarnationRecord | undefined> {
    const found = await readIncarnations(this.#ctx.plain(), [{ tillId, incarnation }], this.#ctx.writer.maxParams);
    return found.values().next().value;
  }

  touchIncarnation(hello: {
    tillId: TillId;
    incarnation: string;
    baseSeq: number;
    reportedSeq: number;
    at: number;
  }): Promise<IncarnationRecord & { created: boolean }> {
    return this.#ctx.atomic((db) => touchIncarnation(db, hello));
  }

  tillHistory(tillId: TillId, limit: number): Promise<StoredOp[]> {
    return tillHistory(this.#ctx.plain(), tillId, limit).then((rows) => rows.map(toOp));
  }

  recoveryReport(epoch?: string): Promise<TillRecoveryRow[]> {
    return recoveryReport(this.#ctx.plain(), epoch);
  }

  setTillMove(tillId: TillId, storeId: StoreId | null): Promise<boolean> {
    return setTillMove(this.#ctx.plain(), tillId, storeId);
  }

  completeTillMove(tillId: TillId): Promise<boolean> {
    return this.#ctx.atomic((db) => completeTillMove(db, tillId));
  }
}
