/* eslint-disable no-console -- printing the audit's findings is this script's job */
/**
 * `npm run audit:electron`: Doyensec's Electronegativity over electron/, for Electron 45. Exits 1 on any HIGH or
 * MEDIUM finding not excluded below, or on a file the tool could not parse (a file it skipped is not audited); LOW
 * and informational findings are printed, not failed on.
 *
 * The tool runs through its programmatic entry (its `main`), not its CLI: the CLI requires `commander` without
 * declaring it and breaks on the commander 14 this project hoists. Offline it cannot fetch Electron's release list or
 * its translations; it says so and scans anyway with the version given here.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

/** The Electron major the shell is built against (package.json's optional dependency). */
export const ELECTRON_VERSION = '45.0.0';

const FindingSchema = z.object({
  id: z.string(),
  file: z.string(),
  severity: z.object({ name: z.string() }),
  confidence: z.object({ name: z.string() }),
  location: z.object({ line: z.number(), column: z.number() }).partial().optional(),
  description: z.string().optional(),
  manualReview: z.boolean().optional(),
});
export type Finding = z.infer<typeof FindingSchema>;

const ResultSchema = z.object({
  atomicChecks: z.number(),
  globalChecks: z.number(),
  issues: z.array(FindingSchema),
  errors: z.array(z.object({ file: z.string(), message: z.string(), tolerable: z.boolean() })),
});
export type AuditResult = z.infer<typeof ResultSchema>;

/** A finding judged a false positive: which check, in which file (relative to electron/), and why. */
export interface Exclusion {
  id: string;
  file: string;
  reason: string;
}

export const EXCLUSIONS: readonly Exclusion[] = [
  {
    // The tool looks for a CSP literal; ours is computed per ledger URL by contentSecurityPolicy() in security.ts,
    // set on every response (webRequest and the app: protocol handler) and tested in test/electron/security.test.ts.
    id: 'CSP_GLOBAL_CHECK',
    file: 'main.main.ts',
    reason: 'the CSP is built by contentSecurityPolicy() (tested) and set on every response',
  },
];

const FAILING = new Set(['HIGH', 'MEDIUM']);

export interface Verdict {
  failing: Finding[];
  excluded: { finding: Finding; reason: string }[];
  notes: Finding[];
  /** Files the tool could not parse, so did not audit. */
  unparsed: { file: string; message: string }[];
}

/** Sorts the tool's result into what fails the build, what is excluded (with its reason) and what is only shown. */
export function judge(result: AuditResult, exclusions: readonly Exclusion[] = EXCLUSIONS): Verdict {
  const verdict: Verdict = { failing: [], excluded: [], notes: [], unparsed: [] };
  for (const f of result.issues) {
    const file = f.file.split(path.sep).join('/');
    const ex = exclusions.find((e) => e.id === f.id && e.file === file);
    if (ex) verdict.excluded.push({ finding: f, reason: ex.reason });
    else if (FAILING.has(f.severity.name.toUpperCase())) verdict.failing.push(f);
    else verdict.notes.push(f);
  }
  for (const e of result.errors) if (!e.tolerable) verdict.unparsed.push({ file: e.file, message: e.message });
  return verdict;
}

const where = (f: Finding) => `electron/${f.file}:${f.location?.line ?? '?'}:${f.location?.column ?? '?'}`;

/** The report's lines, last the summary. */
export function reportLines(v: Verdict): string[] {
  const lines: string[] = [];
  for (const f of v.failing)
    lines.push(
      `FAIL ${f.severity.name} ${f.id} ${where(f)} (${f.confidence.name})${f.description ? `: ${f.description}` : ''}`,
    );
  for (const u of v.unparsed) lines.push(`FAIL not audited, could not parse ${u.file}: ${u.message}`);
  for (const f of v.notes) lines.push(`note ${f.severity.name} ${f.id} ${where(f)}`);
  for (const { finding, reason } of v.excluded) lines.push(`excluded ${finding.id} ${where(finding)}: ${reason}`);
  const ok = v.failing.length === 0 && v.unparsed.length === 0;
  lines.push(
    `electron audit: ${ok ? 'passed' : 'FAILED'}: ${v.failing.length} high/medium, ${v.notes.length} low/info, ` +
      `${v.excluded.length} excluded, ${v.unparsed.length} unparsed`,
  );
  return lines;
}

/** Audits `dir` (default electron/; another folder for checking the gate itself). */
async function main(dir?: string): Promise<number> {
  const input = dir !== undefined ? path.resolve(dir) : fileURLToPath(new URL('../electron/', import.meta.url));
  const run = createRequire(import.meta.url)('@doyensec/electronegativity') as (o: object) => Promise<unknown>;
  const raw = await run({
    input,
    electronVersionOverride: ELECTRON_VERSION,
    isRelative: true,
    customScan: [],
    // It fetches Electron's release list to rate the version in a package.json; electron/ has none (npm audit covers
    // the electron package), and on a network that hangs the fetch would hang CI.
    excludeFromScan: ['AvailableSecurityFixesGlobalCheck'],
  });
  const parsed = ResultSchema.safeParse(raw);
  if (!parsed.success) {
    console.error(`electron audit: FAILED: unexpected result from electronegativity: ${parsed.error.message}`);
    return 1;
  }
  if (parsed.data.atomicChecks === 0) {
    console.error('electron audit: FAILED: electronegativity loaded no checks');
    return 1;
  }
  console.log(
    `electronegativity: ${parsed.data.atomicChecks + parsed.data.globalChecks} checks on ${input} for Electron ${ELECTRON_VERSION}`,
  );
  const verdict = judge(parsed.data);
  for (const line of reportLines(verdict)) console.log(line);
  return verdict.failing.length === 0 && verdict.unparsed.length === 0 ? 0 : 1;
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = await main(process.argv[2]).catch((e: unknown) => {
    console.error(`electron audit: FAILED: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    return 1;
  });
}
