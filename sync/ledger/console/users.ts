/**
 * Console accounts, as `ledger user add|list|disable` and the console itself manage them: the same functions from
 * both, so both check the same things. Names are 1 to 64 letters, digits, dot, dash, underscore or @.
 */
import { z } from 'zod';
import { StoreIdSchema, type StoreId } from '../../loyalty/units.ts';
import { CodedError } from '../../protocol/errors.ts';
import { ConsoleRoleSchema } from '../../protocol/console-api.ts';
import type { ConsoleUser } from '../store/interfaces/console-users.ts';
import type { LedgerStore } from '../store/types.ts';
import { hashPassword, MAX_PASSWORD, MIN_PASSWORD } from './passwords.ts';

export const UserNameSchema = z.string().regex(/^[A-Za-z0-9._@-]{1,64}$/);

export interface NewUser {
  name: string;
  role: string;
  storeId?: string | undefined;
  password: string;
}

/** Checks a new user's fields; BAD_ARGUMENT / UNKNOWN_STORE / USER_EXISTS refuse it with nothing stored. */
export async function addConsoleUser(store: LedgerStore, u: NewUser, now: number): Promise<ConsoleUser> {
  if (!UserNameSchema.safeParse(u.name).success)
    throw new CodedError(
      'BAD_ARGUMENT',
      `user name "${u.name}" is not valid: 1 to 64 letters, digits, dot, dash, underscore or @.`,
    );
  const role = ConsoleRoleSchema.safeParse(u.role);
  if (!role.success) throw new CodedError('BAD_ARGUMENT', '--role is head-office or store-manager.');
  let storeId: StoreId | null = null;
  if (role.data === 'store-manager') {
    if (u.storeId === undefined)
      throw new CodedError('BAD_ARGUMENT', 'a store manager needs --store STORE (the store they see).');
    const s = StoreIdSchema.safeParse(u.storeId);
    if (!s.success) throw new CodedError('BAD_ARGUMENT', `store id "${u.storeId}" is not valid.`);
    if (!(await store.getStore(s.data))) throw new CodedError('UNKNOWN_STORE', `store ${s.data} does not exist.`);
    storeId = s.data;
  } else if (u.storeId !== undefined) {
    throw new CodedError('BAD_ARGUMENT', 'head office sees every store: give --store only to a store manager.');
  }
  if (u.password.length < MIN_PASSWORD || u.password.length > MAX_PASSWORD)
    throw new CodedError('BAD_ARGUMENT', `a password is ${MIN_PASSWORD} to ${MAX_PASSWORD} characters.`);
  if (await store.consoleUsers.get(u.name))
    throw new CodedError('USER_EXISTS', `user ${u.name} exists already; nothing was changed.`);
  const user: ConsoleUser = {
    name: u.name,
    role: role.data,
    storeId,
    passwordHash: await hashPassword(u.password),
    createdAt: now,
    disabledAt: null,
    failedLogins: 0,
    lockedUntil: null,
  };
  if (!(await store.consoleUsers.add(user)))
    throw new CodedError('USER_EXISTS', `user ${u.name} exists already; nothing was changed.`);
  return user;
}

/** Disables a user (their sessions end at once) or, with `enable`, lets them log in again. */
export async function setConsoleUserDisabled(
  store: LedgerStore,
  name: string,
  at: number | null,
): Promise<ConsoleUser> {
  const user = await store.consoleUsers.get(name);
  if (!user) throw new CodedError('UNKNOWN_USER', `there is no user ${name}.`);
  await store.consoleUsers.setDisabled(name, at);
  return { ...user, disabledAt: at, failedLogins: 0, lockedUntil: null };
}
