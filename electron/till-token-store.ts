/**
 * Where the till's ledger token lives: in the main process's data folder, encrypted with the OS keychain through
 * Electron's safeStorage where it is available (the cipher is injected, so this module runs under Node), else as
 * plain text in a 0600 file. The renderer can set it and read it into memory for the socket handshake, but never
 * keeps it in its own storage.
 */
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { TillTokenSchema } from './settings-schema.ts';

export const TILL_TOKEN_FILE = 'till-token.json';

/** The part of Electron's safeStorage this store uses. */
export interface SecretCipher {
  isEncryptionAvailable(): boolean;
  encryptString(plainText: string): Buffer;
  decryptString(encrypted: Buffer): string;
}

const StoredTokenSchema = z.object({
  v: z.literal(1),
  scheme: z.enum(['safeStorage', 'plain']),
  data: z.string().max(4096),
});
export type TokenScheme = z.infer<typeof StoredTokenSchema>['scheme'];

/** Stores the till token, encrypted when the OS offers it; says which way it was stored. */
export async function saveTillToken(dataDir: string, token: string, cipher: SecretCipher): Promise<TokenScheme> {
  const valid = TillTokenSchema.parse(token);
  const scheme: TokenScheme = cipher.isEncryptionAvailable() ? 'safeStorage' : 'plain';
  const data =
    scheme === 'safeStorage'
      ? cipher.encryptString(valid).toString('base64')
      : Buffer.from(valid, 'utf8').toString('base64');
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const file = path.join(dataDir, TILL_TOKEN_FILE);
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, JSON.stringify({ v: 1, scheme, data }), { mode: 0o600 });
  await rename(tmp, file);
  return scheme;
}

/** The stored till token, or null when none was set. A token stored encrypted needs the same OS keychain. */
export async function loadTillToken(dataDir: string, cipher: SecretCipher): Promise<string | null> {
  let text: string;
  try {
    text = await readFile(path.join(dataDir, TILL_TOKEN_FILE), 'utf8');
  } catch (e) {
    if (e instanceof Error && (e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
  const stored = StoredTokenSchema.parse(JSON.parse(text) as unknown);
  const bytes = Buffer.from(stored.data, 'base64');
  const token = stored.scheme === 'safeStorage' ? cipher.decryptString(bytes) : bytes.toString('utf8');
  return TillTokenSchema.parse(token);
}

/** Forgets the till token (e.g. when head office revokes the till). */
export async function clearTillToken(dataDir: string): Promise<void> {
  await rm(path.join(dataDir, TILL_TOKEN_FILE), { force: true });
}
