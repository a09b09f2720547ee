import type { WireError } from '../protocol/errors.ts';

/** A request refused with a wire error: the handler answers `{ ok: false, error }` with it. */
export class WireFailure extends Error {
  constructor(readonly wire: WireError) {
    super(wire.message);
  }
}
