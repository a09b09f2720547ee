/** Builders of well-formed ops for tests that speak the protocol directly. */
import { v7 as uuidv7 } from 'uuid';
import type { BurnOp, EarnOp, Op, VoidOp } from '../../sync/loyalty/ops.ts';
import type { Cents, MemberId, OpId, Points } from '../../sync/loyalty/units.ts';
import type { TillCredentials } from './seed.ts';

export class OpMaker {
  private seq = 0;
  constructor(
    private readonly till: TillCredentials,
    private readonly programVersion = 1,
    private readonly now: () => number = Date.now,
  ) {}

  private common(memberId: string) {
    return {
      opId: uuidv7() as OpId,
      tillId: this.till.tillId,
      storeId: this.till.storeId,
      seq: ++this.seq,
      memberId: memberId as MemberId,
      at: this.now(),
      programVersion: this.programVersion,
    };
  }

  earn(memberId: string, amountCents: number, category = 'general'): EarnOp {
    return {
      ...this.common(memberId),
      kind: 'earn',
      lines: [{ amountCents: amountCents as Cents, category }],
      quotedPoints: 0 as Points,
    };
  }

  burn(memberId: string, pts: number, onOverdraw: 'conflict' | 'reject' = 'reject'): BurnOp {
    return {
      ...this.common(memberId),
      kind: 'burn',
      what: { type: 'points', points: pts as Points },
      points: pts as Points,
      onOverdraw,
    };
  }

  void(target: Op, reason = 'mistake'): VoidOp {
    return { ...this.common(target.memberId), kind: 'void', targetOpId: target.opId, reason };
  }
}
