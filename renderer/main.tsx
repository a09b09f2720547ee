/**
 * The till page's entry: picks the host (the Electron shell's `window.till`, else the browser's till-config.json),
 * asks for the till's setup when the shell has none, then starts the till engine, hands it to the host (POS requests,
 * tray status) and mounts the screens.
 */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import type { Root } from 'react-dom/client';
import { localeOfLanguages } from '../sync/loyalty/i18n/locale.ts';
import { messages } from '../sync/loyalty/i18n/messages.ts';
import { startTill } from '../sync/till/till.ts';
import { App } from './App.tsx';
import { errorSentence } from './format.ts';
import { browserHost, electronHost } from './host.ts';
import type { TillHost } from './host.ts';
import { hostedTill } from './hosted-till.ts';
import { I18nProvider } from './i18n.tsx';
import { SetupScreen } from './Setup.tsx';
import { requestPersistentStorage } from './storage.ts';

/**
 * Before the till holds a program, its pages (setup, a failed start) speak the browser's language where it is one of
 * the program locales; from then on the program's locale rules (App.tsx).
 */
const bootLocale = localeOfLanguages(navigator.languages);

async function boot(host: TillHost, root: Root, afterSetup = false): Promise<void> {
  const m = messages(bootLocale);
  try {
    const config = await host.loadConfig();
    if (config === null) {
      if (!host.setup) throw new Error(m.t('boot.noSetup'));
      const setup = host.setup;
      const { fields, hasTillToken } = await setup.current();
      root.render(
        <StrictMode>
          <I18nProvider locale={bootLocale}>
            <SetupScreen
              setup={setup}
              initial={fields}
              hasTillToken={hasTillToken}
              notice={afterSetup ? m.t('boot.setupAgain') : undefined}
              onSaved={() => void boot(host, root, true)}
            />
          </I18nProvider>
        </StrictMode>,
      );
      return;
    }
    // Ask that the browser never evict the journal when the disk runs low; the answer is kept for the manager's
    // screen. Not awaited: the till does not wait on it.
    void requestPersistentStorage();
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
    const detach = host.attach?.(hostedTill(till));
    // Hand the leadership over promptly when the page goes away (reload, close); the POS is told the engine is gone.
    window.addEventListener('pagehide', () => {
      detach?.();
      void till.close();
    });
    root.render(
      <StrictMode>
        <App till={till} tillId={config.tillId} storeId={config.storeId} storeName={config.storeName} />
      </StrictMode>,
    );
  } catch (e) {
    root.render(
      <main className="boot-error" role="alert" lang={bootLocale}>
        <h1>{m.t('boot.failed')}</h1>
        <p>{errorSentence(e, m)}</p>
      </main>,
    );
  }
}

const rootEl = document.getElementById('root');
if (rootEl) void boot(window.till ? electronHost(window.till) : browserHost(), createRoot(rootEl));
