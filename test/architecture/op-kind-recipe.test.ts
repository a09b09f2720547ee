/**
 * The op-kind recipe (docs/architecture.md) holds: a kind added to `OpSchema` alone fails to compile in every place
 * that must decide what the kind does, and nowhere else. The project is type-checked once, in memory, with a
 * `referral` kind added to sync/loyalty/ops.ts; the files with errors must be exactly the expected ones.
 */
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '..', '..');
const opsPath = path.join(root, 'sync', 'loyalty', 'ops.ts');

/** Where a new op kind must be handled, each through an exhaustive switch or a record over the kinds. */
const MUST_HANDLE = [
  // The ledger's decision: what the op does to the member, and its effects (sync/ledger/apply-group.ts carries them).
  'sync/loyalty/apply.ts',
  // The events the op makes on the feed.
  'sync/loyalty/events.ts',
  // The liability movement its points are.
  'sync/loyalty/liability.ts',
  // Whether it is activity (for the member's lifecycle status).
  'sync/loyalty/lifecycle.ts',
  // Its lines on the till receipt.
  'sync/loyalty/receipt.ts',
  // The till's estimate of lifetime points while it is unconfirmed.
  'sync/till/view.ts',
  // The manager's queue: its place in the kind filter and its detail.
  'renderer/ManagerQueues.tsx',
  // Its name on the screens (the manager's queues, the console's member history), in every catalogue.
  'sync/loyalty/i18n/op-kinds.ts',
].sort();

function withReferralKind(source: string): string {
  const union = "export const OpSchema = z.discriminatedUnion('kind', [";
  const last = '  MergeInOpSchema,\n]);';
  if (!source.includes(union) || !source.includes(last)) throw new Error('ops.ts changed shape: update this test');
  return source
    .replace(
      union,
      `export const ReferralOpSchema = OpCommonSchema.extend({ kind: z.literal('referral'), referredBy: MemberIdSchema });\n\n${union}`,
    )
    .replace(last, '  MergeInOpSchema,\n  ReferralOpSchema,\n]);');
}

describe('the op-kind recipe', () => {
  it('a kind added to OpSchema alone fails to compile in each place that must handle it', () => {
    const config = ts.getParsedCommandLineOfConfigFile(
      path.join(root, 'tsconfig.json'),
      {},
      {
        ...ts.sys,
        onUnRecoverableConfigFileDiagnostic: (d) => {
          throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
        },
      },
    );
    if (!config) throw new Error('no tsconfig.json');
    // Production code only: tests switch on kinds too, but a test is not a place a new kind must be handled.
    const rootNames = config.fileNames.filter((f) => /^(sync|renderer|electron)\//.test(path.relative(root, f)));
    const host = ts.createCompilerHost(config.options);
    const read = host.getSourceFile.bind(host);
    host.getSourceFile = (fileName, language, onError, shouldCreate) =>
      path.resolve(fileName) === opsPath
        ? ts.createSourceFile(fileName, withReferralKind(ts.sys.readFile(opsPath) ?? ''), language)
        : read(fileName, language, onError, shouldCreate);
    const program = ts.createProgram({ rootNames, options: config.options, host });

    const errors = new Map<string, string[]>();
    for (const file of program.getSourceFiles()) {
      const rel = path.relative(root, file.fileName);
      if (rel.startsWith('..') || rel.startsWith('node_modules')) continue;
      for (const d of [...program.getSyntacticDiagnostics(file), ...program.getSemanticDiagnostics(file)]) {
        const list = errors.get(rel) ?? [];
        list.push(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
        errors.set(rel, list);
      }
    }
    expect([...errors.keys()].sort()).toEqual(MUST_HANDLE);
    // Each error is about the new kind (an unhandled case, a missing key), not some other breakage.
    for (const [file, messages] of errors)
      for (const m of messages) expect(m, `${file}: ${m}`).toMatch(/referral|ReferralOp/);
  }, 300_000);
});
