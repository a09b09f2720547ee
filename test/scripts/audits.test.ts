/** The CI audit gates' verdicts, from the tools' own output shapes: npm audit's JSON and Electronegativity's issues. */
import { execFile } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { EXCLUSIONS, judge, reportLines, type AuditResult } from '../../scripts/electron-audit.ts';
import { judgeAudit } from '../../scripts/npm-audit.ts';

const report = (vulns: Record<string, 'info' | 'low' | 'moderate' | 'high' | 'critical'>) =>
  JSON.stringify({
    auditReportVersion: 2,
    vulnerabilities: Object.fromEntries(
      Object.entries(vulns).map(([name, severity]) => [name, { name, severity, range: '<1.2.3', via: [] }]),
    ),
    metadata: {
      vulnerabilities: {
        info: 0,
        low: 0,
        moderate: Object.values(vulns).filter((s) => s === 'moderate').length,
        high: Object.values(vulns).filter((s) => s === 'high').length,
        critical: Object.values(vulns).filter((s) => s === 'critical').length,
        total: Object.keys(vulns).length,
      },
    },
  });

describe('npm audit gate', () => {
  it('passes a clean report and one with only moderate or low advisories, listing them', () => {
    expect(judgeAudit({ stdout: report({}) }, true)).toEqual({
      exitCode: 0,
      lines: ['npm audit (production dependencies): passed: 0 info, 0 low, 0 moderate, 0 high, 0 critical'],
    });
    const v = judgeAudit({ stdout: report({ 'left-pad': 'moderate' }) }, false);
    expect(v.exitCode).toBe(0);
    expect(v.lines[0]).toBe('note moderate left-pad <1.2.3');
  });

  it.each(['high', 'critical'] as const)('fails on a %s advisory, whatever CI_REQUIRE_AUDIT says', (severity) => {
    const v = judgeAudit({ stdout: report({ lodash: severity, 'left-pad': 'low' }) }, false);
    expect(v.exitCode).toBe(1);
    expect(v.lines[0]).toBe(`FAIL ${severity} lodash <1.2.3`);
    expect(v.lines.at(-1)).toMatch(/: FAILED: /);
  });

  const unreachable = JSON.stringify({
    message: '405 Method Not Allowed - POST https://registry.npmjs.org/-/npm/v1/security/advisories/bulk',
    statusCode: 405,
    error: { summary: '', detail: '' },
  });
  it('warns and passes when the advisory endpoint cannot be reached, and fails then under CI_REQUIRE_AUDIT=1', () => {
    expect(judgeAudit({ stdout: unreachable }, false)).toEqual({
      exitCode: 0,
      lines: [
        'npm audit: advisory endpoint unreachable (405 Method Not Allowed - POST ' +
          'https://registry.npmjs.org/-/npm/v1/security/advisories/bulk); dependencies NOT checked',
      ],
    });
    expect(judgeAudit({ stdout: unreachable }, true).exitCode).toBe(1);
    const offline = JSON.stringify({ error: { code: 'ENOTFOUND', summary: 'request to https://… failed' } });
    expect(judgeAudit({ stdout: offline }, false).lines[0]).toMatch(/unreachable \(ENOTFOUND: request to/);
    expect(judgeAudit({ stdout: '', failure: 'npm audit stopped by SIGTERM' }, false).exitCode).toBe(0);
    expect(judgeAudit({ stdout: 'not json' }, true).exitCode).toBe(1);
  });
});

const finding = (id: string, severity: string, file = 'main.main.ts') => ({
  id,
  file,
  severity: { name: severity },
  confidence: { name: 'FIRM' },
  location: { line: 10, column: 2 },
  description: `${id} description`,
});
const result = (issues: AuditResult['issues'], errors: AuditResult['errors'] = []): AuditResult => ({
  atomicChecks: 36,
  globalChecks: 6,
  issues,
  errors,
});

describe('Electronegativity gate', () => {
  it('fails on HIGH and MEDIUM findings, shows LOW ones, and excludes only the listed false positives', () => {
    const v = judge(
      result([
        finding('CONTEXT_ISOLATION_JS_CHECK', 'HIGH'),
        finding('SANDBOX_JS_CHECK', 'MEDIUM'),
        finding('AUXCLICK_JS_CHECK', 'MEDIUM'),
        finding('CSP_GLOBAL_CHECK', 'MEDIUM'),
        finding('CSP_GLOBAL_CHECK', 'MEDIUM', 'other.main.ts'),
        finding('PERMISSION_REQUEST_HANDLER_GLOBAL_CHECK', 'LOW'),
      ]),
    );
    expect(v.failing.map((f) => `${f.id} ${f.file}`)).toEqual([
      'CONTEXT_ISOLATION_JS_CHECK main.main.ts',
      'SANDBOX_JS_CHECK main.main.ts',
      'AUXCLICK_JS_CHECK main.main.ts',
      'CSP_GLOBAL_CHECK other.main.ts',
    ]);
    expect(v.excluded.map((e) => e.finding.id)).toEqual(['CSP_GLOBAL_CHECK']);
    expect(v.notes.map((f) => f.id)).toEqual(['PERMISSION_REQUEST_HANDLER_GLOBAL_CHECK']);
    expect(reportLines(v)[0]).toBe(
      'FAIL HIGH CONTEXT_ISOLATION_JS_CHECK electron/main.main.ts:10:2 (FIRM): CONTEXT_ISOLATION_JS_CHECK description',
    );
    expect(reportLines(v).at(-1)).toBe('electron audit: FAILED: 4 high/medium, 1 low/info, 1 excluded, 0 unparsed');
  });

  it('fails when a file could not be parsed (it was not audited), not on a tolerable parser warning', () => {
    const v = judge(
      result(
        [],
        [
          { file: 'x.ts', message: 'Unexpected token', tolerable: false },
          { file: 'y.ts', message: 'a warning', tolerable: true },
        ],
      ),
    );
    expect(v.unparsed).toEqual([{ file: 'x.ts', message: 'Unexpected token' }]);
    expect(reportLines(v).at(-1)).toMatch(/FAILED: 0 high\/medium, 0 low\/info, 0 excluded, 1 unparsed/);
  });

  it('gives a reason for every exclusion', () => {
    for (const e of EXCLUSIONS) expect(e.reason.length).toBeGreaterThan(20);
  });

  it('runs the real tool: the shell passes, and a window without its sandbox fails the gate', async () => {
    const repo = fileURLToPath(new URL('../../', import.meta.url));
    const script = join(repo, 'scripts', 'electron-audit.ts');
    const run = promisify(execFile);
    const passed = await run(process.execPath, ['--import', 'tsx', script], { cwd: repo });
    expect(passed.stdout).toMatch(/^electron audit: passed: 0 high\/medium/m);

    const dir = await mkdtemp(join(tmpdir(), 'electron-audit-'));
    try {
      await cp(join(repo, 'electron'), dir, { recursive: true });
      const main = join(dir, 'main.main.ts');
      const source = await readFile(main, 'utf8');
      expect(source).toContain('      sandbox: true,');
      await writeFile(main, source.replace('      sandbox: true,', '      sandbox: false,'));
      const failed: unknown = await run(process.execPath, ['--import', 'tsx', script, dir], { cwd: repo }).then(
        () => new Error('the gate passed'),
        (e: unknown) => e,
      );
      expect(failed).toMatchObject({ code: 1 });
      expect((failed as { stdout: string }).stdout).toMatch(/^FAIL MEDIUM SANDBOX_JS_CHECK electron\/main\.main\.ts:/m);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
