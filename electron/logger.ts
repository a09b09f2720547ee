/**
 * The shell's logger interface (the call shape of pino: fields first, then the message) and a JSON-lines
 * implementation. Secrets never go in: callers log no token, and `redact` masks the usual keys as a second net.
 */
export interface Logger {
  info(fields: Record<string, unknown>, msg: string): void;
  warn(fields: Record<string, unknown>, msg: string): void;
  error(fields: Record<string, unknown>, msg: string): void;
}

const SECRET_KEYS = new Set(['token', 'authorization', 'password', 'secret']);

/** A copy of `fields` with secret-looking keys masked, one level deep (log fields are flat by convention). */
export function redact(fields: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(fields)) out[k] = SECRET_KEYS.has(k.toLowerCase()) ? '[redacted]' : v;
  return out;
}

/** A logger writing one JSON object per line through `write` (e.g. a file stream or process.stdout). */
export function jsonLinesLogger(write: (line: string) => void, now: () => number = Date.now): Logger {
  const log =
    (level: 'info' | 'warn' | 'error') =>
    (fields: Record<string, unknown>, msg: string): void => {
      const errorField = fields['err'];
      const extra = errorField instanceof Error ? { err: { name: errorField.name, message: errorField.message } } : {};
      write(`${JSON.stringify({ level, time: now(), svc: 'till-shell', msg, ...redact(fields), ...extra })}\n`);
    };
  return { info: log('info'), warn: log('warn'), error: log('error') };
}

/** A logger that drops everything (tests). */
export const silentLogger: Logger = { info: () => {}, warn: () => {}, error: () => {} };
