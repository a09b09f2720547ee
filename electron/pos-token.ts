/**
 * The POS API's per-install token: 256 random bits, made on first run and kept in a file readable by the till's
 * user only (mode 0600), so that the POS on this machine can be configured with it and other users cannot read it.
 * On Windows the mode is not enforced by the file system; the file lives in the user's own profile.
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';

export const POS_TOKEN_FILE = 'pos-api-token';
const TOKEN_BYTES = 32;
/** base64url of 32 bytes: 43 characters. */
const TOKEN_FORMAT = /^[A-Za-z0-9_-]{43}$/;

/** A fresh token: 256 random bits as base64url. */
export function newPosToken(): string {
  return randomBytes(TOKEN_BYTES).toString('base64url');
}

function isErrno(e: unknown, code: string): boolean {
  return e instanceof Error && (e as NodeJS.ErrnoException).code === code;
}

/**
 * The token stored under `dataDir`, created on first call. A file with looser permissions is tightened to 0600; a
 * file that does not hold a well-formed token is an error (not silently replaced: the POS is configured with it).
 */
export async function loadOrCreatePosToken(dataDir: string, make: () => string = newPosToken): Promise<string> {
  const file = path.join(dataDir, POS_TOKEN_FILE);
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  try {
    const token = make();
    if (!TOKEN_FORMAT.test(token)) throw new Error('a new POS token must be 43 base64url characters');
    // 'wx': create only if absent, so two starting instances cannot overwrite each other's token.
    await writeFile(file, `${token}\n`, { flag: 'wx', mode: 0o600 });
    return token;
  } catch (e) {
    if (!isErrno(e, 'EEXIST')) throw e;
  }
  if (process.platform !== 'win32' && ((await stat(file)).mode & 0o077) !== 0) await chmod(file, 0o600);
  const token = (await readFile(file, 'utf8')).trim();
  if (!TOKEN_FORMAT.test(token)) {
    throw new Error(`${file} does not hold a valid POS API token; delete it to make a new one`);
  }
  return token;
}
