/**
 * One HTTP request to 127.0.0.1 with exactly the method, target, headers and body given (node:http, no agent, no
 * normalisation): for the tests and fuzzers of the ledger's and the POS API's HTTP edges.
 */
import http from 'node:http';

export interface RawHttpRequest {
  method?: string;
  path: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Send the body without a Content-Length (chunked encoding). */
  chunked?: boolean;
  /** False: no Host header unless `headers` has one. */
  setHost?: boolean;
  /** Fail when no answer came in this time. */
  timeoutMs?: number;
}

export interface RawHttpAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

export function sendRaw(port: number, req: RawHttpRequest): Promise<RawHttpAnswer> {
  return new Promise((resolve, reject) => {
    const headers = { ...req.headers };
    if (req.body !== undefined && req.chunked !== true) headers['content-length'] = String(Buffer.byteLength(req.body));
    const r = http.request(
      {
        host: '127.0.0.1',
        port,
        method: req.method ?? 'GET',
        path: req.path,
        headers,
        agent: false,
        ...(req.setHost === false ? { setHost: false } : {}),
        ...(req.timeoutMs !== undefined ? { timeout: req.timeoutMs } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', reject);
      },
    );
    r.on('timeout', () => r.destroy(new Error(`no answer in ${req.timeoutMs ?? 0} ms`)));
    // The server may answer (404, 405, 413) and close before reading a large body: the write then fails with EPIPE
    // or ECONNRESET, and the answer already sent is what is checked. Without an answer, the error stands.
    let cut: Error | undefined;
    let answered = false;
    r.on('response', () => (answered = true));
    r.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE' || e.code === 'ECONNRESET') cut = e;
      else reject(e);
    });
    r.on('close', () => {
      if (!answered) reject(cut ?? new Error('connection closed without an answer'));
    });
    if (req.body !== undefined) r.write(req.body);
    r.end();
  });
}
