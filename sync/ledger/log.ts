/** The ledger's logger: pino, JSON lines; secrets are redacted wherever they appear. */
import { pino, type Logger } from 'pino';

export type { Logger };

/** A logger at `level` (default from LOG_LEVEL, else info); tests pass 'silent'. */
export function createLogger(level: string = process.env['LOG_LEVEL'] ?? 'info'): Logger {
  return pino({
    level,
    base: { svc: 'ledger' },
    // pino's wildcards match one level each: list the depths a token can sit at in what the server logs.
    redact: {
      paths: [
        'token',
        '*.token',
        '*.*.token',
        '*.*.*.token',
        'tokenHash',
        '*.tokenHash',
        '*.*.tokenHash',
        'secret',
        '*.secret',
        'managerPin',
        '*.managerPin',
      ],
      censor: '[redacted]',
    },
  });
}
