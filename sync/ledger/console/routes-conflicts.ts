/**
 * Console routes for conflicts across stores: the open and escalated ones (a store manager sees their store's), and
 * head office's decision — recover, write off, or adjust by a number of points — made as ops of head office's till
 * (head-office.ts), decided by the same code as a manager's resolve at a till, with the user as `manager`/`by`.
 */
import type { Points } from '../../loyalty/units.ts';
import { DecisionSchema, type ConflictRow } from '../../protocol/console-api.ts';
import { applyHeadOfficeOps, type HeadOfficeDraft } from '../head-office.ts';
import type { ConflictRecord } from '../store/types.ts';
import { ConsoleFailure, parseBody } from './http.ts';
import { actorOf, checkStore, logAction, scopeStore, type Route } from './route.ts';

const STATUSES = new Set<ConflictRecord['status']>(['open', 'escalated', 'resolved']);

export const conflictRoutes: Route[] = [
  {
    method: 'GET',
    path: /^\/conflicts$/,
    async handle({ deps, user, query }): Promise<ConflictRow[]> {
      const storeId = scopeStore(user, query.get('store'));
      const wanted = query.get('status');
      const status = wanted !== null && STATUSES.has(wanted as never) ? (wanted as ConflictRecord['status']) : null;
      const rows = await deps.store.listConflicts({
        ...(storeId !== null ? { storeId } : {}),
        ...(status !== null ? { status } : {}),
      });
      const shown = status === null ? rows.filter((c) => c.status !== 'resolved') : rows;
      const names = new Map<string, string>();
      for (const c of shown.slice(0, 500)) {
        if (!names.has(c.memberId)) names.set(c.memberId, (await deps.store.getMember(c.memberId))?.name ?? '');
      }
      return shown.slice(0, 500).map((c) => ({
        conflictId: c.conflictId,
        memberId: c.memberId,
        memberName: names.get(c.memberId) || null,
        tillId: c.tillId,
        storeId: c.storeId,
        shortfall: c.shortfall,
        status: c.status,
        createdAt: c.createdAt,
        resolution: c.resolution && {
          action: c.resolution.action,
          manager: c.resolution.manager,
          reason: c.resolution.reason,
          at: c.resolution.at,
        },
      }));
    },
  },
  {
    method: 'POST',
    path: /^\/conflicts\/(?<conflictId>[^/]+)\/decide$/,
    role: 'head-office',
    async handle(ctx): Promise<{ conflictId: string; status: string; balance: number | null }> {
      const { deps, user } = ctx;
      const conflictId = ctx.params['conflictId'] ?? '';
      const decision = parseBody(DecisionSchema, ctx.body);
      const conflict = (await deps.store.listConflicts()).find((c) => c.conflictId === conflictId);
      if (!conflict) throw new ConsoleFailure(404, 'UNKNOWN_CONFLICT');
      checkStore(user, conflict.storeId);
      if (conflict.status === 'resolved') throw new ConsoleFailure(409, 'ALREADY_RESOLVED');
      const by = actorOf(user);
      const drafts: HeadOfficeDraft[] = [
        {
          kind: 'resolve',
          memberId: conflict.memberId,
          conflictId,
          action: decision.action === 'write-off' ? 'write-off' : 'recover',
          reason:
            decision.action === 'adjust'
              ? `adjust ${decision.points}: ${decision.reason}`.slice(0, 200)
              : decision.reason,
          manager: by,
        },
      ];
      if (decision.action === 'adjust')
        drafts.push({
          kind: 'adjust',
          memberId: conflict.memberId,
          points: decision.points as Points,
          reason: decision.reason,
          by,
        });
      const results = await applyHeadOfficeOps(deps.store, drafts, deps.now());
      const refused = results.find((r) => r.outcome.status === 'rejected');
      if (refused && refused.outcome.status === 'rejected')
        throw new ConsoleFailure(409, 'OP_REFUSED', { detail: refused.outcome.code });
      await logAction(ctx, 'conflict decide', decision.reason, {
        args: [conflictId],
        options: { action: decision.action, ...(decision.action === 'adjust' ? { points: decision.points } : {}) },
        ops: results.map((r) => r.opId),
      });
      return {
        conflictId,
        status: 'resolved',
        balance: (await deps.store.getMember(conflict.memberId))?.balance ?? null,
      };
    },
  },
];
