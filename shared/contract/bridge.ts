import type { EventMessage, ResponseMessage } from './wire.ts';

/**
 * The only object the desktop app's preload puts in the page (as `window.pakit`). It carries the
 * contract's messages and nothing else: no ipcRenderer, no IPC event objects.
 */
export interface PakitBridge {
  request(method: string, params: unknown): Promise<ResponseMessage>;
  onEvent(listener: (message: EventMessage) => void): () => void;
}

export const IpcChannels = {
  request: 'pakit:request',
  event: 'pakit:event',
} as const;
