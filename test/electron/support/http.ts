/** A raw HTTP client for the POS API tests: node:http, so that Host, Origin and bodies are exactly what we send. */
import type http from 'node:http';
import { sendRaw } from '../../support/raw-http.ts';

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: unknown;
}

export interface RawRequest {
  method?: string;
  path: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Send the body in chunks without a Content-Length (chunked encoding). */
  chunked?: boolean;
}

/** Sends one request to 127.0.0.1:`port` and reads the whole answer as JSON (or text when it is not JSON). */
export async function rawRequest(port: number, req: RawRequest): Promise<RawResponse> {
  const a = await sendRaw(port, { ...req, headers: { host: `127.0.0.1:${port}`, ...req.headers } });
  let body: unknown = a.text;
  try {
    body = JSON.parse(a.text) as unknown;
  } catch {
    // not JSON: keep the text
  }
  return { status: a.status, headers: a.headers, body };
}
