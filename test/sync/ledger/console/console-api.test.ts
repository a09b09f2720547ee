/**
 * The console API over real HTTP on a real ledger (SQLite, and PostgreSQL when DATABASE_URL is set): logins and
 * lockout, sessions, CSRF from another origin, a store manager refused another store's data whatever the URL, and
 * head office's actions landing in the action log under the user's name.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newLetterRef } from '../../../../sync/ledger/member-links.ts';
import { backends } from '../../../support/databases.ts';
import { connectTill, request } from '../../../support/raw-till.ts';
import { OpMaker } from '../../../support/ops.ts';
import { ConsoleClient, PASSWORDS, codeOf, startConsoleLedger, type ConsoleLedger } from './support.ts';

describe.each(backends)('console API on %s', (kind) => {
  let L: ConsoleLedger;
  beforeAll(async () => {
    L = await startConsoleLedger(kind, { auth: { maxFailures: 3, lockMs: 60_000 } });
  }, 60_000);
  afterAll(async () => {
    await L?.stop();
  });

  it('refuses every route without a session, and a wrong password or unknown user alike', async () => {
    const c = new ConsoleClient(L.url);
    expect(codeOf(await c.call('GET', '/tills'))).toBe('AUTH_REQUIRED');
    const wrong = await c.login('boss', 'not the password');
    const unknown = await c.login('nobody', 'not the password');
    expect([wrong.status, codeOf(wrong)]).toEqual([401, 'LOGIN_FAILED']);
    expect([unknown.status, codeOf(unknown)]).toEqual([401, 'LOGIN_FAILED']);
    const ok = await c.login('boss', PASSWORDS.boss);
    expect(ok.status).toBe(200);
    expect(ok.headers.get('set-cookie')).toMatch(/HttpOnly; SameSite=Strict/);
    expect((await c.call('GET', '/session')).body).toMatchObject({ name: 'boss', role: 'head-office' });
    await c.call('POST', '/logout', {});
    expect(codeOf(await c.call('GET', '/session'))).toBe('AUTH_REQUIRED');
  }, 30_000);

  it('locks an account after repeated failures, even against the right password, until the lock runs out', async () => {
    const c = new ConsoleClient(L.url);
    expect(codeOf(await c.login('bert', 'wrong one'))).toBe('LOGIN_FAILED');
    expect(codeOf(await c.login('bert', 'wrong two'))).toBe('LOGIN_FAILED');
    const third = await c.login('bert', 'wrong three');
    expect([third.status, codeOf(third)]).toEqual([423, 'ACCOUNT_LOCKED']);
    const right = await c.login('bert', PASSWORDS.bert);
    expect([right.status, codeOf(right)]).toEqual([423, 'ACCOUNT_LOCKED']);
    expect(right.headers.get('retry-after')).not.toBeNull();
    L.clock.t += 61_000;
    expect((await c.login('bert', PASSWORDS.bert)).status).toBe(200);
    expect((await L.store.consoleUsers.get('bert'))?.failedLogins).toBe(0);
  }, 30_000);

  it('refuses a state-changing request forged from another origin, or without the CSRF token', async () => {
    const c = new ConsoleClient(L.url);
    await c.login('boss', PASSWORDS.boss);
    const body = { reason: 'lost till' };
    const evil = await c.call('POST', '/tills/b1/revoke', body, { origin: 'http://evil.example' });
    expect([evil.status, codeOf(evil)]).toEqual([403, 'CSRF_REFUSED']);
    const noOrigin = await c.call('POST', '/tills/b1/revoke', body, {});
    expect(codeOf(noOrigin)).toBe('CSRF_REFUSED');
    const token = c.csrf;
    c.csrf = '';
    expect(codeOf(await c.call('POST', '/tills/b1/revoke', body))).toBe('CSRF_REFUSED');
    c.csrf = 'x'.repeat(token.length);
    expect(codeOf(await c.call('POST', '/tills/b1/revoke', body))).toBe('CSRF_REFUSED');
    // A login from another origin is refused too (login CSRF).
    const other = new ConsoleClient(L.url);
    expect(
      codeOf(
        await other.call(
          'POST',
          '/login',
          { name: 'boss', password: PASSWORDS.boss },
          { origin: 'http://evil.example' },
        ),
      ),
    ).toBe('CSRF_REFUSED');
    expect((await L.store.getTill('b1' as never))?.revokedAt).toBeNull();
  }, 30_000);

  it("refuses a store manager another store's tills, members and conflicts, by any URL", async () => {
    const c = new ConsoleClient(L.url);
    await c.login('anna', PASSWORDS.anna);
    const own = await c.call('GET', '/tills');
    expect((own.body as { storeId: string }[]).map((t) => t.storeId)).toEqual(['store-a', 'store-a']);
    for (const path of [
      '/stores/store-b/tills',
      '/tills?store=store-b',
      '/conflicts?store=store-b',
      '/closing?store=store-b',
    ]) {
      const a = await c.call('GET', path);
      expect([path, a.status, codeOf(a)]).toEqual([path, 403, 'FORBIDDEN_STORE']);
    }
    expect((await c.call('GET', '/stores')).body).toEqual([{ storeId: 'store-a', name: 'store-a' }]);
    const member = L.seeded.members[0]!;
    expect((await c.call('GET', `/members/${member.memberId}`)).status).toBe(200);
    // bert manages store-b: store-a's member is not his.
    const b = new ConsoleClient(L.url);
    await b.login('bert', PASSWORDS.bert);
    expect(codeOf(await b.call('GET', `/members/${member.memberId}`))).toBe('FORBIDDEN_STORE');
    expect((await b.call('GET', `/members?q=${encodeURIComponent(member.name)}`)).body).toEqual([]);
    const rotate = await c.call('POST', '/tills/a1/rotate', { reason: 'try' });
    expect([rotate.status, codeOf(rotate)]).toEqual([403, 'HEAD_OFFICE_ONLY']);
  }, 30_000);

  it("finds a member by letter reference as typed, refuses one with a typo, and only in the manager's store", async () => {
    const [member, other] = L.seeded.members;
    const refs = await L.store.memberChannel.ensureLinks(
      [member!.memberId, other!.memberId],
      L.seeded.program.version,
      Date.now() + 86_400_000,
      Date.now(),
      newLetterRef,
    );
    const ref = refs.get(member!.memberId)!;
    const boss = new ConsoleClient(L.url);
    await boss.login('boss', PASSWORDS.boss);
    const search = (c: ConsoleClient, q: string) => c.call('GET', `/members?q=${encodeURIComponent(q)}`);
    for (const typed of [ref, ref.toLowerCase(), ref.replace(/-/g, ''), ` ${ref.replace(/-/g, ' ').toLowerCase()} `]) {
      const a = await search(boss, typed);
      expect([typed, a.status, (a.body as { memberId: string }[]).map((m) => m.memberId)]).toEqual([
        typed,
        200,
        [member!.memberId],
      ]);
    }
    // One wrong symbol: the check character catches it, and the answer says so rather than "no member".
    const symbol = ref[2] === '7' ? '8' : '7';
    const typo = await search(boss, `${ref.slice(0, 2)}${symbol}${ref.slice(3)}`);
    expect([typo.status, codeOf(typo)]).toEqual([400, 'BAD_LETTER_REF']);
    expect((typo.body as { error: { message: string } }).error.message).toMatch(/check character/);
    // A name of a reference's shape ("Lafontaine" reads as L-AF0N-TA1N-E, a wrong check) is searched as a name.
    await L.store
      .kysely()
      .updateTable('members')
      .set({ name: 'Lafontaine' })
      .where('member_id', '=', other!.memberId)
      .execute();
    const name = await search(boss, 'lafontaine');
    expect([name.status, (name.body as { memberId: string }[]).map((m) => m.memberId)]).toEqual([
      200,
      [other!.memberId],
    ]);
    // A well-formed reference nobody has is simply no member.
    const unknown = await search(boss, 'L-0000-0000-0');
    expect([unknown.status, unknown.body]).toEqual([200, []]);
    // Members are held at store-a: anna finds them by reference, bert (store-b) does not.
    const anna = new ConsoleClient(L.url);
    await anna.login('anna', PASSWORDS.anna);
    expect(((await search(anna, ref.toLowerCase())).body as { memberId: string }[]).map((m) => m.memberId)).toEqual([
      member!.memberId,
    ]);
    const bert = new ConsoleClient(L.url);
    await bert.login('bert', PASSWORDS.bert);
    expect((await search(bert, ref)).body).toEqual([]);
  }, 30_000);

  it("decides a conflict as head office's op, and logs the user's actions by name", async () => {
    const till = L.seeded.tills.find((t) => t.tillId === 'a1')!;
    const member = L.seeded.members[1]!;
    const socket = await connectTill(L.url, till);
    const ops = new OpMaker(till, L.seeded.program.version);
    const burn = ops.burn(member.memberId, member.openingBalance + 50, 'conflict');
    await request(socket, 'push', { ops: [burn], sentAt: Date.now() });
    socket.close();
    const c = new ConsoleClient(L.url);
    await c.login('boss', PASSWORDS.boss);
    const open = (await c.call('GET', '/conflicts')).body as { conflictId: string; status: string }[];
    expect(open.map((x) => x.conflictId)).toEqual([burn.opId]);
    const bad = await c.call('POST', `/conflicts/${burn.opId}/decide`, { action: 'adjust', reason: 'x' });
    expect(codeOf(bad)).toBe('BAD_REQUEST');
    const before = (await L.store.getMember(member.memberId))!.balance;
    const decided = await c.call('POST', `/conflicts/${burn.opId}/decide`, {
      action: 'adjust',
      points: 30,
      reason: 'goodwill',
    });
    expect(decided.status).toBe(200);
    expect((await L.store.getMember(member.memberId))!.balance).toBe(before + 30);
    const [conflict] = await L.store.listConflicts();
    expect(conflict?.status).toBe('resolved');
    expect(conflict?.resolution?.manager).toBe('console:boss');
    const again = await c.call('POST', `/conflicts/${burn.opId}/decide`, { action: 'recover', reason: 'again' });
    expect(codeOf(again)).toBe('ALREADY_RESOLVED');

    expect((await c.call('POST', '/tills/b1/revoke', { reason: 'stolen' })).status).toBe(200);
    const log = await L.store.actionLog.last(10);
    expect(log.map((e) => [e.actor, e.action, e.reason])).toEqual(
      expect.arrayContaining([
        ['console:boss', 'conflict decide', 'goodwill'],
        ['console:boss', 'till revoke', 'stolen'],
      ]),
    );
    const tills = (await c.call('GET', '/tills')).body as { tillId: string; revokedAt: number | null }[];
    expect(tills.find((t) => t.tillId === 'b1')?.revokedAt).not.toBeNull();
  }, 30_000);
});
