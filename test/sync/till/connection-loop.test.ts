import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ConnectionLoop } from '../../../sync/till/connection-loop.ts';

/** A send delegate that logs the fake time of each call and answers from a script (true by default). */
function recorder(answers: Array<boolean | Promise<boolean>> = []) {
  const calls: number[] = [];
  const send = (): Promise<boolean> => {
    calls.push(Date.now());
    return Promise.resolve(answers.length > 0 ? answers.shift()! : true);
  };
  return { calls, send };
}

beforeEach(() => {
  vi.useFakeTimers({ now: 0 });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('ConnectionLoop batching', () => {
  it('sends at most maxWaitMs after the first kick, gathering later kicks into the same send', async () => {
    const r = recorder();
    const loop = new ConnectionLoop({ send: r.send, maxWaitMs: 50 });
    loop.kick(1);
    await vi.advanceTimersByTimeAsync(30);
    loop.kick(2);
    await vi.advanceTimersByTimeAsync(19);
    expect(r.calls).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(r.calls).toEqual([50]);
    await vi.advanceTimersByTimeAsync(500);
    expect(r.calls).toEqual([50]);
    await loop.close();
  });

  it('sends at once when a full batch is waiting', async () => {
    const r = recorder();
    const loop = new ConnectionLoop({ send: r.send, maxWaitMs: 50, maxBatchOps: 200 });
    loop.kick(199);
    await vi.advanceTimersByTimeAsync(10);
    loop.kick(200);
    await vi.advanceTimersByTimeAsync(0);
    expect(r.calls).toEqual([10]);
    await loop.close();
  });

  it('keeps one send in flight; kicks during a flight are served after it', async () => {
    let finish!: (ok: boolean) => void;
    const first = new Promise<boolean>((resolve) => (finish = resolve));
    const r = recorder([first]);
    const loop = new ConnectionLoop({ send: r.send, maxWaitMs: 50, maxBatchOps: 10 });
    loop.kick(10);
    await vi.advanceTimersByTimeAsync(0);
    expect(loop.sending).toBe(true);
    loop.kick(10);
    loop.kick(10);
    await vi.advanceTimersByTimeAsync(1000);
    expect(r.calls).toEqual([0]);
    finish(true);
    await vi.advanceTimersByTimeAsync(0);
    expect(r.calls).toEqual([0, 1000]);
    await loop.close();
  });

  it('does not send while disabled, and sends once enabled', async () => {
    const r = recorder();
    const loop = new ConnectionLoop({ send: r.send, maxWaitMs: 50, enabled: false });
    loop.kick(1);
    await vi.advanceTimersByTimeAsync(1000);
    expect(r.calls).toEqual([]);
    loop.setEnabled(true);
    await vi.advanceTimersByTimeAsync(0);
    expect(r.calls).toEqual([1000]);
    await loop.close();
  });
});

describe('ConnectionLoop backoff', () => {
  it('retries a failed send with exponential backoff, full jitter, capped', async () => {
    const r = recorder(Array<boolean>(12).fill(false));
    const loop = new ConnectionLoop({
      send: r.send,
      maxWaitMs: 0,
      backoffBaseMs: 100,
      backoffCapMs: 30_000,
      random: () => 0.5,
    });
    loop.kick(1);
    await vi.advanceTimersByTimeAsync(200_000);
    const gaps = r.calls.slice(1).map((t, i) => t - r.calls[i]!);
    // 0.5 x 100, 200, 400, ... up to 0.5 x the 30 s cap; the 13th send succeeds and the loop goes quiet.
    expect(gaps).toEqual([50, 100, 200, 400, 800, 1600, 3200, 6400, 12800, 15000, 15000, 15000]);
    expect(loop.failureCount).toBe(0);
    await loop.close();
  });

  it('draws each delay uniformly below the exponential ceiling', () => {
    const draws = [0, 0.25, 0.999];
    const loop = new ConnectionLoop({
      send: () => Promise.resolve(true),
      backoffBaseMs: 100,
      backoffCapMs: 1000,
      random: () => draws.shift() ?? 0,
    });
    expect(loop.backoffMs(3)).toBe(0);
    expect(loop.backoffMs(3)).toBe(100);
    expect(loop.backoffMs(20)).toBe(999);
  });

  it('a thrown send counts as a failure', async () => {
    let n = 0;
    const loop = new ConnectionLoop({
      send: () => (++n === 1 ? Promise.reject(new Error('boom')) : Promise.resolve(true)),
      maxWaitMs: 0,
      random: () => 0.5,
    });
    loop.kick(1);
    await vi.advanceTimersByTimeAsync(49);
    expect(n).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(n).toBe(2);
    await loop.close();
  });

  it('obeys retryAfterMs: nothing is sent before it, even a full batch', async () => {
    const r = recorder();
    const loop = new ConnectionLoop({ send: r.send, maxWaitMs: 50, maxBatchOps: 10 });
    loop.retryAfter(5_000);
    loop.kick(10);
    await vi.advanceTimersByTimeAsync(4_999);
    expect(r.calls).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(r.calls).toEqual([5_000]);
    await loop.close();
  });

  it('an OVERLOADED answer (retryAfter during a failed send) wins over a shorter backoff', async () => {
    const r = recorder([false]);
    const loop: ConnectionLoop = new ConnectionLoop({
      send: async () => {
        const ok = await r.send();
        if (!ok) loop.retryAfter(2_000);
        return ok;
      },
      maxWaitMs: 0,
      random: () => 0.5,
    });
    loop.kick(1);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(r.calls).toEqual([0, 2_000]);
    await loop.close();
  });
});

describe('ConnectionLoop resends', () => {
  it('resends a timed-out batch with the same op ids, and only then the next ones', async () => {
    const outbox = ['op-1', 'op-2', 'op-3'];
    const batches: string[][] = [];
    const lost = [true];
    const loop = new ConnectionLoop({
      maxWaitMs: 0,
      random: () => 0.5,
      send: () => {
        const batch = outbox.slice(0, 2);
        batches.push(batch);
        // The first answer is lost: nothing leaves the outbox.
        if (lost.shift()) return Promise.resolve(false);
        outbox.splice(0, batch.length);
        if (outbox.length > 0) loop.kick(outbox.length);
        return Promise.resolve(true);
      },
    });
    loop.kick(outbox.length);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(batches).toEqual([['op-1', 'op-2'], ['op-1', 'op-2'], ['op-3']]);
    await loop.close();
  });
});

describe('ConnectionLoop forced sync', () => {
  it('a forced sync skips the backoff of earlier failures but still honours the ledger retryAfterMs', async () => {
    const r = recorder([false, false, false, true, true]);
    const loop = new ConnectionLoop({
      send: r.send,
      maxWaitMs: 0,
      backoffBaseMs: 10_000,
      backoffCapMs: 60_000,
      random: () => 1,
    });
    loop.kick(1);
    await vi.advanceTimersByTimeAsync(35_000); // sends at 0, 10 000 and 30 000; the next would wait 40 s
    expect(r.calls).toEqual([0, 10_000, 30_000]);
    loop.force();
    await vi.advanceTimersByTimeAsync(0);
    expect(r.calls).toEqual([0, 10_000, 30_000, 35_000]);
    loop.retryAfter(5_000);
    loop.force();
    await vi.advanceTimersByTimeAsync(4_999);
    expect(r.calls).toHaveLength(4);
    await vi.advanceTimersByTimeAsync(1);
    expect(r.calls).toEqual([0, 10_000, 30_000, 35_000, 40_000]);
    await loop.close();
  });
});
