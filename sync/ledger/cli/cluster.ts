/**
 * The cluster's side of the CLI: `ledger serve --redis URL --redis-prefix P --process-name N --drain-ms MS
 * --no-webhooks` (several processes on one PostgreSQL, cluster/), `ledger webhook run` (the webhook worker as a
 * process of its own), and an immediate disconnection of a revoked or rotated till on every process when Redis is
 * configured. Flags are checked before anything is opened, and handed to the server through the environment, as the
 * TLS flags are (tills.ts).
 */
import type { Command } from 'commander';
import { TillIdSchema } from '../../loyalty/units.ts';
import { CodedError } from '../../protocol/errors.ts';
import { announceTillWithdrawn } from '../cluster/revocations.ts';
import { checkRedisUrl, clusterSettingsFromEnv } from '../cluster/redis.ts';
import { createLogger } from '../log.ts';
import { createWebhookWorker, webhookSettingsFromEnv, DEFAULT_WEBHOOK_SETTINGS } from '../webhooks.ts';
import { parsePositiveInt, withStore } from './support.ts';

/** How long `serve` drains on SIGTERM before it lets its tills go: $LEDGER_DRAIN_MS (set from --drain-ms), else 0. */
export function drainMsFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const v = env['LEDGER_DRAIN_MS'];
  if (v === undefined || v === '' || v === '0') return 0;
  return parsePositiveInt(v, 'LEDGER_DRAIN_MS');
}

const PREFIX = /^[A-Za-z0-9_.:-]{1,64}$/;

/** Adds the cluster flags to `serve`, `webhook run`, and the cluster-wide disconnection to `till revoke|rotate`. */
export function registerClusterCommands(program: Command): void {
  const serve = program.commands.find((c) => c.name() === 'serve');
  if (!serve) throw new Error('registerClusterCommands: no "serve" command to extend');
  serve
    .option(
      '--redis <url>',
      'share live events and limits with the other ledger processes through this Redis; default $REDIS_URL',
    )
    .option(
      '--redis-prefix <prefix>',
      'prefix of every Redis key and stream of this ledger; default $LEDGER_REDIS_PREFIX or "ledger"',
    )
    .option('--process-name <name>', 'this process in /metrics (the process label) and in Redis; default hostname:pid')
    .option(
      '--drain-ms <ms>',
      'on SIGTERM, answer /health 503 for this long, finish queued groups, then exit (default 0)',
    )
    .option('--no-webhooks', 'deliver no webhooks from this process (run "ledger webhook run" instead)')
    .hook('preAction', (cmd) => {
      const o = cmd.opts<{
        redis?: string;
        redisPrefix?: string;
        processName?: string;
        drainMs?: string;
        webhooks?: boolean;
      }>();
      if (o.redis !== undefined) process.env['REDIS_URL'] = checkRedisUrl(o.redis, '--redis');
      else if (process.env['REDIS_URL']) checkRedisUrl(process.env['REDIS_URL'], 'REDIS_URL');
      if (o.redisPrefix !== undefined) {
        if (!PREFIX.test(o.redisPrefix))
          throw new CodedError(
            'BAD_ARGUMENT',
            `--redis-prefix "${o.redisPrefix}" is not valid: use letters, digits, dot, colon, dash and underscore (1-64).`,
          );
        process.env['LEDGER_REDIS_PREFIX'] = o.redisPrefix;
      }
      if (o.processName !== undefined) {
        if (!PREFIX.test(o.processName))
          throw new CodedError(
            'BAD_ARGUMENT',
            `--process-name "${o.processName}" is not valid: use letters, digits, dot, colon, dash and underscore (1-64).`,
          );
        process.env['LEDGER_PROCESS_NAME'] = o.processName;
      }
      if (o.drainMs !== undefined)
        process.env['LEDGER_DRAIN_MS'] = o.drainMs === '0' ? '0' : String(parsePositiveInt(o.drainMs, '--drain-ms'));
      else drainMsFromEnv();
      if (o.webhooks === false) process.env['LEDGER_WEBHOOKS'] = 'off';
    });

  // The revoking CLI tells every process at once; each process's own check of the store is the fallback.
  const tills = program.commands.find((c) => c.name() === 'till');
  for (const name of ['revoke', 'rotate']) {
    const sub = tills?.commands.find((c) => c.name() === name);
    sub?.hook('postAction', async (cmd) => {
      const settings = clusterSettingsFromEnv();
      const id = TillIdSchema.safeParse(cmd.args[0]);
      if (!settings || !id.success) return;
      try {
        const heard = await announceTillWithdrawn(settings, id.data);
        console.log(`till ${id.data}: ${heard} ledger process(es) told to close its connections now`);
      } catch (err) {
        console.log(
          `till ${id.data}: Redis did not take the disconnection (${err instanceof Error ? err.message : String(err)}); ` +
            'the ledger processes drop it at their next check, within seconds',
        );
      }
    });
  }

  const hooks = program.commands.find((c) => c.name() === 'webhook');
  if (!hooks) throw new Error('registerClusterCommands: no "webhook" command to extend');
  hooks
    .command('run')
    .description('deliver webhooks in this process until stopped (serve then runs with --no-webhooks)')
    .action(async (_o, cmd: Command) => {
      const settings = webhookSettingsFromEnv();
      await withStore(cmd, async (store) => {
        const logger = createLogger();
        const worker = createWebhookWorker({ store, logger, ...(settings || DEFAULT_WEBHOOK_SETTINGS) });
        worker.start();
        console.log('webhook worker running');
        await new Promise<void>((resolve) => {
          process.once('SIGINT', () => resolve());
          process.once('SIGTERM', () => resolve());
        });
        await worker.close();
      });
    });
}
