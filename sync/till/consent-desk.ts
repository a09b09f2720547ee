/**
 * Marketing consent changed at the till after enrolment: at the member panel's consent form (`till`) or through the
 * POS API (`pos-api`). Journaled as a `consent` op like any other, synced through the outbox, offline too; the ledger
 * appends it to the member's history where and when it was given (this till, the op's time).
 */
import type { ConsentChange } from '../loyalty/consent.ts';
import { ConsentOpSchema } from '../loyalty/ops.ts';
import type { OpRow } from './db.ts';
import { parse, type EngineCore } from './engine-core.ts';
import { viewOf, type MemberView } from './view.ts';

const ConsentInput = ConsentOpSchema.pick({ memberId: true, consent: true }).extend({
  method: ConsentOpSchema.shape.method.extract(['till', 'pos-api']),
});

export class ConsentDesk {
  readonly #core: EngineCore;

  constructor(core: EngineCore) {
    this.#core = core;
  }

  /** Records a change of consent (only the channels named change); resolves once it is durable. */
  async recordConsent(input: {
    memberId: string;
    consent: ConsentChange;
    method: 'till' | 'pos-api';
  }): Promise<{ op: OpRow; view: MemberView }> {
    const { memberId, consent, method } = parse(ConsentInput, input, 'consent');
    const core = this.#core;
    return core.write(async () => {
      const program = await core.program();
      const { member, ops } = await core.memberWithOps(memberId);
      const op = await core.journal(program, memberId, { kind: 'consent', consent, method }, 0, 'local');
      return { op, view: viewOf(member, [...ops, op], program) };
    });
  }
}
