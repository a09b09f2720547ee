/**
 * Card numbers with a Luhn check digit (ISO/IEC 7812), so that a mistyped or misread card is caught at the till or
 * at import before it reaches the ledger. Pure, no I/O.
 */

const DIGITS = /^[0-9]+$/;

/** Luhn sum of `digits`, doubling every second digit from the right (the rightmost when `payload` has no check digit yet). */
function luhnSum(digits: string, doubleFirst: boolean): number {
  let sum = 0;
  let double = doubleFirst;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum;
}

/** The Luhn check digit for a string of digits (the payload, without its check digit). */
export function luhnCheckDigit(payload: string): number {
  if (!DIGITS.test(payload)) throw new RangeError('a card payload is digits only');
  return (10 - (luhnSum(payload, true) % 10)) % 10;
}

/** `digits` followed by its Luhn check digit. */
export function withLuhn(digits: string): string {
  return `${digits}${luhnCheckDigit(digits)}`;
}

/** Whether `card` is at least two digits, digits only, and its last digit is the right Luhn check digit. */
export function luhnValid(card: string): boolean {
  if (card.length < 2 || !DIGITS.test(card)) return false;
  return luhnSum(card, false) % 10 === 0;
}
