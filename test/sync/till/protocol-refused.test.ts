/**
 * A till the ledger refuses for its protocol version (PROTOCOL_VERSION, a final refusal) keeps journaling offline:
 * an earn is durable and waits in the outbox, a burn is decided offline within floor limits, nothing is sent. Its
 * status carries the refusal, which the header and the manager's screen turn into "update the till" and the tray
 * says in a few words.
 */
import { firstValueFrom, filter } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { trayModel } from '../../../electron/tray-model.ts';
import { toSyncReport } from '../../../renderer/host.ts';
import { PROTOCOL_VERSION_NOTICE, syncNotice } from '../../../renderer/sync-notice.ts';
import type { Cents, Points } from '../../../sync/loyalty/units.ts';
import { wireError } from '../../../sync/protocol/errors.ts';
import type { MemberSnapshot } from '../../../sync/protocol/messages.ts';
import { Replicator } from '../../../sync/till/replicator.ts';
import { applySnapshot } from '../../../sync/till/view.ts';
import { FakeLedger } from './support/fake-ledger.ts';
import { FakeTransport } from './support/fake-transport.ts';
import { testProgram } from './support/program.ts';
import { TILL, makeTill, memberId } from './support/till.ts';
import type { TestTill } from './support/till.ts';

const M1 = memberId(1);

/** Like socketTransport against a ledger that does not speak this till's protocol: every handshake is refused. */
class VersionRefusingTransport extends FakeTransport {
  handshakes = 0;
  override connect(): void {
    this.handshakes++;
    this.lastErrorSubject.next(wireError('PROTOCOL_VERSION'));
  }
}

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function refusedTill(): Promise<{ t: TestTill; transport: VersionRefusingTransport; replicator: Replicator }> {
  const t = await makeTill();
  cleanup.push(() => t.db.close());
  const snap: MemberSnapshot = {
    memberId: M1,
    card: '1000-0001' as MemberSnapshot['card'],
    name: 'Ada',
    balance: 500 as Points,
    lifetimePoints: 500 as Points,
    welcomeGiven: true,
    ledgerSeq: 1,
  };
  await t.db.transaction('rw', t.db.members, () => applySnapshot(t.db, snap, 0, 0));
  const transport = new VersionRefusingTransport(new FakeLedger(testProgram()), TILL, { connected: false });
  const replicator = new Replicator({ db: t.db, transport, tillId: TILL, clock: t.clock, maxWaitMs: 1e9 });
  await replicator.start();
  cleanup.push(() => replicator.stop());
  t.engine.setLink(replicator);
  return { t, transport, replicator };
}

describe('a till refused for its protocol version', () => {
  it('journals an earn and an offline burn, sends nothing, and its status says PROTOCOL_VERSION', async () => {
    const { t, transport, replicator } = await refusedTill();
    expect(transport.handshakes).toBeGreaterThan(0);

    const earn = await t.engine.earn({ memberId: M1, lines: [{ amountCents: 2500 as Cents, category: 'grocery' }] });
    expect(await t.db.ops.get(earn.op.opId)).toMatchObject({ seq: 1, status: 'pending' });
    const burn = await t.engine.burn({ memberId: M1, what: { type: 'reward', rewardId: 'coffee' } });
    expect(burn).toMatchObject({ ok: true, mode: 'offline' });
    expect((await t.engine.memberView(M1))?.displayed).toBe(500 + 25 - 100);

    const status = await firstValueFrom(replicator.status$.pipe(filter((s) => s.pending === 2)));
    expect(status.state).toBe('offline');
    expect(status.lastError?.code).toBe('PROTOCOL_VERSION');
    expect(transport.sent).toEqual([]);

    // What the header and the manager's screen say, and the tray.
    expect(syncNotice(status.lastError)).toBe(PROTOCOL_VERSION_NOTICE);
    expect(PROTOCOL_VERSION_NOTICE).toMatch(/update the till.*still recorded/);
    const tray = trayModel({
      sync: toSyncReport(status, 0),
      posApiPort: null,
      startAtLogin: false,
      startAtLoginSupported: true,
    });
    expect(tray.tooltip).toBe('Loyalty till: update the till: the ledger refuses its version, 2 ops waiting');
    expect(tray.iconName).toBe('tray-error');
  });

  it('other refusals keep their usual wording', () => {
    expect(syncNotice(null)).toBeNull();
    expect(syncNotice({ code: 'AUTH_FAILED' })).toBeNull();
    expect(syncNotice({ code: 'TILL_REVOKED' })).toBeNull();
    const tray = trayModel({
      sync: {
        state: 'offline',
        pending: 0,
        oldestPendingAgeMs: null,
        lastSyncAt: null,
        lastError: { code: 'TILL_REVOKED', message: 'x' },
      },
      posApiPort: null,
      startAtLogin: false,
      startAtLoginSupported: true,
    });
    expect(tray.tooltip).toBe('Loyalty till: sync error (TILL_REVOKED)');
  });
});
