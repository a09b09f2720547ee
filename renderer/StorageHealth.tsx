/**
 * The manager's storage rows (in the sync health list): whether the browser keeps the till's data persistent, and
 * how much of the storage quota is used, read when the screen opens and every 30 s while it stays open.
 */
import { useEffect, useState } from 'react';
import { fmtPersisted, fmtQuota, readStorage } from './storage.ts';
import type { StorageReport } from './storage.ts';
import { useMessages } from './i18n.tsx';

export const STORAGE_REFRESH_MS = 30_000;

/** The rows for `report`; null while the first reading is under way. */
export function StorageRows({ report }: { report: StorageReport | null }) {
  const m = useMessages();
  return (
    <>
      <dt>{m.t('storage.persisted')}</dt>
      <dd data-testid="storage-persisted">{report ? fmtPersisted(report.persisted, m) : m.t('storage.reading')}</dd>
      <dt>{m.t('storage.used')}</dt>
      <dd data-testid="storage-used">{report ? fmtQuota(report.usage, report.quota, m) : m.t('storage.reading')}</dd>
    </>
  );
}

/** The storage rows, kept fresh while mounted. */
export function StorageHealth({ refreshMs = STORAGE_REFRESH_MS }: { refreshMs?: number }) {
  const [report, setReport] = useState<StorageReport | null>(null);
  useEffect(() => {
    let live = true;
    const read = () =>
      void readStorage().then((r) => {
        if (live) setReport(r);
      });
    read();
    const t = setInterval(read, refreshMs);
    return () => {
      live = false;
      clearInterval(t);
    };
  }, [refreshMs]);
  return <StorageRows report={report} />;
}
