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
 * The console's access token for the headless node: from the URL the node printed (then taken out of
 * the address bar), else the one this tab was given before; undefined when it has none.
 */
export function takeToken(): string | undefined {
  const fromUrl = new URLSearchParams(window.location.hash.slice(1)).get('token');
  if (fromUrl) {
    rememberToken(fromUrl);
    // Keep the token out of the address bar, screenshots and browser history.
    history.replaceState(null, '', `${window.location.pathname}#/dashboard`);
  }
  return fromUrl ?? sessionStorage.getItem(TOKEN_KEY) ?? undefined;
}

/** The token this tab holds, for requests outside the contract (the map's tiles); undefined in the desktop app. */
export const storedToken = (): string | undefined => sessionStorage.getItem(TOKEN_KEY) ?? undefined;

/** Kept for this tab only (session storage): closing it forgets the token. */
export function rememberToken(token: string): void {
  sessionStorage.setItem(TOKEN_KEY, token);
}

/**
 * Connects the console to its node: through the preload bridge in the desktop app, or over the
 * WebSocket of the headless node that served this page, with its access token.
 */
export function connectToNode(token: string): ContractClient {
  if (window.pakit) return createContractClient(createBridgeTransport(window.pakit));
  const url = new URL('api/ws', window.location.href);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  url.hash = '';
  return createContractClient(createWebSocketTransport({ url: url.toString(), token }));
}
