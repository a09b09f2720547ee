/**
 * TLS for the ledger: a PEM certificate (chain) and its private key, from `ledger serve --tls-cert FILE --tls-key
 * FILE` or $LEDGER_TLS_CERT / $LEDGER_TLS_KEY. Both are read and checked (PEM, key matching the certificate) before
 * the server listens, so a bad file is a startup error with a code, never a server that fails on each handshake.
 */
import { readFile } from 'node:fs/promises';
import { createSecureContext } from 'node:tls';
import { CodedError } from '../protocol/errors.ts';

export interface TlsFiles {
  cert: string;
  key: string;
}

/** The PEM texts the HTTPS server is given. */
export interface TlsMaterial {
  cert: string;
  key: string;
}

/**
 * Which files TLS uses: both given, or neither (undefined: plain HTTP). One without the other is an error, as a
 * ledger meant to be private must not quietly start in the clear.
 */
export function tlsFilesFrom(
  cert: string | undefined,
  key: string | undefined,
  what = '--tls-cert and --tls-key',
): TlsFiles | undefined {
  const c = cert?.trim() || undefined;
  const k = key?.trim() || undefined;
  if (c === undefined && k === undefined) return undefined;
  if (c === undefined || k === undefined)
    throw new CodedError('TLS_INCOMPLETE', `give both ${what}: a certificate without its key (or the reverse).`);
  return { cert: c, key: k };
}

/** The files named by LEDGER_TLS_CERT and LEDGER_TLS_KEY, if set. */
export function tlsFilesFromEnv(env: Readonly<Record<string, string | undefined>> = process.env): TlsFiles | undefined {
  return tlsFilesFrom(env['LEDGER_TLS_CERT'], env['LEDGER_TLS_KEY'], 'LEDGER_TLS_CERT and LEDGER_TLS_KEY');
}

async function readPem(file: string, what: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (e) {
    const code = e instanceof Error && 'code' in e ? String(e.code) : 'unreadable';
    throw new CodedError('TLS_FILE_MISSING', `cannot read the TLS ${what} ${file} (${code}).`);
  }
}

/** Reads both files and checks that they make a usable TLS context. */
export async function loadTls(files: TlsFiles): Promise<TlsMaterial> {
  const cert = await readPem(files.cert, 'certificate');
  const key = await readPem(files.key, 'key');
  if (!cert.includes('-----BEGIN CERTIFICATE-----'))
    throw new CodedError('TLS_INVALID', `${files.cert} holds no PEM certificate (-----BEGIN CERTIFICATE-----).`);
  try {
    createSecureContext({ cert, key });
  } catch (e) {
    // OpenSSL's reason, e.g. "key values mismatch" or "bad decrypt"; never the key itself.
    const reason = e instanceof Error ? e.message.replace(/^error:[0-9A-F]+:/, '') : String(e);
    throw new CodedError('TLS_INVALID', `${files.cert} and ${files.key} do not make a TLS certificate: ${reason}.`);
  }
  return { cert, key };
}
