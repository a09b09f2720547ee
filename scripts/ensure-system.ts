/**
 * The first step of `npm test`: what the tests need from outside npm.
 *
 * - `/usr/bin/chromium`, Debian's Chromium, which the browser tests drive (test/support/chromium.ts);
 * - `/usr/sbin/haproxy`, Debian's HAProxy, which the cluster test puts in front of three ledgers
 *   (test/support/haproxy.ts);
 * - `/usr/bin/redis-server`, Debian's Redis, which joins the ledgers of a cluster (the tests use the one on
 *   127.0.0.1:6379; `.ci/run` starts it when it is not running);
 * - `openssl` on PATH, which the TLS tests use to make their certificates.
 *
 * (The notices PDF's DejaVu fonts come from npm, the `dejavu-fonts-ttf` package: nothing to install.)
 *
 * When something is missing and this runs as root with apt-get on PATH, it installs the Debian packages
 * (`apt-get update`, then `apt-get install`, output shown) and checks again. Otherwise, or when that install did not
 * give what is needed, it prints one sentence naming what to install and exits 1 before any test runs.
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CHROMIUM } from '../test/support/chromium.ts';

/** One thing the tests need, by the Debian package that provides it. */
export interface Requirement {
  /** Debian package name. */
  pkg: string;
  /** Whether it is there now. */
  present: () => boolean;
}

/** What the planning needs to know about this machine. */
export interface SystemState {
  /** Debian packages of the requirements that are missing, in order. */
  missing: string[];
  /** Running as root (uid 0). */
  root: boolean;
  /** `apt-get` is on PATH. */
  apt: boolean;
  /** An apt-get install of the missing packages has already been tried in this run. */
  installTried: boolean;
}

export type Plan = { kind: 'ok' } | { kind: 'install'; packages: string[] } | { kind: 'stop'; sentence: string };

/** "a", "a and b", "a, b and c". */
function listOf(items: string[]): string {
  return items.length <= 1 ? items.join('') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
}

/** The packages checked at a fixed path rather than on PATH. */
const AT: Record<string, string> = {
  chromium: CHROMIUM,
  haproxy: '/usr/sbin/haproxy',
  'redis-server': '/usr/bin/redis-server',
};

/** Decides what to do: nothing, install the missing packages with apt-get, or stop with one sentence. */
export function planSystem(state: SystemState): Plan {
  const { missing, root, apt, installTried } = state;
  if (missing.length === 0) return { kind: 'ok' };
  const them = missing.length === 1 ? 'it' : 'them';
  const names = listOf(missing);
  const pkgs = missing.join(' ');
  const where = listOf(missing.map((p) => (p in AT ? `${p} (at ${AT[p]})` : `${p} (on PATH)`)));
  if (installTried) {
    return {
      kind: 'stop',
      sentence: `npm test still finds no ${where} after "apt-get install ${pkgs}" (its output is above): install ${them} and try again.`,
    };
  }
  if (!apt) {
    return {
      kind: 'stop',
      sentence: `npm test needs ${where}, and there is no apt-get here to install ${them}: install ${them} and try again.`,
    };
  }
  if (!root) {
    return {
      kind: 'stop',
      sentence: `npm test needs Debian's ${names}: run "sudo apt-get install ${pkgs}" (or install ${them} yourself) and try again.`,
    };
  }
  return { kind: 'install', packages: [...missing] };
}

function executable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** `command -v name`: an executable file of that name in one of PATH's directories. */
export function onPath(name: string, pathVar = process.env['PATH'] ?? ''): boolean {
  return pathVar
    .split(path.delimiter)
    .filter((dir) => dir !== '')
    .some((dir) => executable(path.join(dir, name)));
}

export const REQUIREMENTS: Requirement[] = [
  { pkg: 'chromium', present: () => executable(CHROMIUM) },
  { pkg: 'haproxy', present: () => executable('/usr/sbin/haproxy') },
  { pkg: 'redis-server', present: () => executable('/usr/bin/redis-server') },
  { pkg: 'openssl', present: () => onPath('openssl') },
];

function state(installTried: boolean): SystemState {
  return {
    missing: REQUIREMENTS.filter((r) => !r.present()).map((r) => r.pkg),
    root: process.getuid?.() === 0,
    apt: onPath('apt-get'),
    installTried,
  };
}

function aptInstall(packages: string[]): void {
  process.stderr.write(`npm test: installing Debian's ${listOf(packages)} with apt-get (running as root)\n`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  // An update that fails in part (one unreachable mirror) can still leave lists that install from: the re-check decides.
  spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
  spawnSync('apt-get', ['install', '-y', '-qq', ...packages], { stdio: 'inherit', env });
}

/** Checks, installs once if it may, checks again; returns the exit status. */
export function ensureSystem(): 0 | 1 {
  let plan = planSystem(state(false));
  if (plan.kind === 'install') {
    aptInstall(plan.packages);
    plan = planSystem(state(true));
  }
  if (plan.kind === 'stop') {
    process.stderr.write(`${plan.sentence}\n`);
    return 1;
  }
  return 0;
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = ensureSystem();
}
