import { mkdtemp, readFile, rm, stat, writeFile, chmod } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { autostartDesktopEntry, autostartFile, quoteExecArg } from '../../electron/autostart.ts';
import { jsonLinesLogger } from '../../electron/logger.ts';
import { POS_TOKEN_FILE, loadOrCreatePosToken, newPosToken } from '../../electron/pos-token.ts';
import {
  SETTINGS_FILE,
  applySettingsPatch,
  defaultSettings,
  loadSettings,
  saveSettings,
} from '../../electron/settings.ts';
import { TILL_TOKEN_FILE, loadTillToken, saveTillToken } from '../../electron/till-token-store.ts';
import type { SecretCipher } from '../../electron/till-token-store.ts';

const posix = process.platform !== 'win32';
let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'till-shell-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('POS API token file', () => {
  it('is 256 random bits as base64url', () => {
    const t = newPosToken();
    expect(t).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(t, 'base64url')).toHaveLength(32);
    expect(newPosToken()).not.toBe(t);
  });

  it.runIf(posix)('is created on first run, readable by the owner only (0600)', async () => {
    const token = await loadOrCreatePosToken(path.join(dir, 'data'));
    expect(((await stat(path.join(dir, 'data', POS_TOKEN_FILE))).mode & 0o777).toString(8)).toBe('600');
    expect((await readFile(path.join(dir, 'data', POS_TOKEN_FILE), 'utf8')).trim()).toBe(token);
  });

  it('is the same on every later run (the POS is configured with it)', async () => {
    const first = await loadOrCreatePosToken(dir);
    await expect(loadOrCreatePosToken(dir)).resolves.toBe(first);
  });

  it('keeps one token when two instances start at once', async () => {
    const [a, b] = await Promise.all([loadOrCreatePosToken(dir), loadOrCreatePosToken(dir)]);
    expect(a).toBe(b);
  });

  it.runIf(posix)('tightens a token file that others can read back to 0600', async () => {
    await loadOrCreatePosToken(dir);
    await chmod(path.join(dir, POS_TOKEN_FILE), 0o644);
    await loadOrCreatePosToken(dir);
    expect((await stat(path.join(dir, POS_TOKEN_FILE))).mode & 0o777).toBe(0o600);
  });

  it('refuses a damaged token file instead of silently replacing the token', async () => {
    await writeFile(path.join(dir, POS_TOKEN_FILE), 'short\n', { mode: 0o600 });
    await expect(loadOrCreatePosToken(dir)).rejects.toThrow(/does not hold a valid POS API token/);
  });
});

describe('till token store', () => {
  const TOKEN = 'till-token-0123456789abcdef';
  const fakeKeychain = (available: boolean): SecretCipher => ({
    isEncryptionAvailable: () => available,
    encryptString: (s) => Buffer.from(`enc:${[...s].reverse().join('')}`),
    decryptString: (b) => [...b.toString().slice(4)].reverse().join(''),
  });

  it('stores the token encrypted when the OS keychain is available, never in clear', async () => {
    await expect(saveTillToken(dir, TOKEN, fakeKeychain(true))).resolves.toBe('safeStorage');
    const file = await readFile(path.join(dir, TILL_TOKEN_FILE), 'utf8');
    expect(file).not.toContain(TOKEN);
    expect(Buffer.from(file, 'utf8').toString()).not.toContain(Buffer.from(TOKEN).toString('base64'));
    await expect(loadTillToken(dir, fakeKeychain(true))).resolves.toBe(TOKEN);
  });

  it.runIf(posix)('falls back to a 0600 file when there is no keychain', async () => {
    await expect(saveTillToken(dir, TOKEN, fakeKeychain(false))).resolves.toBe('plain');
    expect((await stat(path.join(dir, TILL_TOKEN_FILE))).mode & 0o777).toBe(0o600);
    await expect(loadTillToken(dir, fakeKeychain(false))).resolves.toBe(TOKEN);
  });

  it('is null before a token was set', async () => {
    await expect(loadTillToken(dir, fakeKeychain(true))).resolves.toBeNull();
  });

  it('refuses a token the ledger handshake would refuse', async () => {
    await expect(saveTillToken(dir, 'short', fakeKeychain(true))).rejects.toThrow();
  });
});

describe('settings', () => {
  it('are the defaults before the first save (POS API on port 7411, no start at login)', async () => {
    await expect(loadSettings(dir)).resolves.toEqual({ startAtLogin: false, posApi: { enabled: true, port: 7411 } });
  });

  it('round-trip through the file', async () => {
    const s = applySettingsPatch(defaultSettings(), {
      ledgerUrl: 'https://ledger.example.com',
      tillId: 'T1',
      storeId: 'S1',
    });
    await saveSettings(dir, s);
    await expect(loadSettings(dir)).resolves.toEqual(s);
  });

  it('refuse a patch with a bad ledger URL and change nothing', () => {
    const s = defaultSettings();
    expect(() => applySettingsPatch(s, { ledgerUrl: 'ftp://x' })).toThrow();
    expect(s.ledgerUrl).toBeUndefined();
  });

  it('report a corrupt file instead of silently resetting the till', async () => {
    await writeFile(path.join(dir, SETTINGS_FILE), '{"posApi": {"port": "http"}}');
    await expect(loadSettings(dir)).rejects.toThrow();
  });
});

describe('Linux autostart entry', () => {
  it('starts the given executable, quoted per the desktop entry spec', () => {
    const entry = autostartDesktopEntry({ name: 'Loyalty Till', execPath: '/opt/Loyalty Till/loyalty-till' });
    expect(entry).toContain('[Desktop Entry]\nType=Application\nName=Loyalty Till\n');
    expect(entry).toContain('Exec="/opt/Loyalty Till/loyalty-till"\n');
  });

  it('escapes quotes, dollars, backticks and percent signs', () => {
    expect(quoteExecArg('/a/$HOME"`x`%')).toBe('"/a/\\$HOME\\"\\`x\\`%%"');
    // A literal backslash takes four: one level for the string value, one for the quoting rule.
    expect(quoteExecArg('/a\\b c')).toBe('"/a\\\\\\\\b c"');
  });

  it('refuses a relative path or line breaks (which would add desktop entry keys)', () => {
    expect(() => autostartDesktopEntry({ name: 'x', execPath: 'till' })).toThrow();
    expect(() => autostartDesktopEntry({ name: 'x\nExec=/bin/evil', execPath: '/till' })).toThrow();
  });

  it('lives in the autostart folder under the app id', () => {
    expect(autostartFile('/home/c/.config', 'com.loyaltytill.till')).toBe(
      path.join('/home/c/.config', 'autostart', 'com.loyaltytill.till.desktop'),
    );
  });
});

describe('logger', () => {
  it('masks token-like fields as a second net', () => {
    const lines: string[] = [];
    jsonLinesLogger(
      (l) => lines.push(l),
      () => 0,
    ).info({ token: 'secret', Authorization: 'Bearer x', port: 1 }, 'hi');
    expect(JSON.parse(lines[0] ?? '')).toEqual({
      level: 'info',
      time: 0,
      svc: 'till-shell',
      msg: 'hi',
      token: '[redacted]',
      Authorization: '[redacted]',
      port: 1,
    });
  });
});
