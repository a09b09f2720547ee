/** A ledger server inside the test process, on a fixed port, that can be closed and started again on the same data. */
import { createLogger } from '../../sync/ledger/log.ts';
import { startLedgerServer, type LedgerServer } from '../../sync/ledger/server.ts';
import { openStore } from '../../sync/ledger/store/open.ts';
import type { LedgerStore } from '../../sync/ledger/store/types.ts';
import type { TestDatabase } from './databases.ts';
import { freePort } from './ledger-process.ts';

export interface InProcessLedger {
  url: string;
  server(): LedgerServer;
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export async function startInProcessLedger(db: TestDatabase): Promise<InProcessLedger> {
  const port = await freePort();
  let store: LedgerStore | undefined;
  let server: LedgerServer | undefined;
  const start = async () => {
    store = await openStore(db.databaseUrl ? { databaseUrl: db.databaseUrl } : { dataDir: db.dataDir });
    server = await startLedgerServer({
      store,
      logger: createLogger(process.env['LEDGER_LOG_LEVEL'] ?? 'silent'),
      port,
    });
  };
  const stop = async () => {
    await server?.close();
    await store?.close();
    server = undefined;
    store = undefined;
  };
  await start();
  return {
    url: `http://127.0.0.1:${port}`,
    server: () => {
      if (!server) throw new Error('ledger is stopped');
      return server;
    },
    async restart() {
      await stop();
      await start();
    },
    stop,
  };
}
