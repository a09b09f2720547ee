/**
 * The end of an exhaustive switch: `x` is `never` once every case is handled, so a new member of the union (an op
 * kind, an effect) fails to compile at each switch that must decide what to do with it.
 */
export function assertNever(x: never, what = 'value'): never {
  throw new Error(`unhandled ${what}: ${JSON.stringify(x)}`);
}
