/** A bare socket.io client speaking the till protocol, for tests of the ledger's edges. */
import { io, type Socket } from 'socket.io-client';
import { PROTOCOL_VERSION } from '../../sync/protocol/messages.ts';
import type { ClientToServerEvents, ServerToClientEvents } from '../../sync/protocol/messages.ts';
import type { TillCredentials } from './seed.ts';

export type RawSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

export interface ConnectResult {
  socket: RawSocket;
  error?: { code: string; message: string };
}

/** Connects with the given handshake auth; resolves with the socket or the ledger's refusal. */
export function connectRaw(url: string, auth: Record<string, unknown>): Promise<ConnectResult> {
  const socket: RawSocket = io(`${url}/till`, { auth, reconnection: false, transports: ['websocket'], forceNew: true });
  return new Promise((resolve) => {
    socket.once('connect', () => resolve({ socket }));
    socket.once('connect_error', (err: Error & { data?: { code: string; message: string } }) => {
      socket.close();
      resolve({ socket, error: err.data ?? { code: 'TRANSPORT', message: err.message } });
    });
  });
}

export async function connectTill(url: string, till: TillCredentials): Promise<RawSocket> {
  const r = await connectRaw(url, { ...till, protocolVersion: PROTOCOL_VERSION });
  if (r.error) throw new Error(`till ${till.tillId} refused: ${r.error.code}`);
  return r.socket;
}

/** Emits any event with any payload and waits for the answer. */
export function request(socket: RawSocket, event: string, payload: unknown, timeoutMs = 10_000): Promise<unknown> {
  return (socket.timeout(timeoutMs) as unknown as { emitWithAck(e: string, p: unknown): Promise<unknown> }).emitWithAck(
    event,
    payload,
  );
}
