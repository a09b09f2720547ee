/**
 * The packaging config (electron-builder.json) and its resources: what goes into the app, which installers are
 * made, and that the icons it names exist with the sizes the targets need. No electron-builder run needed.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

const root = path.resolve(import.meta.dirname, '..', '..');
const read = (rel: string): string => readFileSync(path.join(root, rel), 'utf8');

const BuilderConfigSchema = z.object({
  appId: z.string(),
  productName: z.string(),
  directories: z.object({ buildResources: z.string(), output: z.string() }),
  files: z.array(z.string()),
  extraMetadata: z.object({ main: z.string() }),
  linux: z.object({
    target: z.array(z.string()),
    category: z.string(),
    icon: z.string(),
    maintainer: z.string(),
    desktop: z.object({ entry: z.record(z.string(), z.string()) }),
  }),
  win: z.object({ target: z.array(z.object({ target: z.string() })), icon: z.string() }),
  nsis: z.object({ oneClick: z.boolean(), perMachine: z.boolean() }),
});
const config = BuilderConfigSchema.parse(JSON.parse(read('electron-builder.json')));
const pkg = z
  .object({ devDependencies: z.record(z.string(), z.string()).default({}) })
  .parse(JSON.parse(read('package.json')));

/** A glob as electron-builder's minimatch reads it, for the patterns used here: `**`, `*`, `?` and literal dots. */
function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i] ?? '';
    if (c === '*' && glob[i + 1] === '*') {
      // `**/` matches any number of folders, `/**` anything below.
      re += glob[i + 2] === '/' ? '(?:.*/)?' : '.*';
      i += glob[i + 2] === '/' ? 2 : 1;
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/** Whether `file` (relative to the project) is packed: the last pattern that matches decides. */
function isPacked(file: string): boolean {
  let packed = false;
  for (const pattern of config.files) {
    const negated = pattern.startsWith('!');
    if (globToRegExp(negated ? pattern.slice(1) : pattern).test(file)) packed = !negated;
  }
  return packed;
}

/** Width and height from a PNG's IHDR chunk, after checking the signature. */
function pngSize(file: string): { width: number; height: number } {
  const buf = readFileSync(file);
  expect(buf.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])), file).toBe(true);
  expect(buf.subarray(12, 16).toString('ascii'), file).toBe('IHDR');
  return { width: buf.readUInt32BE(16), height: buf.readUInt32BE(20) };
}

describe('electron-builder.json', () => {
  it('names the app and keeps build resources in build/ and installers in out/', () => {
    expect(config.appId).toBe('com.loyaltytill.till');
    expect(config.productName).toBe('Loyalty Till');
    expect(config.directories).toEqual({ buildResources: 'build', output: 'out' });
  });

  it('makes an AppImage and a deb for Linux and a per-machine NSIS installer for Windows', () => {
    expect(config.linux.target).toEqual(expect.arrayContaining(['AppImage', 'deb']));
    expect(config.linux.category).toBe('Office');
    expect(config.linux.desktop.entry['Name']).toBe('Loyalty Till');
    expect(config.linux.maintainer).toMatch(/<.+@.+>/); // the deb target needs a maintainer e-mail
    expect(config.win.target.map((t) => t.target)).toEqual(['nsis']);
    expect(config.nsis).toMatchObject({ oneClick: false, perMachine: true });
  });

  it('starts the app from the compiled main process, which is packed', () => {
    expect(config.extraMetadata.main).toBe('dist-electron/main.mjs');
    expect(isPacked(config.extraMetadata.main)).toBe(true);
  });

  it.each([
    'package.json',
    'dist-electron/main.mjs',
    'dist-electron/preload.cjs',
    'renderer/dist/index.html',
    'renderer/dist/assets/index-4f2a.js',
    'build/tray/tray-online.png',
  ])('packs %s', (file) => {
    expect(isPacked(file)).toBe(true);
  });

  it.each([
    'test/electron/packaging.test.ts',
    'renderer/dist/test/fixture.html',
    'renderer/dist/app.test.js',
    'dist-electron/main.mjs.map',
    'renderer/dist/assets/index-4f2a.js.map',
    'electron/main.main.ts',
    'electron/pos-api.ts',
    'sync/till/engine.ts',
    'sync/ledger/server.ts',
    'sync/loyalty/ops.ts',
    'renderer/src/main.ts',
    'renderer/index.html',
    'build/make-icons.js',
    'tsconfig.json',
    '.bench-raw.ts',
    'data/ledger.sqlite',
    'node_modules/zod/index.js',
  ])('does not pack %s (sources, tests, source maps, dev folders)', (file) => {
    expect(isPacked(file)).toBe(false);
  });

  it('includes sync/ code only as compiled output (no positive pattern names a source folder)', () => {
    const positive = config.files.filter((p) => !p.startsWith('!'));
    for (const p of positive) expect(p, p).not.toMatch(/^(sync|electron|test|renderer\/src|src)\b/);
  });

  it('lists no devDependency in files, and excludes node_modules (main and preload are bundled)', () => {
    const dev = Object.keys(pkg.devDependencies);
    expect(dev.length).toBeGreaterThan(0);
    for (const p of config.files.filter((f) => !f.startsWith('!'))) {
      for (const d of dev) expect(p, `${p} names ${d}`).not.toContain(d);
      expect(p).not.toContain('node_modules');
    }
    for (const d of [...dev, 'electron']) expect(isPacked(`node_modules/${d}/package.json`), d).toBe(false);
  });
});

describe('icons', () => {
  it.each([
    ['build/icons/256x256.png', 256],
    ['build/icons/512x512.png', 512],
    ['build/icon.png', 512],
  ])('%s exists and is %i pixels square', (rel, size) => {
    expect(pngSize(path.join(root, rel))).toEqual({ width: size, height: size });
  });

  it('names Linux and Windows icons that exist (Windows needs at least 256x256)', () => {
    expect(existsSync(path.join(root, config.linux.icon))).toBe(true);
    expect(pngSize(path.join(root, config.win.icon)).width).toBeGreaterThanOrEqual(256);
  });

  it('has the SVG source and a 32x32 tray icon for every tray state', () => {
    expect(read('build/icon.svg')).toMatch(/^<svg /);
    for (const state of ['online', 'syncing', 'offline', 'error']) {
      expect(pngSize(path.join(root, 'build', 'tray', `tray-${state}.png`))).toEqual({ width: 32, height: 32 });
    }
  });
});

describe("electron-builder's own schema", () => {
  // electron-builder validates its configuration against its published JSON schema before building; run the same
  // check here so a typo in electron-builder.json fails the tests, not the release.
  type Validate = (config: unknown, logger: unknown) => Promise<void>;
  const load = async () => {
    const { createRequire } = await import('node:module');
    const require = createRequire(import.meta.url);
    const { validateConfiguration } = require('app-builder-lib/out/util/config/config.js') as {
      validateConfiguration: Validate;
    };
    const { DebugLogger } = require('builder-util/out/DebugLogger.js') as {
      DebugLogger: new (enabled: boolean) => unknown;
    };
    return (c: unknown) => validateConfiguration(c, new DebugLogger(false));
  };

  it('accepts electron-builder.json', async () => {
    const validate = await load();
    await expect(validate(JSON.parse(read('electron-builder.json')))).resolves.toBeUndefined();
  });

  it('refuses a configuration with an unknown option, so the check has teeth', async () => {
    const validate = await load();
    const broken = {
      ...(JSON.parse(read('electron-builder.json')) as object),
      linux: { target: 'AppImage', notAnOption: true },
    };
    await expect(validate(broken)).rejects.toThrow(/configuration/);
  });
});
