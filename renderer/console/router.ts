/** The console's pages by path under /console, with the History API (the ledger answers index.html for each). */
import { useEffect, useState } from 'react';

export type Page =
  | { page: 'tills' }
  | { page: 'conflicts' }
  | { page: 'members'; memberId?: string }
  | { page: 'closing' }
  | { page: 'rush' }
  | { page: 'events' }
  | { page: 'store'; storeId?: string }
  | { page: 'home' };

export function parsePath(pathname: string): Page {
  const parts = pathname
    .replace(/^\/console\/?/, '')
    .split('/')
    .filter(Boolean)
    .map(decodeURIComponent);
  switch (parts[0]) {
    case 'tills':
    case 'conflicts':
    case 'closing':
    case 'rush':
    case 'events':
      return { page: parts[0] };
    case 'members':
      return parts[1] ? { page: 'members', memberId: parts[1] } : { page: 'members' };
    case 'store':
      return parts[1] ? { page: 'store', storeId: parts[1] } : { page: 'store' };
    default:
      return { page: 'home' };
  }
}

export function pathOf(p: Page): string {
  switch (p.page) {
    case 'members':
      return `/console/members${p.memberId ? `/${encodeURIComponent(p.memberId)}` : ''}`;
    case 'store':
      return `/console/store${p.storeId ? `/${encodeURIComponent(p.storeId)}` : ''}`;
    case 'home':
      return '/console/';
    default:
      return `/console/${p.page}`;
  }
}

export function navigate(p: Page): void {
  history.pushState(null, '', pathOf(p));
  window.dispatchEvent(new PopStateEvent('popstate'));
}

export function usePage(): Page {
  const [page, setPage] = useState(() => parsePath(location.pathname));
  useEffect(() => {
    const on = () => setPage(parsePath(location.pathname));
    window.addEventListener('popstate', on);
    return () => window.removeEventListener('popstate', on);
  }, []);
  return page;
}
