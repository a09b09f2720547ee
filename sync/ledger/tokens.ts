/**
 * Till tokens: 256 random bits, shown once at `ledger till add`, stored only as a SHA-256 hash. A slow password
 * hash buys nothing for a secret of this entropy and would make a reconnect storm CPU-bound.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** A new till token (base64url, 43 characters). */
export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

/** The stored form of a token. */
export function hashToken(token: string): string {
  return `sha256$${createHash('sha256').update(token, 'utf8').digest('hex')}`;
}

/** Constant-time check of a presented token against its stored hash. */
export function verifyToken(token: string, stored: string): boolean {
  const a = Buffer.from(hashToken(token));
  const b = Buffer.from(stored);
  return a.length === b.length && timingSafeEqual(a, b);
}
