/**
 * The program versions this ledger process knows: every version seen (a group reads the clock tolerance of the
 * version an op was made under) and the newest, which pulls hand out.
 */
import type { Program } from '../../loyalty/program.ts';

const DEFAULT_TOLERANCE_MS = 120_000;

export class ProgramVersions {
  private readonly byVersion = new Map<number, Program>();
  private newest: Program | undefined;

  /** `onNewer` runs when a version newer than every one before it is adopted. */
  constructor(
    initial: Program | undefined,
    private readonly onNewer: (program: Program) => void,
  ) {
    this.newest = initial;
    if (initial) this.byVersion.set(initial.version, initial);
  }

  get latest(): Program | undefined {
    return this.newest;
  }

  /** Whether `program` is newer than the latest known. */
  isNewer(program: Program): boolean {
    return !this.newest || program.version > this.newest.version;
  }

  /** Till clock drift tolerated under program version `version` (2 minutes for one this process has not seen). */
  clockToleranceMs(version: number): number {
    return this.byVersion.get(version)?.clockToleranceMs ?? DEFAULT_TOLERANCE_MS;
  }

  /** Knows `program`; a newer version becomes the latest and is announced. */
  adopt(program: Program): void {
    this.byVersion.set(program.version, program);
    if (!this.isNewer(program)) return;
    this.newest = program;
    this.onNewer(program);
  }
}
