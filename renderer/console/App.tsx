/**
 * The console's frame: the login form until there is a session, then the navigation for the user's role and the page
 * the path names. A store manager's home is their store's view; head office's the tills. Which data a user may see is
 * decided by the ledger on every request; the navigation only leaves out what would be refused.
 */
import { useEffect, useState, type ReactNode } from 'react';
import type { SessionInfo } from '../../sync/protocol/console-api.ts';
import { assertNever } from '../../sync/loyalty/assert-never.ts';
import { api } from './api.ts';
import { LoginPage } from './pages/LoginPage.tsx';
import { ClosingPage } from './pages/ClosingPage.tsx';
import { ConflictsPage } from './pages/ConflictsPage.tsx';
import { EventsPage } from './pages/EventsPage.tsx';
import { MembersPage } from './pages/MembersPage.tsx';
import { RushPage } from './pages/RushPage.tsx';
import { StorePage } from './pages/StorePage.tsx';
import { TillsPage } from './pages/TillsPage.tsx';
import { t } from './messages.ts';
import { navigate, usePage, type Page } from './router.ts';

type Section = Exclude<Page['page'], 'home'>;

const SECTIONS: { id: Section; label: string; headOfficeOnly?: boolean }[] = [
  { id: 'store', label: t.nav.store },
  { id: 'tills', label: t.nav.tills },
  { id: 'conflicts', label: t.nav.conflicts },
  { id: 'members', label: t.nav.members },
  { id: 'closing', label: t.nav.closing },
  { id: 'rush', label: t.nav.rush },
  { id: 'events', label: t.nav.events, headOfficeOnly: true },
];

export function App() {
  const [session, setSession] = useState<SessionInfo | null | undefined>(undefined);
  const page = usePage();
  useEffect(() => {
    api.session().then(setSession, () => setSession(null));
  }, []);
  if (session === undefined) return <p className="boot">{t.app.loading}</p>;
  if (session === null) return <LoginPage onLogin={setSession} />;
  const current: Page =
    page.page === 'home' ? (session.role === 'head-office' ? { page: 'tills' } : { page: 'store' }) : page;
  const sections = SECTIONS.filter((s) => !s.headOfficeOnly || session.role === 'head-office');
  return (
    <div className="frame">
      <header>
        <h1>{t.app.title}</h1>
        <nav aria-label="sections">
          {sections.map((s) => (
            <a
              key={s.id}
              href={`/console/${s.id}`}
              aria-current={current.page === s.id ? 'page' : undefined}
              onClick={(e) => {
                e.preventDefault();
                navigate({ page: s.id });
              }}
            >
              {s.id === 'store' && session.role === 'head-office' ? t.nav.stores : s.label}
            </a>
          ))}
        </nav>
        <span className="who">
          {t.app.signedInAs} <strong>{session.name}</strong> ({t.roles[session.role]}
          {session.storeId ? `, ${session.storeId}` : ''})
          <button
            type="button"
            onClick={() => {
              void api.logout().finally(() => setSession(null));
            }}
          >
            {t.app.logout}
          </button>
        </span>
      </header>
      <main>{render(current, session)}</main>
    </div>
  );
}

function render(p: Page, session: SessionInfo): ReactNode {
  switch (p.page) {
    case 'tills':
      return <TillsPage session={session} />;
    case 'conflicts':
      return <ConflictsPage session={session} />;
    case 'members':
      return <MembersPage session={session} memberId={p.memberId} />;
    case 'closing':
      return <ClosingPage session={session} />;
    case 'rush':
      return <RushPage />;
    case 'events':
      return <EventsPage />;
    case 'store':
      return <StorePage session={session} storeId={p.storeId ?? session.storeId ?? undefined} />;
    case 'home':
      return null;
    default:
      return assertNever(p, 'page');
  }
}
