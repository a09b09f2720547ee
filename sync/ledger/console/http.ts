/**
 * What every console route shares: reading a bounded JSON body as `unknown` through a schema, answering JSON with
 * the console's headers, and `ConsoleFailure`, the coded refusal a route throws (answered with its status and the
 * code's sentence).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { z } from 'zod';
import { describeIssues } from '../../protocol/messages.ts';
import { consoleErrorMessages, type ConsoleError, type ConsoleErrorCode } from '../../protocol/console-api.ts';

/** The most a console request body may carry. */
export const MAX_CONSOLE_BODY = 64 * 1024;

export class ConsoleFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: ConsoleErrorCode,
    readonly extra: Omit<ConsoleError, 'code' | 'message'> = {},
  ) {
    super(consoleErrorMessages[code]);
    this.name = 'ConsoleFailure';
  }

  get body(): { error: ConsoleError } {
    return { error: { code: this.code, message: consoleErrorMessages[this.code], ...this.extra } };
  }
}

/** Headers on every console API answer: JSON, never cached, never framed or sniffed. */
export const API_HEADERS = {
  'content-type': 'application/json; charset=utf-8',
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
} as const;

export function sendJson(res: ServerResponse, status: number, body: unknown, extra: Record<string, string> = {}): void {
  if (res.headersSent) return;
  res.writeHead(status, { ...API_HEADERS, ...extra });
  res.end(JSON.stringify(body));
}

/** The request's body as text, at most MAX_CONSOLE_BODY bytes (TOO_LARGE beyond). */
export function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_CONSOLE_BODY) {
        reject(new ConsoleFailure(413, 'TOO_LARGE'));
        req.pause();
        return;
      }
      chunks.push(c);
    });
    req.once('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.once('error', reject);
  });
}

/** Parses `text` as JSON through `schema`; BAD_REQUEST with the issues otherwise. */
export function parseBody<T>(schema: z.ZodType<T>, text: string): T {
  let json: unknown;
  try {
    json = text === '' ? {} : JSON.parse(text);
  } catch {
    throw new ConsoleFailure(400, 'BAD_REQUEST', { issues: ['(root): not JSON'] });
  }
  const r = schema.safeParse(json);
  if (!r.success) throw new ConsoleFailure(400, 'BAD_REQUEST', { issues: describeIssues(r.error) });
  return r.data;
}

/** The cookies of a request, by name (the first of a repeated name). */
export function cookies(req: IncomingMessage): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const k = part.slice(0, eq).trim();
    if (!out.has(k)) out.set(k, part.slice(eq + 1).trim());
  }
  return out;
}
