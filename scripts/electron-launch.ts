/**
 * The Electron branch of `npm start`: whether the Electron binary is here (the `electron` package is optional and its
 * binary download fails on machines without access to it), and launching the built shell on a demo till. Runs in
 * Node; the decision is a pure function of an injected probe, so it is tested without Electron.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { BuildOptions } from 'esbuild';
import { defaultSettings, saveSettings, SETTINGS_FILE } from '../electron/settings.ts';
import { saveTillToken, type SecretCipher } from '../electron/till-token-store.ts';
import { StoreIdSchema, TillIdSchema } from '../sync/loyalty/units.ts';

/** What `npm start` does after the ledger and the till server are up. */
export type ElectronPlan = { kind: 'electron'; binary: string } | { kind: 'browser'; reason: string };

export interface ElectronProbe {
  /** The `electron` package's export in Node: its binary's path. Throws when the package or its binary is missing. */
  resolveBinary(): string;
  exists(file: string): boolean;
}

/** The probe of this checkout: `require('electron')` from here, and the file system. */
export const nodeElectronProbe: ElectronProbe = {
  resolveBinary: () => createRequire(import.meta.url)('electron') as string,
  exists: existsSync,
};

/** Electron when its package resolves to a binary that exists (and TILL_ELECTRON is not "0"); the browser otherwise. */
export function planElectron(
  probe: ElectronProbe,
  env: Readonly<Record<string, string | undefined>> = process.env,
): ElectronPlan {
  if (env['TILL_ELECTRON'] === '0') return { kind: 'browser', reason: 'TILL_ELECTRON=0' };
  let binary: string;
  try {
    binary = probe.resolveBinary();
  } catch (e) {
    return { kind: 'browser', reason: e instanceof Error ? (e.message.split('\n')[0] ?? e.name) : String(e) };
  }
  if (typeof binary !== 'string' || binary === '' || !probe.exists(binary)) {
    return { kind: 'browser', reason: `the Electron binary ${String(binary)} is missing` };
  }
  return { kind: 'electron', binary };
}

/** The demo till the shell is pre-configured with. */
export interface DemoTill {
  ledgerUrl: string;
  tillId: string;
  storeId: string;
  token: string;
}

/** No OS keychain from a Node script: the token is stored in the 0600 plain-file form the shell also reads. */
const plainFile: SecretCipher = {
  isEncryptionAvailable: () => false,
  encryptString: () => {
    throw new Error('no OS encryption in the start script');
  },
  decryptString: () => {
    throw new Error('no OS encryption in the start script');
  },
};

/**
 * Writes the shell's settings and till token for `till` into `userDataDir` on a first run only (a settings file
 * there is left as it is: the till may have been set up differently since). Resolves with whether it wrote.
 */
export async function preconfigureDemoTill(userDataDir: string, till: DemoTill): Promise<boolean> {
  if (existsSync(path.join(userDataDir, SETTINGS_FILE))) return false;
  const settings = {
    ...defaultSettings(),
    ledgerUrl: till.ledgerUrl,
    tillId: TillIdSchema.parse(till.tillId),
    storeId: StoreIdSchema.parse(till.storeId),
  };
  await saveTillToken(userDataDir, till.token, plainFile);
  await saveSettings(userDataDir, settings);
  return true;
}

/** Bundles the main process and the preload as `npm run build:electron` does. */
export async function buildElectron(repoDir: string): Promise<string> {
  const { build } = await import('esbuild');
  const common: BuildOptions = {
    bundle: true,
    platform: 'node',
    target: 'node20',
    external: ['electron'],
    logLevel: 'warning',
  };
  const main = path.join(repoDir, 'dist-electron', 'main.mjs');
  await build({
    ...common,
    entryPoints: [path.join(repoDir, 'electron', 'main.main.ts')],
    format: 'esm',
    sourcemap: true,
    outfile: main,
  });
  await build({
    ...common,
    entryPoints: [path.join(repoDir, 'electron', 'preload.preload.ts')],
    format: 'cjs',
    outfile: path.join(repoDir, 'dist-electron', 'preload.cjs'),
  });
  return main;
}

/** Starts the shell (`binary main.mjs`) on `userDataDir`; its output goes to this terminal. */
export function spawnElectron(binary: string, mainFile: string, userDataDir: string): ChildProcess {
  return spawn(binary, [mainFile, `--user-data-dir=${userDataDir}`], {
    stdio: 'inherit',
    // The flag names Chromium's folder; the variable makes the shell use it for its own files too.
    env: { ...process.env, TILL_USER_DATA_DIR: userDataDir },
  });
}
