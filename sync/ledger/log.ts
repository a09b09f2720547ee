/** The ledger's logger: pino, JSON lines; secrets are redacted wherever they appear. */
import { pino, type Logger } from 'pino';

export type { Logger };

/** A logger at `level` (default from LOG_LEVEL, else info); tests pass 'silent'. */
export function createLogger(level: string = process.env['LOG_LEVEL'] ?? 'info'): Logger {
  return pino({
    level,
    base: { svc: 'ledger' },
    redact: { paths: ['token', '*.token', 'auth.token', 'tokenHash', '*.tokenHash'], censor: '[redacted]' },
  });
}
