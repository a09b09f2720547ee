/**
 * The console page's client of `/console/api`: same-origin fetches that carry the session cookie (HttpOnly, so the
 * page never reads it) and, on every non-GET, the session's CSRF token. A refusal is an ApiError with the API's code.
 */
import { CONSOLE_API, CSRF_HEADER, type ConsoleErrorCode, type SessionInfo } from '../../sync/protocol/console-api.ts';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: ConsoleErrorCode,
    message: string,
    readonly detail?: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

let csrf = '';

async function call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${CONSOLE_API}${path}`, {
    method,
    credentials: 'same-origin',
    headers: {
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(method !== 'GET' && csrf ? { [CSRF_HEADER]: csrf } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const json = (await res.json().catch(() => null)) as
    (T & { error?: undefined }) | { error: { code: ConsoleErrorCode; message: string; detail?: string } } | null;
  if (!res.ok || json === null || (typeof json === 'object' && 'error' in json && json.error)) {
    const err = (json as { error?: { code: ConsoleErrorCode; message: string; detail?: string } } | null)?.error;
    throw new ApiError(res.status, err?.code ?? 'INTERNAL', err?.message ?? res.statusText, err?.detail);
  }
  return json;
}

export const api = {
  get: <T>(path: string) => call<T>('GET', path),
  post: <T>(path: string, body: unknown = {}) => call<T>('POST', path, body),
  async session(): Promise<SessionInfo> {
    const s = await call<SessionInfo>('GET', '/session');
    csrf = s.csrfToken;
    return s;
  },
  async login(name: string, password: string): Promise<SessionInfo> {
    const s = await call<SessionInfo>('POST', '/login', { name, password });
    csrf = s.csrfToken;
    return s;
  },
  async logout(): Promise<void> {
    await call('POST', '/logout');
    csrf = '';
  },
};
