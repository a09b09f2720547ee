/** Registers one ipcMain handler per channel; each validates its sender and arguments before the handler runs. */
import { ipcMain } from 'electron';
import { IpcChannel } from './ipc-channels.ts';
import { dispatchIpc } from './ipc-contract.ts';
import type { IpcHandlers } from './ipc-contract.ts';
import type { Logger } from './logger.ts';

/** Wires `handlers` to ipcMain; calls from frames outside `appOrigin` or with bad arguments are refused and logged. */
export function registerIpcHandlers(handlers: IpcHandlers, appOrigin: string, logger: Logger): void {
  for (const channel of Object.values(IpcChannel)) {
    ipcMain.handle(channel, async (event, ...args) => {
      try {
        return await dispatchIpc(handlers, channel, event.senderFrame?.url, args, appOrigin);
      } catch (e) {
        logger.warn({ channel, err: e }, 'IPC call refused or failed');
        throw e;
      }
    });
  }
}
