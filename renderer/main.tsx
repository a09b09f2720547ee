/** The till page's entry: loads the credentials from the host, starts the till engine and mounts the screens. */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { startTill } from '../sync/till/till.ts';
import { App } from './App.tsx';
import { errorSentence } from './format.ts';
import { browserHost, type TillHost } from './host.ts';

async function boot(host: TillHost, rootEl: HTMLElement): Promise<void> {
  const root = createRoot(rootEl);
  try {
    const config = await host.loadConfig();
    const till = await startTill({
      ledgerUrl: config.ledgerUrl,
      tillId: config.tillId,
      storeId: config.storeId,
      token: config.token,
      ...(config.reconnectionDelayMaxMs !== undefined
        ? {
            reconnectionDelayMs: Math.min(1_000, config.reconnectionDelayMaxMs),
            reconnectionDelayMaxMs: config.reconnectionDelayMaxMs,
          }
        : {}),
    });
    // Hand the leadership over promptly when the page goes away (reload, close).
    window.addEventListener('pagehide', () => void till.close());
    root.render(
      <StrictMode>
        <App till={till} tillId={config.tillId} storeId={config.storeId} storeName={config.storeName} />
      </StrictMode>,
    );
  } catch (e) {
    root.render(
      <main className="boot-error" role="alert">
        <h1>The till could not start</h1>
        <p>{errorSentence(e)}</p>
      </main>,
    );
  }
}

const rootEl = document.getElementById('root');
if (rootEl) void boot(browserHost(), rootEl);
