/* eslint-disable no-console -- printing the audit's verdict is this script's job */
/**
 * `npm run audit:deps`: `npm audit --omit=dev --json` on the production dependencies. Exits 1 on any high or
 * critical advisory. When the advisory endpoint cannot be reached (no network, a proxy refusing the POST) it prints
 * one warning line saying the dependencies were NOT checked and exits 0, unless CI_REQUIRE_AUDIT=1 (then 1).
 * Moderate and low advisories are listed, not failed on.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

const SEVERITIES = ['info', 'low', 'moderate', 'high', 'critical'] as const;
const FAILING = new Set<string>(['high', 'critical']);

/** npm 7+ report (auditReportVersion 2): one entry per vulnerable package, and the counts. */
const ReportSchema = z.object({
  vulnerabilities: z.record(
    z.string(),
    z.object({ name: z.string(), severity: z.enum(SEVERITIES), range: z.string().optional() }),
  ),
  metadata: z.object({ vulnerabilities: z.record(z.string(), z.number()) }),
});

/** What npm prints instead of a report when it could not get one. */
const ErrorSchema = z.object({
  message: z.string().optional(),
  statusCode: z.number().optional(),
  error: z.object({ code: z.string().nullish(), summary: z.string().nullish() }).optional(),
});

export interface AuditRun {
  /** npm's standard output. */
  stdout: string;
  /** Set when npm did not finish (spawn failure, timeout). */
  failure?: string;
}

export interface AuditVerdict {
  exitCode: 0 | 1;
  lines: string[];
}

/** Decides from npm's output; `requireAudit` (CI_REQUIRE_AUDIT=1) turns "could not check" into a failure. */
export function judgeAudit(run: AuditRun, requireAudit: boolean): AuditVerdict {
  const unchecked = (why: string): AuditVerdict => ({
    exitCode: requireAudit ? 1 : 0,
    lines: [
      `npm audit: advisory endpoint unreachable (${why}); dependencies NOT checked` +
        (requireAudit ? ' (CI_REQUIRE_AUDIT=1: failing)' : ''),
    ],
  });
  if (run.failure !== undefined) return unchecked(run.failure);
  let json: unknown;
  try {
    json = JSON.parse(run.stdout);
  } catch {
    return unchecked('npm printed no JSON report');
  }
  const report = ReportSchema.safeParse(json);
  if (report.success) {
    const found = Object.values(report.data.vulnerabilities).sort(
      (a, b) => SEVERITIES.indexOf(b.severity) - SEVERITIES.indexOf(a.severity) || a.name.localeCompare(b.name),
    );
    const failing = found.filter((v) => FAILING.has(v.severity));
    const lines = found.map(
      (v) => `${FAILING.has(v.severity) ? 'FAIL' : 'note'} ${v.severity} ${v.name}${v.range ? ` ${v.range}` : ''}`,
    );
    const counts = SEVERITIES.map((s) => `${report.data.metadata.vulnerabilities[s] ?? 0} ${s}`).join(', ');
    lines.push(`npm audit (production dependencies): ${failing.length === 0 ? 'passed' : 'FAILED'}: ${counts}`);
    return { exitCode: failing.length === 0 ? 0 : 1, lines };
  }
  const err = ErrorSchema.safeParse(json);
  if (err.success && (err.data.message !== undefined || err.data.error !== undefined)) {
    const e = err.data;
    return unchecked(e.message ?? ([e.error?.code, e.error?.summary].filter(Boolean).join(': ') || 'npm error'));
  }
  return unchecked('npm printed an unrecognised report');
}

/** Runs npm audit (the npm that runs this script when started by `npm run`), at most `timeoutMs`. */
function runNpmAudit(cwd: string, timeoutMs = 120_000): Promise<AuditRun> {
  const npmCli = process.env['npm_execpath'];
  const [cmd, args] =
    npmCli !== undefined && npmCli.endsWith('.js')
      ? [process.execPath, [npmCli, 'audit', '--omit=dev', '--json']]
      : ['npm', ['audit', '--omit=dev', '--json']];
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'ignore'], timeout: timeoutMs });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.once('error', (e) => resolve({ stdout, failure: `could not run npm: ${e.message}` }));
    // npm audit exits 1 when it found anything at all, or could not ask: the JSON says which.
    child.once('close', (_code, signal) =>
      resolve(
        signal === null ? { stdout } : { stdout, failure: `npm audit stopped by ${signal} after ${timeoutMs} ms` },
      ),
    );
  });
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const verdict = judgeAudit(await runNpmAudit(root), process.env['CI_REQUIRE_AUDIT'] === '1');
  for (const line of verdict.lines) (verdict.exitCode === 0 ? console.log : console.error)(line);
  process.exitCode = verdict.exitCode;
}
