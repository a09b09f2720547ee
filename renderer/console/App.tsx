/**
 * The console's frame: the login form until there is a session, then the navigation for the user's role and the page
 * the path names. A store manager's home is their store's view; head office's the tills. Which data a user may see is
 * decided by the ledger on every request; the navigation only leaves out what would be refused. Everything under it
 * speaks the console's locale (i18n.ts): the program's, from the session or, before one, from the page.
 */
import { useEffect, useState, type ReactNode } from 'react';
import type { SessionInfo } from '../../sync/protocol/console-api.ts';
import { assertNever } from '../../sync/loyalty/assert-never.ts';
import type { MessageKey } from '../../sync/loyalty/i18n/messages.ts';
import { I18nProvider, Rich, useMessages } from '../i18n.tsx';
import { api } from './api.ts';
import { langOverride, servedLocale } from './i18n.ts';
import { LoginPage } from './pages/LoginPage.tsx';
import { ClosingPage } from './pages/ClosingPage.tsx';
import { ConflictsPage } from './pages/ConflictsPage.tsx';
import { EventsPage } from './pages/EventsPage.tsx';
import { MembersPage } from './pages/MembersPage.tsx';
import { RushPage } from './pages/RushPage.tsx';
import { StorePage } from './pages/StorePage.tsx';
import { TillsPage } from './pages/TillsPage.tsx';
import { navigate, usePage, type Page } from './router.ts';

type Section = Exclude<Page['page'], 'home'>;

const SECTIONS: { id: Section; label: MessageKey; headOfficeOnly?: boolean }[] = [
  { id: 'store', label: 'console.nav.store' },
  { id: 'tills', label: 'console.nav.tills' },
  { id: 'conflicts', label: 'console.nav.conflicts' },
  { id: 'members', label: 'console.nav.members' },
  { id: 'closing', label: 'console.nav.closing' },
  { id: 'rush', label: 'console.nav.rush' },
  { id: 'events', label: 'console.nav.events', headOfficeOnly: true },
];

/** The tab's `?lang=` override, read once when the page loads. */
const override = langOverride(location.search, typeof sessionStorage === 'undefined' ? undefined : sessionStorage);

export function App() {
  const [session, setSession] = useState<SessionInfo | null | undefined>(undefined);
  useEffect(() => {
    api.session().then(setSession, () => setSession(null));
  }, []);
  const locale = override ?? session?.locale ?? servedLocale(document.documentElement.lang);
  return (
    <I18nProvider locale={locale}>
      <Frame session={session} onSession={setSession} />
    </I18nProvider>
  );
}

function Frame({
  session,
  onSession: setSession,
}: {
  session: SessionInfo | null | undefined;
  onSession: (s: SessionInfo | null) => void;
}) {
  const m = useMessages();
  const page = usePage();
  useEffect(() => {
    document.documentElement.lang = m.locale;
    document.title = m.t('console.app.title');
  }, [m]);
  if (session === undefined) return <p className="boot">{m.t('console.app.loading')}</p>;
  if (session === null) return <LoginPage onLogin={setSession} />;
  const current: Page =
    page.page === 'home' ? (session.role === 'head-office' ? { page: 'tills' } : { page: 'store' }) : page;
  const sections = SECTIONS.filter((s) => !s.headOfficeOnly || session.role === 'head-office');
  return (
    <div className="frame">
      <header>
        <h1>{m.t('console.app.title')}</h1>
        <nav aria-label={m.t('console.app.sections')}>
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
              {m.t(s.id === 'store' && session.role === 'head-office' ? 'console.nav.stores' : s.label)}
            </a>
          ))}
        </nav>
        <span className="who">
          <Rich
            k="console.app.signedIn"
            values={{
              name: session.name,
              role: m.t(`console.role.${session.role}`),
              hasStore: session.storeId ? 'yes' : 'no',
              store: session.storeId ?? '',
            }}
          />{' '}
          <button
            type="button"
            onClick={() => {
              void api.logout().finally(() => setSession(null));
            }}
          >
            {m.t('console.app.logout')}
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
