/** `npm start`'s Electron branch, decided and prepared without Electron: only a probe and the file system. */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { resolveUserDataDir } from '../../electron/app-location.ts';
import { loadSettings } from '../../electron/settings.ts';
import { loadTillToken } from '../../electron/till-token-store.ts';
import type { SecretCipher } from '../../electron/till-token-store.ts';
import { nodeElectronProbe, planElectron, preconfigureDemoTill } from '../../scripts/electron-launch.ts';
import type { ElectronProbe } from '../../scripts/electron-launch.ts';

const BINARY = '/opt/electron/electron';
const probe = (binary: string | Error, present: boolean): ElectronProbe => ({
  resolveBinary: () => {
    if (binary instanceof Error) throw binary;
    return binary;
  },
  exists: (f) => present && f === binary,
});

describe('planElectron', () => {
  it('opens Electron when the package resolves to a binary that exists', () => {
    expect(planElectron(probe(BINARY, true), {})).toEqual({ kind: 'electron', binary: BINARY });
  });

  it('falls back to the browser when the package is not installed', () => {
    const notFound = Object.assign(new Error("Cannot find module 'electron'\nRequire stack: ..."), {
      code: 'MODULE_NOT_FOUND',
    });
    expect(planElectron(probe(notFound, false), {})).toEqual({
      kind: 'browser',
      reason: "Cannot find module 'electron'",
    });
  });

  it('falls back to the browser when the package is there but its binary download failed', () => {
    const plan = planElectron(probe(BINARY, false), {});
    expect(plan.kind).toBe('browser');
    expect(plan.kind === 'browser' && plan.reason).toMatch(/missing/);
    const failed = new Error('Electron failed to install correctly, please delete node_modules/electron and try again');
    expect(planElectron(probe(failed, false), {})).toMatchObject({ kind: 'browser' });
  });

  it('stays in the browser when TILL_ELECTRON=0, even with the binary present', () => {
    expect(planElectron(probe(BINARY, true), { TILL_ELECTRON: '0' })).toMatchObject({ kind: 'browser' });
  });

  it('takes the browser path on this machine, which has no Electron binary', () => {
    // Electron cannot be downloaded here: the branch that runs is the browser one, and it must not throw.
    expect(planElectron(nodeElectronProbe, {}).kind).toBe('browser');
  });
});

describe('preconfigureDemoTill', () => {
  let dir = '';
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });
  const till = { ledgerUrl: 'http://127.0.0.1:7400', tillId: 'till-1', storeId: 'store-1', token: 't'.repeat(32) };
  const noKeychain: SecretCipher = {
    isEncryptionAvailable: () => false,
    encryptString: () => Buffer.alloc(0),
    decryptString: () => '',
  };

  it('writes settings and a plain-file token that the shell reads as its ledger credentials', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'till-shell-'));
    expect(await preconfigureDemoTill(dir, till)).toBe(true);
    expect(await loadSettings(dir)).toMatchObject({ ledgerUrl: till.ledgerUrl, tillId: 'till-1', storeId: 'store-1' });
    expect(await loadTillToken(dir, noKeychain)).toBe(till.token);
  });

  it('leaves a till set up before as it is', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'till-shell-'));
    await writeFile(path.join(dir, 'settings.json'), JSON.stringify({ tillId: 'till-9' }));
    expect(await preconfigureDemoTill(dir, till)).toBe(false);
    expect(JSON.parse(await readFile(path.join(dir, 'settings.json'), 'utf8'))).toEqual({ tillId: 'till-9' });
    expect(await loadTillToken(dir, noKeychain)).toBeNull();
  });
});

describe('resolveUserDataDir', () => {
  it('takes TILL_USER_DATA_DIR in development only, and only an absolute path', () => {
    expect(resolveUserDataDir(false, { TILL_USER_DATA_DIR: '/tmp/demo' })).toBe('/tmp/demo');
    expect(resolveUserDataDir(true, { TILL_USER_DATA_DIR: '/tmp/demo' })).toBeNull();
    expect(resolveUserDataDir(false, {})).toBeNull();
    expect(() => resolveUserDataDir(false, { TILL_USER_DATA_DIR: 'data/demo' })).toThrow(/absolute/);
  });
});
