/**
 * Manager PINs: set by head office per store, hashed with PBKDF2-SHA256 (WebCrypto, so the same code runs on the
 * ledger and in the till's renderer), sent to the store's tills so a manager can act while the ledger is down.
 * A short PIN's hash can be brute-forced by whoever holds it, so tills also rate-limit attempts.
 */
import { z } from 'zod';

export const PinSchema = z.string().regex(/^\d{4,8}$/, 'a manager PIN is 4 to 8 digits');

const hex = z.string().regex(/^[0-9a-f]+$/);
export const PinHashSchema = z.object({
  algorithm: z.literal('PBKDF2-SHA256'),
  iterations: z.number().int().min(10_000).max(5_000_000),
  salt: hex.length(32),
  hash: hex.length(64),
});
export type PinHash = z.infer<typeof PinHashSchema>;

const toHex = (bytes: Uint8Array): string => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
const fromHex = (s: string): Uint8Array<ArrayBuffer> => {
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(s.slice(i * 2, i * 2 + 2), 16);
  return out;
};

async function derive(pin: string, salt: Uint8Array<ArrayBuffer>, iterations: number): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey('raw', new TextEncoder().encode(pin), 'PBKDF2', false, ['deriveBits']);
  const bits = await crypto.subtle.deriveBits({ name: 'PBKDF2', hash: 'SHA-256', salt, iterations }, key, 256);
  return new Uint8Array(bits);
}

/** Hashes a PIN with a fresh random salt. */
export async function hashPin(pin: string, iterations = 210_000): Promise<PinHash> {
  const salt = crypto.getRandomValues(new Uint8Array(16));
  return {
    algorithm: 'PBKDF2-SHA256',
    iterations,
    salt: toHex(salt),
    hash: toHex(await derive(pin, salt, iterations)),
  };
}

/** Checks a PIN against its hash, comparing every byte whatever the first difference. */
export async function verifyPin(pin: string, stored: PinHash): Promise<boolean> {
  if (!PinSchema.safeParse(pin).success) return false;
  const got = await derive(pin, fromHex(stored.salt), stored.iterations);
  const want = fromHex(stored.hash);
  let diff = got.length ^ want.length;
  for (let i = 0; i < want.length; i++) diff |= (got[i] ?? 0) ^ (want[i] ?? 0);
  return diff === 0;
}
