import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app/App.tsx';
import { TokenForm } from './app/TokenForm.tsx';
import { connectToNode, takeToken } from './client/connect.ts';
import './i18n/index.ts';
import { bindStores } from './stores/index.ts';
import './styles.css';

// The desktop app needs no token (the preload bridge is the way in); a browser without one asks for it.
const token = window.pakit ? '' : takeToken();
const root = document.getElementById('root');
if (root) {
  if (token === undefined) {
    createRoot(root).render(
      <StrictMode>
        <div className="token-page">
          <TokenForm />
        </div>
      </StrictMode>,
    );
  } else {
    bindStores(connectToNode(token), window.pakit ? 'desktop' : 'websocket');
    createRoot(root).render(
      <StrictMode>
        <App />
      </StrictMode>,
    );
  }
}
