import { describe, expect, it } from 'vitest';
import { originFormUrl } from '../../../sync/protocol/request-target.ts';

describe('originFormUrl', () => {
  it('keeps a target that starts with // as a path, never as a host', () => {
    expect(originFormUrl('//health/health')?.pathname).toBe('//health/health');
    expect(originFormUrl('//')?.pathname).toBe('//');
    expect(originFormUrl('//a:b@/x')?.pathname).toBe('//a:b@/x');
  });

  it('reads the path and query of an ordinary target', () => {
    const u = originFormUrl('/events?after=12&limit=5');
    expect(u?.pathname).toBe('/events');
    expect(u?.searchParams.get('after')).toBe('12');
  });

  it('normalises dot segments as a browser would', () => {
    expect(originFormUrl('/x/../health')?.pathname).toBe('/health');
  });

  it('gives undefined for targets that are not origin-form', () => {
    for (const t of [undefined, '', '*', 'health', 'http://ledger/health']) expect(originFormUrl(t), t).toBeUndefined();
  });
});
