import { createContractClient, createWebSocketTransport, type ContractClient, type PakitBridge } from '../../../shared/contract/index.ts';
import { createBridgeTransport } from './bridge-transport.ts';

declare global {
  interface Window {
    /** Present only inside the desktop app (put there by its preload). */
    pakit?: PakitBridge;
  }
}

const TOKEN_KEY = 'pakit.token';

/**
 * Connects the console to its node: through the preload bridge in the desktop app, or over the
 * WebSocket of the headless node that served this page, with the token from the URL it printed.
 */
export function connectToNode(): ContractClient {
  if (window.pakit) return createContractClient(createBridgeTransport(window.pakit));
  const fromUrl = new URLSearchParams(window.location.hash.slice(1)).get('token');
  if (fromUrl) {
    sessionStorage.setItem(TOKEN_KEY, fromUrl);
    // Keep the token out of the address bar, screenshots and browser history.
    history.replaceState(null, '', `${window.location.pathname}#/dashboard`);
  }
  const token = fromUrl ?? sessionStorage.getItem(TOKEN_KEY) ?? '';
  const url = new URL('api/ws', window.location.href);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  url.hash = '';
  return createContractClient(createWebSocketTransport({ url: url.toString(), token }));
}
