/** `npm test`'s first step: install Debian's chromium and openssl as root, or stop at once with one sentence. */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { planSystem, type SystemState } from '../../scripts/ensure-system.ts';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const script = join(repo, 'scripts/ensure-system.ts');

const machine = (s: Partial<SystemState>): SystemState => ({
  missing: [],
  root: true,
  apt: true,
  installTried: false,
  ...s,
});

describe('planSystem', () => {
  it('does nothing when everything is there, whoever runs it', () => {
    expect(planSystem(machine({}))).toEqual({ kind: 'ok' });
    expect(planSystem(machine({ root: false, apt: false }))).toEqual({ kind: 'ok' });
    expect(planSystem(machine({ installTried: true }))).toEqual({ kind: 'ok' });
  });

  it('installs what is missing with apt-get when running as root', () => {
    expect(planSystem(machine({ missing: ['chromium'] }))).toEqual({ kind: 'install', packages: ['chromium'] });
    expect(planSystem(machine({ missing: ['chromium', 'openssl'] }))).toEqual({
      kind: 'install',
      packages: ['chromium', 'openssl'],
    });
  });

  it('stops with one sentence naming the sudo command when not root', () => {
    expect(planSystem(machine({ missing: ['chromium'], root: false }))).toEqual({
      kind: 'stop',
      sentence:
        'npm test needs Debian\'s chromium: run "sudo apt-get install chromium" (or install it yourself) and try again.',
    });
    expect(planSystem(machine({ missing: ['chromium', 'openssl'], root: false }))).toEqual({
      kind: 'stop',
      sentence:
        'npm test needs Debian\'s chromium and openssl: run "sudo apt-get install chromium openssl" ' +
        '(or install them yourself) and try again.',
    });
  });

  it('stops naming the path and the binary when there is no apt-get, root or not', () => {
    for (const root of [true, false]) {
      expect(planSystem(machine({ missing: ['chromium', 'openssl'], root, apt: false }))).toEqual({
        kind: 'stop',
        sentence:
          'npm test needs chromium (at /usr/bin/chromium) and openssl (on PATH), and there is no apt-get here ' +
          'to install them: install them and try again.',
      });
    }
  });

  it('stops after an install that did not give what is needed, instead of trying again', () => {
    const plan = planSystem(machine({ missing: ['openssl'], installTried: true }));
    expect(plan).toEqual({
      kind: 'stop',
      sentence:
        'npm test still finds no openssl (on PATH) after "apt-get install openssl" (its output is above): ' +
        'install it and try again.',
    });
  });
});

describe('scripts/ensure-system.ts, run as npm test runs it', () => {
  const run = (env: NodeJS.ProcessEnv, uid?: number) =>
    spawnSync(process.execPath, ['--import', 'tsx', script], {
      cwd: repo,
      env,
      encoding: 'utf8',
      timeout: 30_000,
      ...(uid === undefined ? {} : { uid, gid: uid }),
    });

  it('with nothing on PATH (no openssl, no apt-get): one sentence on stderr, status 1, nothing installed', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'ensure-system-'));
    try {
      const r = run({ PATH: empty, HOME: empty });
      expect(r.status).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/^npm test needs .*openssl \(on PATH\), and there is no apt-get here to install/);
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });

  // A real non-root process (nobody, uid 65534) with apt-get but no openssl on its PATH: only root can start one.
  it.skipIf(process.getuid?.() !== 0 || !existsSync('/usr/bin/apt-get'))(
    'as a user who is not root, with apt-get there: names the sudo command, installs nothing',
    async () => {
      const bin = await mkdtemp(join(tmpdir(), 'ensure-system-'));
      try {
        await chmod(bin, 0o755);
        await symlink('/usr/bin/apt-get', join(bin, 'apt-get'));
        const r = run({ PATH: bin, HOME: bin }, 65534);
        expect(r.status).toBe(1);
        expect(r.stdout).toBe('');
        expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
        expect(r.stderr).toMatch(
          /^npm test needs Debian's .*openssl: run "sudo apt-get install .*openssl" \(or install/,
        );
      } finally {
        await rm(bin, { recursive: true, force: true });
      }
    },
  );
});
