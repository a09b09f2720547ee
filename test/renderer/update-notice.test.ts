/**
 * The header when the ledger refuses the till's protocol version: it says to update the till and that sales are
 * still recorded, instead of "the ledger cannot be reached"; other errors keep the offline banner.
 */
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { StatusBar } from '../../renderer/App.tsx';
import { PROTOCOL_VERSION_NOTICE } from '../../renderer/sync-notice.ts';
import { errorMessages } from '../../sync/protocol/errors.ts';
import type { SyncStatus } from '../../sync/till/replicator.ts';

const offline: SyncStatus = {
  state: 'offline',
  pending: 3,
  inFlight: 0,
  oldestPendingAgeMs: 60_000,
  lastSyncAt: null,
  lastError: null,
};

const header = (status: SyncStatus): string =>
  renderToStaticMarkup(
    createElement(StatusBar, { status, tillId: 'till-1', storeId: 'store-1', screen: 'cashier', onScreen: () => {} }),
  )
    .replace(/<!-- -->/g, '')
    .replace(/&#x27;/g, "'");

describe('the header and a refused protocol version', () => {
  it('says to update the till, that sales are still recorded, and how many wait', () => {
    const html = header({
      ...offline,
      lastError: { code: 'PROTOCOL_VERSION', message: errorMessages.PROTOCOL_VERSION },
    });
    expect(html).toContain('data-testid="update-banner"');
    expect(html).toContain(PROTOCOL_VERSION_NOTICE);
    expect(html).toContain('3 operations wait to sync.');
    expect(html).not.toContain('data-testid="offline-banner"');
  });

  it('keeps the offline banner for any other error', () => {
    const html = header({ ...offline, lastError: { code: 'TILL_REVOKED', message: errorMessages.TILL_REVOKED } });
    expect(html).toContain('data-testid="offline-banner"');
    expect(html).toContain(errorMessages.TILL_REVOKED);
    expect(html).not.toContain('update-banner');
  });
});
