/** The store's till token rotation and revocation, on SQLite and (with DATABASE_URL) PostgreSQL. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { rotateTillToken, revokeTill } from '../../../../sync/ledger/cli/tills.ts';
import { openStore } from '../../../../sync/ledger/store/open.ts';
import { HEAD_OFFICE_TILL, type LedgerStore } from '../../../../sync/ledger/store/types.ts';
import { hashToken, verifyToken } from '../../../../sync/ledger/tokens.ts';
import { backends, makeTestDatabase, type TestDatabase } from '../../../support/databases.ts';
import { T0, storeId, tillId } from './fixtures.ts';

describe.each(backends)('till credentials on %s', (backend) => {
  let db: TestDatabase;
  let store: LedgerStore;

  beforeEach(async () => {
    db = await makeTestDatabase(backend);
    store = await openStore(db.databaseUrl ? { databaseUrl: db.databaseUrl } : { dataDir: db.dataDir });
    await store.migrate();
    await store.addStore({ storeId: storeId('s1'), name: 'S1' });
    await store.addTill({ tillId: tillId('t1'), storeId: storeId('s1'), tokenHash: hashToken('old-token') });
    await store.addTill({ tillId: tillId('t2'), storeId: storeId('s1'), tokenHash: hashToken('other-token') });
  });
  afterEach(async () => {
    await store?.close();
    await db?.drop();
  });

  it('setTillToken replaces one till hash and says whether the till exists', async () => {
    expect(await store.setTillToken(tillId('t1'), hashToken('new-token'))).toBe(true);
    expect(await store.setTillToken(tillId('nope'), hashToken('x'))).toBe(false);
    expect(await store.setTillToken(HEAD_OFFICE_TILL, hashToken('x'))).toBe(false);
    const t1 = await store.getTill(tillId('t1'));
    expect(t1 && verifyToken('new-token', t1.tokenHash)).toBe(true);
    expect(t1 && verifyToken('old-token', t1.tokenHash)).toBe(false);
    const t2 = await store.getTill(tillId('t2'));
    expect(t2 && verifyToken('other-token', t2.tokenHash)).toBe(true);
  });

  it('revokeTill sets revoked_at once and keeps the first time', async () => {
    expect(await store.revokeTill(tillId('t1'), T0)).toBe(true);
    expect(await store.revokeTill(tillId('t1'), T0 + 5_000)).toBe(false);
    expect(await store.revokeTill(tillId('nope'), T0)).toBe(false);
    expect((await store.getTill(tillId('t1')))?.revokedAt).toBe(T0);
    expect((await store.getTill(tillId('t2')))?.revokedAt).toBeNull();
  });

  it('rotation gives a fresh 256-bit token and refuses a revoked till; revocation is idempotent', async () => {
    const token = await rotateTillToken(store, tillId('t1'));
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect((await store.getTill(tillId('t1')))?.tokenHash).toBe(hashToken(token));
    await expect(rotateTillToken(store, tillId('nope'))).rejects.toMatchObject({ code: 'UNKNOWN_TILL' });

    expect(await revokeTill(store, tillId('t1'), T0)).toEqual({ revokedNow: true, revokedAt: T0 });
    expect(await revokeTill(store, tillId('t1'), T0 + 1)).toEqual({ revokedNow: false, revokedAt: T0 });
    await expect(rotateTillToken(store, tillId('t1'))).rejects.toMatchObject({ code: 'TILL_REVOKED' });
    await expect(revokeTill(store, tillId('nope'), T0)).rejects.toMatchObject({ code: 'UNKNOWN_TILL' });
  });
});
