/**
 * Console routes for members: search by card, name, e-mail or letter reference; one member with their ops; head office's adjustment
 * (an op of head office's till, as `ledger adjust`), export (`ledger member export`) and erasure (`ledger member
 * erase`), each in the action log under the user's name. A store manager finds and reads only their store's members.
 */
import { assertNever } from '../../loyalty/assert-never.ts';
import { checkLetterRef } from '../../loyalty/letter-ref.ts';
import { MemberIdSchema, type MemberId, type Points } from '../../loyalty/units.ts';
import { AdjustSchema, EraseSchema, type MemberOpRow, type MemberRow } from '../../protocol/console-api.ts';
import { applyHeadOfficeOps } from '../head-office.ts';
import type { MemberRecord } from '../store/types.ts';
import { ConsoleFailure, parseBody } from './http.ts';
import { actorOf, logAction, scopeStore, type Route, type RouteCtx } from './route.ts';

const row = (m: MemberRecord): MemberRow => ({
  memberId: m.memberId,
  card: m.card,
  name: m.name,
  email: m.email,
  balance: m.balance,
  homeStoreId: m.homeStoreId,
  tier: m.tier,
  status: m.status,
});

/** The member named in the path, if the user may see them (a store manager: a member of their store). */
async function memberOf(ctx: RouteCtx): Promise<MemberRecord> {
  const id = MemberIdSchema.safeParse(ctx.params['memberId']);
  if (!id.success) throw new ConsoleFailure(400, 'BAD_REQUEST', { issues: ['memberId: not a member id'] });
  const m = await ctx.deps.store.getMember(id.data);
  if (!m) throw new ConsoleFailure(404, 'UNKNOWN_MEMBER');
  const storeId = scopeStore(ctx.user, null);
  if (storeId !== null && !(await ctx.deps.store.consoleReads.memberOfStore(m.memberId, storeId)))
    throw new ConsoleFailure(403, 'FORBIDDEN_STORE');
  return m;
}

export const memberRoutes: Route[] = [
  {
    method: 'GET',
    path: /^\/members$/,
    async handle({ deps, user, query }): Promise<MemberRow[]> {
      const q = (query.get('q') ?? '').trim();
      if (q.length < 2 || q.length > 120)
        throw new ConsoleFailure(400, 'BAD_REQUEST', { issues: ['q: 2 to 120 characters'] });
      const storeId = scopeStore(user, query.get('store'));
      const letter = checkLetterRef(q);
      const found = await deps.store.consoleReads.searchMembers(q, storeId, 50, letter.ok ? letter.ref : undefined);
      // A reference with a wrong check character is a typo, not an unknown member: say so. Only when nothing else
      // matched, since a name of ten letters starting with L ("Lafontaine") has a reference's shape too.
      if (!letter.ok && letter.reason === 'CHECK' && found.length === 0)
        throw new ConsoleFailure(400, 'BAD_LETTER_REF');
      return found;
    },
  },
  {
    method: 'GET',
    path: /^\/members\/(?<memberId>[^/]+)$/,
    async handle(ctx): Promise<{ member: MemberRow; ops: MemberOpRow[] }> {
      const m = await memberOf(ctx);
      return { member: row(m), ops: await ctx.deps.store.consoleReads.memberOps(m.memberId, 100) };
    },
  },
  {
    method: 'POST',
    path: /^\/members\/(?<memberId>[^/]+)\/adjust$/,
    role: 'head-office',
    async handle(ctx): Promise<{ memberId: MemberId; balance: number }> {
      const m = await memberOf(ctx);
      const { points, reason } = parseBody(AdjustSchema, ctx.body);
      const [r] = await applyHeadOfficeOps(
        ctx.deps.store,
        [{ kind: 'adjust', memberId: m.memberId, points: points as Points, reason, by: actorOf(ctx.user) }],
        ctx.deps.now(),
      );
      if (r?.outcome.status === 'rejected') throw new ConsoleFailure(409, 'OP_REFUSED', { detail: r.outcome.code });
      await logAction(ctx, 'adjust', reason, { args: [m.memberId, String(points)], options: {}, op: r?.opId });
      return { memberId: m.memberId, balance: (await ctx.deps.store.getMember(m.memberId))?.balance ?? m.balance };
    },
  },
  {
    method: 'GET',
    path: /^\/members\/(?<memberId>[^/]+)\/export$/,
    role: 'head-office',
    async handle(ctx): Promise<unknown> {
      const m = await memberOf(ctx);
      const file = await ctx.deps.store.memberPrivacy.file(m.memberId);
      if (!file) throw new ConsoleFailure(404, 'UNKNOWN_MEMBER');
      await logAction(ctx, 'member export', null, { args: [m.memberId], options: {} });
      return { exportedAt: new Date(ctx.deps.now()).toISOString(), ...file };
    },
  },
  {
    method: 'POST',
    path: /^\/members\/(?<memberId>[^/]+)\/erase$/,
    role: 'head-office',
    async handle(ctx): Promise<{ memberId: MemberId; opsSealed: number }> {
      const m = await memberOf(ctx);
      const { reason } = parseBody(EraseSchema, ctx.body);
      const r = await ctx.deps.store.memberPrivacy.erase(m.memberId, ctx.deps.now());
      switch (r.status) {
        case 'unknown-member':
          throw new ConsoleFailure(404, 'UNKNOWN_MEMBER');
        case 'already-erased':
          throw new ConsoleFailure(409, 'ALREADY_ERASED');
        case 'chain-broken':
          throw new ConsoleFailure(500, 'INTERNAL', { detail: 'AUDIT_FAILED' });
        case 'erased':
          await logAction(ctx, 'member erase', reason, {
            args: [m.memberId],
            options: {},
            opsSealed: r.opsSealed,
          });
          return { memberId: m.memberId, opsSealed: r.opsSealed };
        default:
          return assertNever(r, 'erasure result');
      }
    },
  },
];
