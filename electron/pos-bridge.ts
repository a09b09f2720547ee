/**
 * The EngineBridge of the Electron shell: each POS request goes to the renderer as a `pos:request` message with a
 * fresh id, and waits for the `pos:response` with that id. Pure: `send` is injected (webContents.send in main).
 *
 * A request is pending from `request()` until its response is settled or its signal aborts (the POS API's timeout);
 * a response for an id no longer pending (late, or made up) is dropped. A refusal with ENGINE_UNAVAILABLE_CODE
 * rejects with EngineUnavailableError, like a missing window.
 */
import { randomUUID } from 'node:crypto';
import { ENGINE_UNAVAILABLE_CODE, EngineError, EngineUnavailableError } from './pos-contract.ts';
import type { EngineBridge, PosKind, PosPayloads, PosRequestMessage, PosResponseMessage } from './pos-contract.ts';

export interface IpcEngineBridge extends EngineBridge {
  /** Delivers the renderer's answer; false when no request with this id is pending. */
  settle(response: PosResponseMessage): boolean;
  /** Fails every pending request (the window went away). */
  failAll(): void;
  pendingCount(): number;
}

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
}

/**
 * A bridge that sends through `send`, which returns false when there is no renderer to send to (then the request
 * fails at once with EngineUnavailableError).
 */
export function createIpcEngineBridge(
  send: (message: PosRequestMessage) => boolean,
  newId: () => string = randomUUID,
): IpcEngineBridge {
  const pending = new Map<string, Pending>();
  return {
    request<K extends PosKind>(kind: K, payload: PosPayloads[K], signal?: AbortSignal): Promise<unknown> {
      return new Promise<unknown>((resolve, reject) => {
        if (signal?.aborted) return reject(new Error('aborted'));
        const id = newId();
        const onAbort = (): void => {
          pending.delete(id);
          reject(new Error('aborted'));
        };
        const done = (): void => {
          pending.delete(id);
          signal?.removeEventListener('abort', onAbort);
        };
        pending.set(id, {
          resolve: (v) => {
            done();
            resolve(v);
          },
          reject: (e) => {
            done();
            reject(e);
          },
        });
        signal?.addEventListener('abort', onAbort, { once: true });
        // The union of messages cannot be built from a generic K without a cast; the POS API parsed the payload.
        const message = { id, kind, payload } as PosRequestMessage;
        if (!send(message)) pending.get(id)?.reject(new EngineUnavailableError());
      });
    },
    settle(response: PosResponseMessage): boolean {
      const p = pending.get(response.id);
      if (!p) return false;
      if (response.ok) p.resolve(response.result);
      // The page is there but its engine is not running yet: the same as no window, so the POS may retry.
      else if (response.error.code === ENGINE_UNAVAILABLE_CODE) p.reject(new EngineUnavailableError());
      else p.reject(new EngineError(response.error.code, response.error.message, response.error.issues ?? []));
      return true;
    },
    failAll(): void {
      for (const p of [...pending.values()]) p.reject(new EngineUnavailableError());
    },
    pendingCount: () => pending.size,
  };
}
