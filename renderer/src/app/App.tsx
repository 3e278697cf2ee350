import { useEffect, useRef, useState } from 'react';
import { Dashboard } from '../views/Dashboard.tsx';
import { Emergency } from '../views/Emergency.tsx';
import { Files } from '../views/Files.tsx';
import { Index } from '../views/Index.tsx';
import { Radio } from '../views/Radio.tsx';
import { LogView } from '../views/LogView.tsx';
import { Peers } from '../views/Peers.tsx';
import { Settings } from '../views/Settings.tsx';
import { Messages } from '../views/Messages.tsx';
import { totalUnread, useMessages, useStorage } from '../stores/index.ts';
import { AlertBanner } from './AlertBanner.tsx';
import { StatusBar } from './StatusBar.tsx';
import { viewFromHash, views, type ViewId } from './views.ts';

export function App() {
  const [view, setView] = useState<ViewId>(() => viewFromHash(window.location.hash));
  const mainRef = useRef<HTMLElement>(null);
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

  return (
    <div className="app">
      <a className="skip-link" href="#main" onClick={(event) => (event.preventDefault(), mainRef.current?.focus())}>
        Skip to content
      </a>
      <nav className="nav" aria-label="Views">
        <div className="brand">Pakit Mesh</div>
        <ul>
          {views.map((item, index) => (
            <li key={item.id}>
              <a href={`#/${item.id}`} aria-current={item.id === view ? 'page' : undefined} aria-keyshortcuts={`Alt+${index + 1}`}>
                <span>{item.label}</span>
                {item.id === 'messages' && unread > 0 ? <span className="unread nav-unread" aria-label={`${unread} unread`} data-testid="nav-unread">{unread}</span> : null}
                <kbd aria-hidden="true">Alt+{index + 1}</kbd>
              </a>
            </li>
          ))}
        </ul>
      </nav>
      <AlertBanner />
      <main id="main" ref={mainRef} tabIndex={-1} className="main" aria-label={views.find((item) => item.id === view)?.label}>
        {view === 'dashboard' ? <Dashboard /> : null}
        {view === 'settings' ? <Settings /> : null}
        {view === 'log' ? <LogView /> : null}
        {view === 'radio' ? <Radio /> : null}
        {view === 'peers' ? <Peers /> : null}
        {view === 'index' ? <Index /> : null}
        {view === 'files' ? <Files /> : null}
        {view === 'emergency' ? <Emergency /> : null}
        {view === 'messages' ? <Messages /> : null}
      </main>
      <StatusBar />
    </div>
  );
}
