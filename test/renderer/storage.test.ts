/**
 * The till's storage as the manager reads it: bytes and quota in words, whether the browser keeps the journal
 * persistent, and the reading of `navigator.storage` (a stand-in here: Node has no StorageManager).
 */
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { StorageRows } from '../../renderer/StorageHealth.tsx';
import {
  fmtBytes,
  fmtPersisted,
  fmtQuota,
  readStorage,
  requestPersistentStorage,
  type StorageManagerLike,
} from '../../renderer/storage.ts';

describe('fmtBytes', () => {
  it('counts in decimal units with one decimal', () => {
    expect(fmtBytes(0)).toBe('0 B');
    expect(fmtBytes(999)).toBe('999 B');
    expect(fmtBytes(1_000)).toBe('1.0 kB');
    expect(fmtBytes(12_345_678)).toBe('12.3 MB');
    expect(fmtBytes(2_147_483_648)).toBe('2.1 GB');
    expect(fmtBytes(999_960)).toBe('1.0 MB');
    expect(fmtBytes(3e15)).toBe('3.0 PB');
  });

  it('says unknown for what is not a size', () => {
    expect(fmtBytes(-1)).toBe('unknown');
    expect(fmtBytes(Number.NaN)).toBe('unknown');
  });
});

describe('fmtQuota', () => {
  it('shows usage of quota with the share used', () => {
    expect(fmtQuota(12_345_678, 2_147_483_648)).toBe('12.3 MB of 2.1 GB (0.6 %)');
    expect(fmtQuota(1_500_000_000, 2_000_000_000)).toBe('1.5 GB of 2.0 GB (75.0 %)');
    expect(fmtQuota(0, 2_000_000_000)).toBe('0 B of 2.0 GB (0.0 %)');
    expect(fmtQuota(10_000, 300_000_000_000)).toBe('10.0 kB of 300.0 GB (< 0.1 %)');
  });

  it('says what the browser did not tell', () => {
    expect(fmtQuota(null, null)).toBe('not known (this browser does not tell)');
    expect(fmtQuota(5_000_000, null)).toBe('5.0 MB (quota not known)');
    expect(fmtQuota(5_000_000, 0)).toBe('5.0 MB (quota not known)');
  });
});

describe('fmtPersisted', () => {
  it('says yes, no with the risk, or not known', () => {
    expect(fmtPersisted(true)).toBe('yes');
    expect(fmtPersisted(false)).toMatch(/^no: the browser may clear/);
    expect(fmtPersisted(null)).toBe('not known');
  });
});

describe('navigator.storage', () => {
  it('asks for persistence once and keeps the answer where persisted() is missing', async () => {
    let asked = 0;
    const storage: StorageManagerLike = {
      persist: () => {
        asked++;
        return Promise.resolve(true);
      },
      estimate: () => Promise.resolve({ usage: 12_345_678, quota: 2_147_483_648 }),
    };
    expect(await requestPersistentStorage(storage)).toBe(true);
    expect(asked).toBe(1);
    expect(await readStorage(storage)).toEqual({ persisted: true, usage: 12_345_678, quota: 2_147_483_648 });
  });

  it('reads persisted() when there is one, and survives a browser that refuses or lacks the API', async () => {
    const storage: StorageManagerLike = {
      persist: () => Promise.reject(new Error('not allowed')),
      persisted: () => Promise.resolve(false),
      estimate: () => Promise.reject(new Error('no estimate')),
    };
    expect(await requestPersistentStorage(storage)).toBeNull();
    expect(await readStorage(storage)).toEqual({ persisted: false, usage: null, quota: null });
    expect(await requestPersistentStorage({})).toBeNull();
    expect(await readStorage({})).toMatchObject({ usage: null, quota: null });
  });

  it('does nothing under Node, where there is no StorageManager', async () => {
    expect(await requestPersistentStorage()).toBeNull();
    expect(await readStorage()).toMatchObject({ usage: null, quota: null });
  });
});

describe('the storage rows of the sync health list', () => {
  const rows = (report: Parameters<typeof StorageRows>[0]['report']): string[] => {
    const html = renderToStaticMarkup(createElement(StorageRows, { report }));
    const terms = [...html.matchAll(/<dt>(.*?)<\/dt>/g)].map((m) => m[1]);
    const values = [...html.matchAll(/<dd[^>]*>(.*?)<\/dd>/g)].map((m) => m[1]);
    return terms.map((t, i) => `${t}: ${values[i]}`);
  };

  it('shows persistence and the quota used', () => {
    expect(rows({ persisted: true, usage: 12_345_678, quota: 2_147_483_648 })).toEqual([
      'Storage persisted: yes',
      'Storage used: 12.3 MB of 2.1 GB (0.6 %)',
    ]);
  });

  it('says it is reading before the first answer', () => {
    expect(rows(null)).toEqual(['Storage persisted: reading…', 'Storage used: reading…']);
  });
});
