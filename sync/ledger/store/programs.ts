/** Program versions: immutable once stored, since ops name the version they were made under. */
import type { Program } from '../../loyalty/program.ts';
import type { StoreCtx } from './context.ts';
import type { LedgerStore } from './types.ts';

/** The store's program methods. */
export type ProgramStore = Pick<LedgerStore, 'putProgram' | 'getProgram' | 'latestProgram'>;

export class KyselyPrograms implements ProgramStore {
  readonly #ctx: StoreCtx;

  constructor(ctx: StoreCtx) {
    this.#ctx = ctx;
  }

  /** The same content again is a no-op; other content under a stored version is refused. */
  async putProgram(program: Program): Promise<void> {
    const json = JSON.stringify(program);
    const res = await this.#ctx
      .plain()
      .insertInto('programs')
      .values({ version: program.version, json })
      .onConflict((oc) => oc.column('version').doNothing())
      .executeTakeFirst();
    if (Number(res.numInsertedOrUpdatedRows ?? 0n) > 0) return;
    const existing = await this.#ctx
      .plain()
      .selectFrom('programs')
      .select('json')
      .where('version', '=', program.version)
      .executeTakeFirst();
    if (existing?.json !== json)
      throw new Error(`program version ${program.version} already exists with other content; use a new version`);
  }

  async getProgram(version: number): Promise<Program | undefined> {
    const row = await this.#ctx
      .plain()
      .selectFrom('programs')
      .select('json')
      .where('version', '=', version)
      .executeTakeFirst();
    return row && (JSON.parse(row.json) as Program);
  }

  async latestProgram(): Promise<Program | undefined> {
    const row = await this.#ctx
      .plain()
      .selectFrom('programs')
      .select('json')
      .orderBy('version', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row && (JSON.parse(row.json) as Program);
  }
}
