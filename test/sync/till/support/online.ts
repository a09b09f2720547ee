/** A test till linked to a FakeLedger through a real Replicator whose loop never fires by itself (tests drive sync). */
import { Replicator } from '../../../../sync/till/replicator.ts';
import type { FakeLedger } from './fake-ledger.ts';
import { FakeTransport } from './fake-transport.ts';
import { TILL, type TestTill } from './till.ts';

export interface OnlineLink {
  transport: FakeTransport;
  replicator: Replicator;
  stop: () => Promise<void>;
}

/** Starts the replicator, pulls everything once and makes it the engine's link. */
export async function linkToFakeLedger(t: TestTill, ledger: FakeLedger): Promise<OnlineLink> {
  const transport = new FakeTransport(ledger, TILL);
  const replicator = new Replicator({ db: t.db, transport, tillId: TILL, clock: t.clock, maxWaitMs: 1e9 });
  await replicator.start();
  await replicator.pullAll();
  t.engine.setLink(replicator);
  return { transport, replicator, stop: () => replicator.stop() };
}
