import type { IncomingMessage, ServerResponse } from 'node:http';
import { wireError } from '../protocol/errors.ts';

/** The most a request body to the ledger's HTTP endpoints may carry; none of them reads one. */
export const MAX_DISCARDED_BODY_BYTES = 8 * 1024 * 1024;

/**
 * Runs `answer` once the request's body (if any) has been read and thrown away. Answering and closing while the client
 * is still sending makes the kernel reset the connection, and the reset can destroy the answer before the client
 * reads it. A body over `maxBytes` gets 413 and the connection is cut.
 */
export function afterBodyDiscarded(
  req: IncomingMessage,
  res: ServerResponse,
  answer: () => void,
  maxBytes = MAX_DISCARDED_BODY_BYTES,
): void {
  const length = req.headers['content-length'];
  const hasBody = req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
  if (!hasBody || req.complete) {
    answer();
    return;
  }
  let seen = 0;
  let refused = false;
  req.on('data', (chunk: Buffer) => {
    seen += chunk.length;
    if (seen <= maxBytes || refused) return;
    refused = true;
    req.pause();
    res.writeHead(413, {
      'content-type': 'application/json; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'close',
    });
    res.end(JSON.stringify({ error: wireError('MESSAGE_TOO_LARGE') }), () => req.socket.destroy());
  });
  req.once('end', () => {
    if (!refused) answer();
  });
}
