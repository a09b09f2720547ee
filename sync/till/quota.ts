/**
 * Recognises IndexedDB's "disk full" through Dexie. Runs in the renderer (and under Node tests). A write past the
 * origin's quota fails with a DOMException named QuotaExceededError, from the request or, when the browser finds out
 * at commit, as the aborted transaction's error; Dexie passes it on as its own QuotaExceededError with the
 * DOMException as `inner`, or inside a BulkError's failures. Firefox once named it NS_ERROR_DOM_QUOTA_REACHED.
 */

const QUOTA_NAMES: ReadonlySet<string> = new Set(['QuotaExceededError', 'NS_ERROR_DOM_QUOTA_REACHED']);

/** Whether `e` (a Dexie error, a DOMException, or an error wrapping one) says the storage quota is exhausted. */
export function isQuotaError(e: unknown, depth = 0): boolean {
  if (depth > 5 || typeof e !== 'object' || e === null) return false;
  const err = e as { name?: unknown; inner?: unknown; cause?: unknown; failures?: unknown };
  if (typeof err.name === 'string' && QUOTA_NAMES.has(err.name)) return true;
  if (isQuotaError(err.inner, depth + 1) || isQuotaError(err.cause, depth + 1)) return true;
  return Array.isArray(err.failures) && err.failures.some((f) => isQuotaError(f, depth + 1));
}
