/**
 * The ledger's logger redacts till tokens and their hashes. pino writes to the process's standard output, so the
 * logger runs in a child process and its output is read back.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { hashToken, newToken } from '../../../sync/ledger/tokens.ts';

const run = promisify(execFile);
const repo = fileURLToPath(new URL('../../../', import.meta.url));

/** Logs each entry as `logger.info(entry, message)` with the ledger's createLogger; returns the JSON lines. */
async function logLines(entries: { entry: unknown; message: string }[]): Promise<Record<string, unknown>[]> {
  const script = `
    import { createLogger } from './sync/ledger/log.ts';
    const logger = createLogger('info');
    for (const { entry, message } of JSON.parse(process.env.ENTRIES)) logger.info(entry, message);
  `;
  const { stdout } = await run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: repo,
    env: { ...process.env, ENTRIES: JSON.stringify(entries) },
  });
  return stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('ledger log redaction', () => {
  it('never writes a till token or its hash, wherever the server logs a till authenticating', async () => {
    const token = newToken();
    const hash = hashToken(token);
    const lines = await logLines([
      { entry: { tillId: 'a1', token }, message: 'till auth' },
      { entry: { auth: { tillId: 'a1', storeId: 'store-a', token } }, message: 'handshake' },
      { entry: { till: { tillId: 'a1', tokenHash: hash }, tokenHash: hash }, message: 'till record' },
      { entry: { req: { token } }, message: 'request' },
      { entry: { handshake: { auth: { tillId: 'a1', token } } }, message: 'socket handshake' },
      { entry: { webhook: { url: 'https://crm.example', secret: 'hook-secret-123' } }, message: 'webhook' },
    ]);
    expect(lines).toHaveLength(6);
    expect(JSON.stringify(lines)).not.toContain('hook-secret-123');
    const text = JSON.stringify(lines);
    expect(text).not.toContain(token);
    expect(text).not.toContain(hash);
    expect(lines[0]).toMatchObject({ msg: 'till auth', tillId: 'a1', token: '[redacted]', svc: 'ledger' });
    expect(lines[1]).toMatchObject({ auth: { tillId: 'a1', token: '[redacted]' } });
    expect(lines[2]).toMatchObject({ tokenHash: '[redacted]', till: { tillId: 'a1', tokenHash: '[redacted]' } });
  });
});
