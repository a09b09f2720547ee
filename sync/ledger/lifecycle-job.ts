/**
 * The daily job for what the passing of time changes without an op: member status (active → dormant → inactive),
 * tiers under a rolling policy (points or spend leaving the window, grace ending), birthdays and expiry reminders. It
 * writes the changes and their events in one transaction per page of members, and is idempotent: a rerun for the same
 * date finds nothing more to change (a birthday is told once a year, an expiry reminder once per lot and reminder day:
 * the `points-expiring` events written before say which were sent).
 */
import type { NewEvent } from '../loyalty/events.ts';
import { DAY_MS, groupReminders, lastUsableDay, remindersDue, type SentReminder } from '../loyalty/expiry-reminders.ts';
import { statusAt } from '../loyalty/lifecycle.ts';
import type { Lot } from '../loyalty/lots.ts';
import { tierAt, type TierActivity } from '../loyalty/tiers.ts';
import type { MemberId } from '../loyalty/units.ts';
import type { LedgerStore, MemberRecord } from './store/types.ts';

const PAGE = 500;

export interface LifecycleRun {
  members: number;
  statusChanges: number;
  tierChanges: number;
  birthdays: number;
  /** `points-expiring` events written. */
  expiryReminders: number;
}

/** `MM-DD` of the UTC day holding `at`. */
const monthDay = (at: number): string => new Date(at).toISOString().slice(5, 10);

/**
 * Runs the job as of `asOf` (epoch ms). Birthdays are those of the UTC day of `asOf - 1 ms` (so a date argument's
 * end of day names that day); 29 February birthdays are told on 28 February in other years.
 */
export async function runLifecycle(
  store: LedgerStore,
  asOf: number,
  onProgress: (members: number) => void = () => undefined,
): Promise<LifecycleRun> {
  const program = await store.latestProgram();
  if (!program) throw new Error('no program is set: run `ledger program set FILE` first');
  const day = monthDay(asOf - 1);
  const year = new Date(asOf - 1).getUTCFullYear();
  const leap = new Date(Date.UTC(year, 1, 29)).getUTCMonth() === 1;
  const birthdayToday = (b: string | null) => b === day || (!leap && day === '02-28' && b === '02-29');
  const run: LifecycleRun = { members: 0, statusChanges: 0, tierChanges: 0, birthdays: 0, expiryReminders: 0 };
  const reminderDays = program.expiryReminderDays ?? [];
  const window = Math.max(0, ...reminderDays) * DAY_MS;
  let after = '';
  for (;;) {
    const page = await store.listMembersPage(after, PAGE);
    if (page.length === 0) break;
    after = page.at(-1)?.memberId ?? after;
    run.members += page.length;

    // Birthdays already told this year (a rerun must not tell them twice).
    const withBirthday = page.filter((m) => birthdayToday(m.birthday)).map((m) => m.memberId);
    const told = await store.lifecycle.birthdaysToldSince(withBirthday, Date.UTC(year, 0, 1));

    // Lots inside the largest reminder window, and the reminders sent for them: a reminder for a lot not yet expired
    // was sent after its window opened, so within `window` of now.
    const ids = page.map((m) => m.memberId);
    const expiring =
      window > 0 ? await store.lifecycle.lotsExpiringWithin(ids, asOf, asOf + window) : new Map<MemberId, Lot[]>();
    const sent =
      expiring.size > 0
        ? await store.lifecycle.remindersSentSince([...expiring.keys()], asOf - window)
        : new Map<MemberId, SentReminder[]>();

    // Rolling tiers need each member's dated earns; only under a policy, and only for members who ever earned.
    const history = new Map<MemberId, TierActivity[]>();
    if (program.tierPolicy) {
      const ids = page.filter((m) => m.lifetimePoints !== 0).map((m) => m.memberId);
      if (ids.length > 0) {
        const parsed = await store.lifecycle.tierOps(ids);
        const earns = new Map<string, { at: number; spend: number }>();
        for (const r of parsed)
          if (r.op.kind === 'earn')
            earns.set(r.op.opId, { at: r.op.at, spend: r.op.lines.reduce((s, l) => s + l.amountCents, 0) });
        for (const r of parsed) {
          const list = history.get(r.memberId) ?? [];
          if (r.op.kind === 'earn')
            list.push({ at: r.op.at, points: r.delta ?? 0, spendCents: earns.get(r.op.opId)?.spend ?? 0 });
          else if (r.op.kind === 'void' && (r.delta ?? 0) < 0) {
            // A voided earn stops counting from the void, with its spend.
            list.push({ at: r.op.at, points: r.delta ?? 0, spendCents: -(earns.get(r.op.targetOpId)?.spend ?? 0) });
          }
          history.set(r.memberId, list);
        }
      }
    }

    // Decided on the members as they stand inside the transaction: an op committed since the page was read must
    // not be overwritten by a stale copy.
    await store.transaction(async (tx) => {
      const fresh = await tx.getMembers(page.map((m) => m.memberId));
      const events: NewEvent[] = [];
      const changed: MemberRecord[] = [];
      for (const m of fresh.values()) {
        let next = m;
        const status = statusAt(
          { firstEarnAt: m.firstActivityAt, lastActivityAt: m.lastActivityAt },
          asOf,
          program.lifecycle,
        );
        if (m.status !== null && status !== m.status) {
          events.push({
            type: 'status-changed',
            memberId: m.memberId,
            opId: null,
            at: asOf,
            data: { from: m.status, to: status },
          });
          next = { ...next, status };
          run.statusChanges++;
        }
        if (program.tierPolicy && m.tier !== null) {
          const tier = tierAt(program, history.get(m.memberId) ?? [], asOf).tier.name;
          if (tier !== m.tier) {
            const from = program.tiers.findIndex((t) => t.name === m.tier);
            const to = program.tiers.findIndex((t) => t.name === tier);
            events.push({
              type: 'tier-changed',
              memberId: m.memberId,
              opId: null,
              at: asOf,
              data: { from: m.tier, to: tier, direction: to > from ? 'up' : 'down' },
            });
            next = { ...next, tier };
            run.tierChanges++;
          }
        }
        if (birthdayToday(m.birthday) && !told.has(m.memberId)) {
          events.push({
            type: 'birthday',
            memberId: m.memberId,
            opId: null,
            at: asOf,
            data: { balance: m.balance, year },
          });
          run.birthdays++;
        }
        const due = remindersDue(expiring.get(m.memberId) ?? [], reminderDays, asOf, sent.get(m.memberId) ?? []);
        for (const g of groupReminders(due)) {
          events.push({
            type: 'points-expiring',
            memberId: m.memberId,
            opId: null,
            at: asOf,
            data: {
              points: g.points,
              expiresAt: g.expiresAt,
              lastDay: lastUsableDay(g.expiresAt),
              daysBefore: g.daysBefore,
              lotIds: g.lotIds,
            },
          });
          run.expiryReminders++;
        }
        if (next !== m) changed.push(next);
      }
      if (events.length === 0 && changed.length === 0) return;
      // Status and tier are not balance changes: the members keep their ledger sequence.
      await tx.write({
        ops: [],
        reversals: [],
        members: changed,
        tills: [],
        conflicts: [],
        conflictUpdates: [],
        holds: [],
        ledgerSeq: await tx.ledgerSeq(),
        events,
      });
    });
    onProgress(run.members);
  }
  return run;
}
