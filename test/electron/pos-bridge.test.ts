import { describe, expect, expectTypeOf, it } from 'vitest';
import { createIpcEngineBridge } from '../../electron/pos-bridge.ts';
import { EngineError, EngineUnavailableError } from '../../electron/pos-contract.ts';
import type { PosPayloads, PosRequestMessage } from '../../electron/pos-contract.ts';
import { answerPosRequest } from '../../electron/pos-dispatch.ts';
import type { PosEngine } from '../../electron/pos-dispatch.ts';
import type { TillEngine } from '../../sync/till/engine.ts';

const ID = '00000000-0000-4000-8000-000000000001';
const MEMBER = '0190a1b2-c3d4-7e5f-8a6b-7c8d9e0f1a2b';
const lookup = { card: '4000-1234' } as PosPayloads['lookup'];

function bridgeWithOutbox(connected = true) {
  const sent: PosRequestMessage[] = [];
  let n = 0;
  const bridge = createIpcEngineBridge(
    (m) => {
      if (connected) sent.push(m);
      return connected;
    },
    () => `00000000-0000-4000-8000-00000000000${++n}`,
  );
  return { bridge, sent };
}

describe('IPC engine bridge', () => {
  it('sends a pos:request with a fresh id and resolves with the response of that id', async () => {
    const { bridge, sent } = bridgeWithOutbox();
    const p = bridge.request('lookup', lookup);
    expect(sent).toEqual([{ id: ID, kind: 'lookup', payload: lookup }]);
    expect(bridge.settle({ id: ID, ok: true, result: { found: true } })).toBe(true);
    await expect(p).resolves.toEqual({ found: true });
    expect(bridge.pendingCount()).toBe(0);
  });

  it("rejects with the engine's code when the renderer answers a refusal", async () => {
    const { bridge } = bridgeWithOutbox();
    const p = bridge.request('lookup', lookup);
    bridge.settle({
      id: ID,
      ok: false,
      error: { code: 'BAD_INPUT', message: 'invalid card', issues: ['card: too short'] },
    });
    const err = await p.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EngineError);
    expect(err).toMatchObject({ engineCode: 'BAD_INPUT', issues: ['card: too short'] });
  });

  it('fails at once with EngineUnavailableError when there is no window to ask', async () => {
    const { bridge } = bridgeWithOutbox(false);
    await expect(bridge.request('lookup', lookup)).rejects.toBeInstanceOf(EngineUnavailableError);
    expect(bridge.pendingCount()).toBe(0);
  });

  it('forgets a request whose caller gave up, and drops its late answer', async () => {
    const { bridge } = bridgeWithOutbox();
    const ac = new AbortController();
    const p = bridge.request('lookup', lookup, ac.signal);
    ac.abort();
    await expect(p).rejects.toThrow('aborted');
    expect(bridge.pendingCount()).toBe(0);
    expect(bridge.settle({ id: ID, ok: true, result: 1 })).toBe(false);
  });

  it('drops an answer for an id it never asked (a made-up response cannot resolve another request)', async () => {
    const { bridge } = bridgeWithOutbox();
    const p = bridge.request('lookup', lookup);
    expect(bridge.settle({ id: '00000000-0000-4000-8000-0000000000ff', ok: true, result: 'forged' })).toBe(false);
    bridge.settle({ id: ID, ok: true, result: 'real' });
    await expect(p).resolves.toBe('real');
  });

  it('fails every pending request when the window goes away', async () => {
    const { bridge } = bridgeWithOutbox();
    const a = bridge.request('lookup', lookup);
    const b = bridge.request('lookup', lookup);
    bridge.failAll();
    await expect(a).rejects.toBeInstanceOf(EngineUnavailableError);
    await expect(b).rejects.toBeInstanceOf(EngineUnavailableError);
  });
});

describe('answerPosRequest (renderer side)', () => {
  const calls: unknown[][] = [];
  const engine: PosEngine = {
    lookup: (...a) => (calls.push(['lookup', ...a]), Promise.resolve({ found: true })),
    quote: (...a) => (calls.push(['quote', ...a]), Promise.resolve({ points: 12 })),
    earn: (...a) => (calls.push(['earn', ...a]), Promise.resolve({ op: 1 })),
    burn: (...a) => (calls.push(['burn', ...a]), Promise.resolve({ ok: true })),
    void: (...a) => (calls.push(['void', ...a]), Promise.resolve({ op: 2 })),
  };

  it('calls the engine method of the kind with its arguments and answers with the same id', async () => {
    const lines = [{ amountCents: 100, category: 'grocery' }];
    const req = { id: ID, kind: 'quote', payload: { memberId: MEMBER, lines } } as PosRequestMessage;
    await expect(answerPosRequest(engine, req)).resolves.toEqual({ id: ID, ok: true, result: { points: 12 } });
    expect(calls.at(-1)).toEqual(['quote', MEMBER, lines]);
    const earn = { id: ID, kind: 'earn', payload: { memberId: MEMBER, lines } } as PosRequestMessage;
    await answerPosRequest(engine, earn);
    expect(calls.at(-1)).toEqual(['earn', { memberId: MEMBER, lines }]);
  });

  it("keeps a TillError's code, message and issues", async () => {
    class TillLikeError extends Error {
      readonly code = 'UNKNOWN_MEMBER';
      readonly issues = ['memberId: unknown'];
    }
    const failing = { ...engine, lookup: () => Promise.reject(new TillLikeError('not held')) };
    const res = await answerPosRequest(failing, { id: ID, kind: 'lookup', payload: lookup });
    expect(res).toEqual({
      id: ID,
      ok: false,
      error: { code: 'UNKNOWN_MEMBER', message: 'not held', issues: ['memberId: unknown'] },
    });
  });

  it('hides unexpected errors behind INTERNAL', async () => {
    const failing = { ...engine, lookup: () => Promise.reject(new TypeError('x is undefined at /secret')) };
    const res = await answerPosRequest(failing, { id: ID, kind: 'lookup', payload: lookup });
    expect(res).toEqual({ id: ID, ok: false, error: { code: 'INTERNAL', message: 'The till engine failed.' } });
  });

  it("fits the till engine's real API", () => {
    expectTypeOf<TillEngine>().toExtend<PosEngine>();
  });
});
