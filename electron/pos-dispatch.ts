/**
 * The renderer's side of the POS bridge: turns a `pos:request` into a call on the till engine and its outcome into
 * a `pos:response`. Typed against the engine's shape (`PosEngine`), not its module, so it needs neither Dexie nor
 * Electron; the renderer wires it as `till.onPosRequest(async (r) => till.respondPos(await answerPosRequest(engine, r)))`.
 */
import type { BasketLine, BurnWhat } from '../sync/loyalty/ops.ts';
import type { PosRequestMessage, PosResponseMessage } from './pos-contract.ts';

/** What the POS bridge calls on the till engine (sync/till/engine.ts's TillEngine has this shape). */
export interface PosEngine {
  lookup(card: string): Promise<unknown>;
  quote(memberId: string, lines: readonly BasketLine[]): Promise<unknown>;
  earn(input: { memberId: string; lines: readonly BasketLine[]; receiptRef?: string }): Promise<unknown>;
  burn(input: { memberId: string; what: BurnWhat; receiptRef?: string }): Promise<unknown>;
  void(input: { opId: string; reason: string }): Promise<unknown>;
}

function run(engine: PosEngine, r: PosRequestMessage): Promise<unknown> {
  switch (r.kind) {
    case 'lookup':
      return engine.lookup(r.payload.card);
    case 'quote':
      return engine.quote(r.payload.memberId, r.payload.lines);
    case 'earn': {
      const { memberId, lines, receiptRef } = r.payload;
      return engine.earn({ memberId, lines, ...(receiptRef !== undefined ? { receiptRef } : {}) });
    }
    case 'burn': {
      const { memberId, what, receiptRef } = r.payload;
      return engine.burn({ memberId, what, ...(receiptRef !== undefined ? { receiptRef } : {}) });
    }
    case 'void':
      return engine.void(r.payload);
  }
}

/** Runs one POS request on the engine; a refusal carrying a `code` (TillError) keeps its code, anything else is INTERNAL. */
export async function answerPosRequest(engine: PosEngine, request: PosRequestMessage): Promise<PosResponseMessage> {
  try {
    return { id: request.id, ok: true, result: await run(engine, request) };
  } catch (e) {
    const coded = e instanceof Error && typeof (e as { code?: unknown }).code === 'string';
    const issues = coded ? (e as { issues?: unknown }).issues : undefined;
    return {
      id: request.id,
      ok: false,
      error: coded
        ? {
            code: (e as Error & { code: string }).code,
            message: e.message,
            ...(Array.isArray(issues) ? { issues: issues.filter((i): i is string => typeof i === 'string') } : {}),
          }
        : { code: 'INTERNAL', message: 'The till engine failed.' },
    };
  }
}
