import { useEffect, useRef, useState } from 'react';
import { Dashboard } from '../views/Dashboard.tsx';
import { Emergency } from '../views/Emergency.tsx';
import { Files } from '../views/Files.tsx';
import { Catalogue } from '../views/Catalogue.tsx';
import { Index } from '../views/Index.tsx';
import { Radio } from '../views/Radio.tsx';
import { LogView } from '../views/LogView.tsx';
import { History } from '../views/History.tsx';
import { Nodes } from '../views/Nodes.tsx';
import { Peers } from '../views/Peers.tsx';
import { Settings } from '../views/Settings.tsx';
import { Messages } from '../views/Messages.tsx';
import { NodeMap } from '../views/Map.tsx';
import { TOKEN_REFUSED } from '../../../shared/contract/index.ts';
import { totalUnread, useConnection, useMessages, useStorage } from '../stores/index.ts';
import { useT } from '../i18n/index.ts';
import { AlertBanner } from './AlertBanner.tsx';
import { StatusBar } from './StatusBar.tsx';
import { TokenForm } from './TokenForm.tsx';
import { viewFromHash, views, type ViewId } from './views.ts';

/** Alt+1..Alt+9: the digit keys; later views have no shortcut. */
const SHORTCUTS = 9;

export function App() {
  const [view, setView] = useState<ViewId>(() => viewFromHash(window.location.hash));
  const mainRef = useRef<HTMLElement>(null);
  const t = useT();
  const connection = useConnection((store) => store.state);
  const tokenRefused = connection.phase === 'closed' && connection.error.reason === TOKEN_REFUSED;
  const unread = useMessages((store) => totalUnread(store.conversations));

  useEffect(() => {
    const onHash = () => setView(viewFromHash(window.location.hash));
    const onKey = (event: KeyboardEvent) => {
      if (!event.altKey || event.ctrlKey || event.metaKey) return;
      const target = views[Number(event.key) - 1];
      if (target) {
        event.preventDefault();
        window.location.hash = `#/${target.id}`;
      }
    };
    window.addEventListener('hashchange', onHash);
    window.addEventListener('keydown', onKey);
    return () => {
      window.removeEventListener('hashchange', onHash);
      window.removeEventListener('keydown', onKey);
    };
  }, []);

  useEffect(() => {
    mainRef.current?.focus();
    useStorage.getState().clearMessages();
  }, [view]);

  // A refused token: nothing else here can work until the operator gives the right one.
  if (tokenRefused) {
    return (
      <div className="token-page">
        <TokenForm refusal={connection.error} />
        <StatusBar />
      </div>
    );
  }

  return (
    <div className="app">
      <a className="skip-link" href="#main" onClick={(event) => (event.preventDefault(), mainRef.current?.focus())}>
        {t('app.skipToContent')}
      </a>
      <nav className="nav" aria-label={t('app.views')}>
        <div className="brand">{t('app.brand')}</div>
        <ul>
          {views.map((item, index) => (
            <li key={item.id}>
              <a href={`#/${item.id}`} aria-current={item.id === view ? 'page' : undefined} aria-keyshortcuts={index < SHORTCUTS ? `Alt+${index + 1}` : undefined}>
                <span>{t(`nav.${item.id}`)}</span>
                {item.id === 'messages' && unread > 0 ? <span className="unread nav-unread" aria-label={t('messages.unread', { count: unread })} data-testid="nav-unread">{unread}</span> : null}
                {index < SHORTCUTS ? <kbd aria-hidden="true">{t('app.shortcut', { key: index + 1 })}</kbd> : null}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      <AlertBanner />
      <main id="main" ref={mainRef} tabIndex={-1} className="main" aria-label={t(`nav.${view}`)}>
        {view === 'dashboard' ? <Dashboard /> : null}
        {view === 'settings' ? <Settings /> : null}
        {view === 'log' ? <LogView /> : null}
        {view === 'radio' ? <Radio /> : null}
        {view === 'peers' ? <Peers /> : null}
        {view === 'index' ? <Index /> : null}
        {view === 'files' ? <Files /> : null}
        {view === 'emergency' ? <Emergency /> : null}
        {view === 'nodes' ? <Nodes /> : null}
        {view === 'history' ? <History /> : null}
        {view === 'messages' ? <Messages /> : null}
        {view === 'map' ? <NodeMap /> : null}
        {view === 'catalogue' ? <Catalogue /> : null}
      </main>
      <StatusBar />
    </div>
  );
}
