import { describe, expect, it } from 'vitest';
import { startPosApi } from '../../electron/pos-api.ts';
import { createIpcEngineBridge } from '../../electron/pos-bridge.ts';
import type { IpcEngineBridge } from '../../electron/pos-bridge.ts';
import { ENGINE_UNAVAILABLE_CODE, EngineError, EngineUnavailableError } from '../../electron/pos-contract.ts';
import type { PosPayloads, PosRequestMessage } from '../../electron/pos-contract.ts';
import { answerPosRequest } from '../../renderer/pos-dispatch.ts';
import { rawRequest } from './support/http.ts';

const ID = '00000000-0000-4000-8000-000000000001';
const lookup: PosPayloads['lookup'] = { card: '4000-1234' };

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

  it('rejects with EngineUnavailableError (not an engine refusal) when the page answers that its engine is not running', async () => {
    const { bridge } = bridgeWithOutbox();
    const p = bridge.request('lookup', lookup);
    bridge.settle({ id: ID, ok: false, error: { code: ENGINE_UNAVAILABLE_CODE, message: 'starting' } });
    await expect(p).rejects.toBeInstanceOf(EngineUnavailableError);
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

describe('POS API -> IPC bridge -> a page whose engine is not running', () => {
  it('answers 503 ENGINE_UNAVAILABLE at once (retry later), not a timeout with an unknown outcome', async () => {
    const silent = { info: () => {}, warn: () => {}, error: () => {} };
    // The page side: the renderer's dispatch with no engine yet, answered on the next tick as IPC would.
    const bridge: IpcEngineBridge = createIpcEngineBridge((message) => {
      void answerPosRequest(null, message).then((response) => bridge.settle(response));
      return true;
    });
    const token = 'tok_' + 'a1B2c3D4'.repeat(5);
    const server = await startPosApi({ token, bridge, logger: silent, port: 0, engineTimeoutMs: 60_000 });
    try {
      const r = await rawRequest(server.port, {
        method: 'POST',
        path: '/v1/lookup',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ card: '4000-1234' }),
      });
      expect(r.status).toBe(503);
      expect(r.body).toMatchObject({ error: { code: 'ENGINE_UNAVAILABLE' } });
    } finally {
      await server.close();
    }
  });
});
