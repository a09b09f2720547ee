/** The manager's sync-health rows for the rush: the ledger's queue and sheds from its last ack, and this till's sheds. */
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import type { SyncStatus } from '../../sync/till/replicator.ts';
import { syncLabel } from '../../renderer/App.tsx';
import { LedgerLoadRows, StalledRow } from '../../renderer/Manager.tsx';

const NOW = Date.UTC(2025, 2, 10, 9, 0, 0);
const base: SyncStatus = {
  state: 'online',
  pending: 0,
  inFlight: 0,
  oldestPendingAgeMs: null,
  lastSyncAt: NOW,
  lastError: null,
};

/** The rows as "term: value" lines, as a manager reads them. */
function rows(status: SyncStatus, now = NOW, rowsOf: typeof LedgerLoadRows = LedgerLoadRows): string[] {
  const html = renderToStaticMarkup(createElement(rowsOf, { status, now }));
  const terms = [...html.matchAll(/<dt>(.*?)<\/dt>/g)].map((m) => m[1]);
  const values = [...html.matchAll(/<dd[^>]*>(.*?)<\/dd>/g)].map((m) => m[1]);
  return terms.map((t, i) => `${t}: ${values[i]}`);
}

describe('sync health: the ledger under load', () => {
  it("shows the ledger's queue, this till's sheds and the ledger's total sheds", () => {
    const status = { ...base, shedCount: 3, ledgerLoad: { queuedOps: 38_600, shedTotal: 476 }, ledgerLoadAt: NOW };
    expect(rows(status)).toEqual(['Ledger queue: 38,600 ops', 'Shed (this till): 3', 'Shed (ledger total): 476']);
  });

  it('says how old a reading is once it is not fresh', () => {
    const status = { ...base, shedCount: 0, ledgerLoad: { queuedOps: 120, shedTotal: 0 }, ledgerLoadAt: NOW - 42_000 };
    expect(rows(status)).toEqual([
      'Ledger queue: 120 ops (42 s ago)',
      'Shed (this till): 0',
      'Shed (ledger total): 0 (42 s ago)',
    ]);
  });

  it('says so when the ledger has not reported its load (no ack yet, or an older ledger) or the window does not sync', () => {
    expect(rows({ ...base, shedCount: 0, ledgerLoad: null, ledgerLoadAt: null })).toEqual([
      'Ledger queue: not reported yet',
      'Shed (this till): 0',
      'Shed (ledger total): not reported yet',
    ]);
    expect(rows(base)).toEqual([
      'Ledger queue: not reported yet',
      'Shed (this till): not known here',
      'Shed (ledger total): not reported yet',
    ]);
  });
});

describe('sync health: a stalled outbox', () => {
  const reason = 'The ledger answered 3 times without taking op 812 (SEQ_GAP: An earlier op …)';

  it('the header says "Sync stalled" and the panel gives the reason and since when', () => {
    const status: SyncStatus = { ...base, state: 'stalled', stalled: { reason, code: 'SEQ_GAP', since: NOW - 90_000 } };
    expect(syncLabel(status)).toBe('Sync stalled');
    expect(rows(status, NOW, StalledRow)).toEqual([`Stalled: ${reason} (since 08:58:30, 1 min ago)`]);
  });

  it('says no when the outbox moves, and not known in a window that does not sync', () => {
    expect(syncLabel(base)).toBe('Online');
    expect(rows({ ...base, stalled: null }, NOW, StalledRow)).toEqual(['Stalled: no']);
    expect(rows(base, NOW, StalledRow)).toEqual(['Stalled: not known here']);
  });
});
