/** Stores and tills as head office sets them up: creation, the manager PIN, till tokens and revocation. */
import type { StoreId, TillId } from '../../loyalty/units.ts';
import type { PinHash } from '../../protocol/pin.ts';
import type { StoreCtx } from './context.ts';
import { toStore, toTill } from './rows.ts';
import { HEAD_OFFICE_STORE, HEAD_OFFICE_TILL, LEGACY_INCARNATION } from './types.ts';
import type { LedgerStore, StoreRecord, TillRecord } from './types.ts';

/** The store's methods on stores, tills and their credentials. */
export type TillAdmin = Pick<
  LedgerStore,
  | 'addStore'
  | 'getStore'
  | 'listStores'
  | 'setManagerPin'
  | 'addTill'
  | 'getTill'
  | 'listTills'
  | 'tillSeqs'
  | 'setTillToken'
  | 'revokeTill'
>;

export class KyselyTillAdmin implements TillAdmin {
  readonly #ctx: StoreCtx;

  constructor(ctx: StoreCtx) {
    this.#ctx = ctx;
  }

  async addStore(store: { storeId: StoreId; name: string }): Promise<void> {
    await this.#ctx
      .plain()
      .insertInto('stores')
      .values({ store_id: store.storeId, name: store.name, created_at: this.#ctx.now(), manager_pin: null })
      .execute();
  }

  async getStore(storeId: StoreId): Promise<StoreRecord | undefined> {
    const row = await this.#ctx
      .plain()
      .selectFrom('stores')
      .selectAll()
      .where('store_id', '=', storeId)
      .executeTakeFirst();
    return row && toStore(row);
  }

  async listStores(): Promise<StoreRecord[]> {
    const rows = await this.#ctx
      .plain()
      .selectFrom('stores')
      .selectAll()
      .where('store_id', '!=', HEAD_OFFICE_STORE)
      .orderBy('store_id')
      .execute();
    return rows.map(toStore);
  }

  async setManagerPin(storeId: StoreId, pin: PinHash): Promise<void> {
    const r = await this.#ctx
      .plain()
      .updateTable('stores')
      .set({ manager_pin: JSON.stringify(pin) })
      .where('store_id', '=', storeId)
      .executeTakeFirst();
    if (Number(r.numUpdatedRows) !== 1) throw new Error(`no store ${storeId}`);
  }

  async addTill(till: { tillId: TillId; storeId: StoreId; tokenHash: string }): Promise<void> {
    await this.#ctx
      .plain()
      .insertInto('tills')
      .values({
        till_id: till.tillId,
        store_id: till.storeId,
        token_hash: till.tokenHash,
        last_seq: 0,
        skew_ms: 0,
        revoked_at: null,
        created_at: this.#ctx.now(),
        incarnation: LEGACY_INCARNATION,
        moving_to: null,
        row_seq: 0,
      })
      .execute();
  }

  async getTill(tillId: TillId): Promise<TillRecord | undefined> {
    const row = await this.#ctx
      .plain()
      .selectFrom('tills')
      .selectAll()
      .where('till_id', '=', tillId)
      .executeTakeFirst();
    return row && toTill(row);
  }

  async listTills(storeId?: StoreId): Promise<TillRecord[]> {
    let q = this.#ctx
      .plain()
      .selectFrom('tills')
      .selectAll()
      .where('till_id', '!=', HEAD_OFFICE_TILL)
      .orderBy('till_id');
    if (storeId !== undefined) q = q.where('store_id', '=', storeId);
    return (await q.execute()).map(toTill);
  }

  async tillSeqs(storeId: StoreId): Promise<Map<TillId, number>> {
    const rows = await this.#ctx
      .plain()
      .selectFrom('tills')
      .select(['till_id', 'last_seq'])
      .where('store_id', '=', storeId)
      .orderBy('till_id')
      .execute();
    return new Map(rows.map((r) => [r.till_id, r.last_seq]));
  }

  async setTillToken(tillId: TillId, tokenHash: string): Promise<boolean> {
    const r = await this.#ctx
      .plain()
      .updateTable('tills')
      .set({ token_hash: tokenHash })
      .where('till_id', '=', tillId)
      .where('till_id', '!=', HEAD_OFFICE_TILL)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  /** One conditional update, so the first revocation's time stays. */
  async revokeTill(tillId: TillId, at: number): Promise<boolean> {
    const r = await this.#ctx
      .plain()
      .updateTable('tills')
      .set({ revoked_at: at })
      .where('till_id', '=', tillId)
      .where('till_id', '!=', HEAD_OFFICE_TILL)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }
}
