/** Head-office actions shared by the CLI, the demo and the tests. */
import { LocaleSchema, type Locale } from '../loyalty/i18n/locale.ts';
import { migratedTier } from '../loyalty/migrated-member.ts';
import type { Program } from '../loyalty/program.ts';
import type { StoreId, TillId } from '../loyalty/units.ts';
import { CodedError } from '../protocol/errors.ts';
import { hashPin } from '../protocol/pin.ts';
import { demoMembers, demoProgramFor } from './demo-data.ts';
import type { ImportMember, LedgerStore } from './store/types.ts';
import { hashToken, newToken } from './tokens.ts';

/** Registers a till of an existing store and returns its token, which is not stored (only its hash). */
export async function addTill(store: LedgerStore, tillId: TillId, storeId: StoreId): Promise<string> {
  if (!(await store.getStore(storeId)))
    throw new CodedError(
      'UNKNOWN_STORE',
      `store ${storeId} does not exist; add it first with "ledger store add ${storeId} --name NAME".`,
    );
  if (await store.getTill(tillId)) throw new CodedError('TILL_EXISTS', `till ${tillId} already exists.`);
  const token = newToken();
  await store.addTill({ tillId, storeId, tokenHash: hashToken(token) });
  return token;
}

/** The demo store's manager PIN, printed by `ledger demo`. */
export const DEMO_MANAGER_PIN = '1234';

/** Seeds an empty ledger with a program, a store, two tills and members; returns the tills' credentials. */
export async function seedDemo(store: LedgerStore, opts: { members: number; now: number; locale?: Locale }) {
  const storeId = 'store-1' as StoreId;
  await store.putProgram(demoProgramFor(opts.now, opts.locale ?? 'en-GB'));
  await store.addStore({ storeId, name: 'Demo High Street' });
  await store.setManagerPin(storeId, await hashPin(DEMO_MANAGER_PIN));
  const tills: { tillId: TillId; storeId: StoreId; token: string }[] = [];
  for (const id of ['till-1', 'till-2']) {
    const tillId = id as TillId;
    tills.push({ tillId, storeId, token: await addTill(store, tillId, storeId) });
  }
  await importMembers(store, demoMembers(opts.members, 42), { holdAt: storeId, now: opts.now });
  return { storeId, tills };
}

/**
 * Stores a new version of the current program in `locale` (the till's screens, receipts, letters and e-mails; tills
 * pick it up on their next sync). Answers the program now current: unchanged when it was already in that locale.
 */
export async function setProgramLocale(store: LedgerStore, locale: string): Promise<Program> {
  const parsed = LocaleSchema.safeParse(locale);
  if (!parsed.success)
    throw new CodedError('BAD_ARGUMENT', `${locale} is not a locale a program speaks: en-GB or fr-FR.`);
  const current = await store.latestProgram();
  if (!current) throw new CodedError('NO_PROGRAM', 'no program yet: set one with "ledger program set FILE.json".');
  if ((current.locale ?? 'en-GB') === parsed.data) return current;
  const next: Program = { ...current, version: current.version + 1, locale: parsed.data };
  await store.putProgram(next);
  return next;
}

/**
 * Imports members (all or nothing), each in the tier its lifetime points give under the current program, so that the
 * stored tier is the one its first earn computes; without a program yet, the first earn sets it.
 */
export async function importMembers(
  store: LedgerStore,
  rows: readonly ImportMember[],
  opts: { holdAt?: StoreId | undefined; now: number },
): Promise<number> {
  const program = await store.latestProgram();
  const placed = program
    ? rows.map((r) => ({ ...r, tier: migratedTier(program, r.lifetimePoints ?? 0, opts.now) }))
    : rows;
  return store.importMembers(placed, opts.holdAt);
}
