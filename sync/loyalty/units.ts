/** Branded scalar types so points, cents and ids cannot be mixed up. Pure, no I/O. */
import { z } from 'zod';

/** Loyalty points: a safe integer, may be negative only as a balance (an overdrawn conflict). */
export const PointsSchema = z
  .number()
  .int()
  .min(-Number.MAX_SAFE_INTEGER)
  .max(Number.MAX_SAFE_INTEGER)
  .brand<'Points'>();
export type Points = z.infer<typeof PointsSchema>;

/** Money in integer minor units (pence, cents). Never a float. */
export const CentsSchema = z.number().int().min(-Number.MAX_SAFE_INTEGER).max(Number.MAX_SAFE_INTEGER).brand<'Cents'>();
export type Cents = z.infer<typeof CentsSchema>;

const uuid = z
  .string()
  .regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, 'must be a lower-case UUID');
const shortId = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'letters, digits, dot, dash and underscore only');

/** An op id, made at the till (UUIDv7, so ids sort by creation time). */
export const OpIdSchema = uuid.brand<'OpId'>();
export type OpId = z.infer<typeof OpIdSchema>;
/** A member id: a UUID made by whoever enrolled the member (till or import). */
export const MemberIdSchema = uuid.brand<'MemberId'>();
export type MemberId = z.infer<typeof MemberIdSchema>;
export const TillIdSchema = shortId.brand<'TillId'>();
export type TillId = z.infer<typeof TillIdSchema>;
export const StoreIdSchema = shortId.brand<'StoreId'>();
export type StoreId = z.infer<typeof StoreIdSchema>;
/** A card number as printed on the card: what a scanner types. */
export const CardSchema = z
  .string()
  .min(4)
  .max(32)
  .regex(/^[0-9A-Za-z-]+$/, 'digits, letters and dashes only')
  .brand<'Card'>();
export type Card = z.infer<typeof CardSchema>;

export const points = (n: number): Points => n as Points;
export const cents = (n: number): Cents => n as Cents;

/** Rounds a decimal money amount (as exported by other systems, e.g. 22.200000000000003) to cents, once, at the boundary. */
export function centsFromDecimal(amount: number): Cents {
  if (!Number.isFinite(amount)) throw new RangeError(`not a finite amount: ${amount}`);
  // Half away from zero, so that a sale and its refund of the same amount round to opposite cents
  // (Math.round alone takes -0.125 to -12 but 0.125 to 13); `+ 0` turns -0 into 0.
  const c = Math.sign(amount) * Math.round(Math.abs(amount) * 100) + 0;
  if (!Number.isSafeInteger(c)) throw new RangeError(`amount out of range: ${amount}`);
  return c as Cents;
}
