import { firstValueFrom, filter } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { electLeader, inProcessLocks } from '../../../sync/till/leader.ts';

/** A task that records when it starts and stops leading. */
function task(log: string[], name: string) {
  return () => {
    log.push(`${name} starts`);
    return Promise.resolve(() => {
      log.push(`${name} stops`);
      return Promise.resolve();
    });
  };
}

describe('leader election', () => {
  it('gives one leader among several windows, and fails over in order when the leader closes', async () => {
    const locks = inProcessLocks();
    const log: string[] = [];
    const a = electLeader('till-1/replicator', task(log, 'a'), locks);
    const b = electLeader('till-1/replicator', task(log, 'b'), locks);
    const c = electLeader('till-1/replicator', task(log, 'c'), locks);
    await firstValueFrom(a.isLeader$.pipe(filter(Boolean)));
    expect([a.isLeader, b.isLeader, c.isLeader]).toEqual([true, false, false]);

    await a.close();
    await firstValueFrom(b.isLeader$.pipe(filter(Boolean)));
    expect([a.isLeader, b.isLeader, c.isLeader]).toEqual([false, true, false]);
    expect(log).toEqual(['a starts', 'a stops', 'b starts']);

    // A window still waiting that closes never leads.
    await c.close();
    await b.close();
    expect(log).toEqual(['a starts', 'a stops', 'b starts', 'b stops']);
  });

  it('different tills do not share a lock', async () => {
    const locks = inProcessLocks();
    const log: string[] = [];
    const a = electLeader('till-1/replicator', task(log, 'a'), locks);
    const b = electLeader('till-2/replicator', task(log, 'b'), locks);
    await firstValueFrom(a.isLeader$.pipe(filter(Boolean)));
    await firstValueFrom(b.isLeader$.pipe(filter(Boolean)));
    await Promise.all([a.close(), b.close()]);
  });

  it('a waiting window takes over after the leader closes, even when queued before the leader started its task', async () => {
    const locks = inProcessLocks();
    const log: string[] = [];
    const a = electLeader('x', task(log, 'a'), locks);
    const b = electLeader('x', task(log, 'b'), locks);
    await a.close();
    await firstValueFrom(b.isLeader$.pipe(filter(Boolean)));
    await b.close();
    expect(log.filter((l) => l.startsWith('b'))).toEqual(['b starts', 'b stops']);
  });
});
