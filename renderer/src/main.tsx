import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app/App.tsx';
import { connectToNode } from './client/connect.ts';
import './i18n/index.ts';
import { bindStores } from './stores/index.ts';
import './styles.css';

const client = connectToNode();
bindStores(client, window.pakit ? 'desktop' : 'websocket');

const root = document.getElementById('root');
if (root) {
  createRoot(root).render(
    <StrictMode>
      <App />
    </StrictMode>,
  );
}
