import { IpcChannels, type EventMessage } from '../../shared/contract/index.ts';
import type { ContractServer } from '../node/api/contract-server.ts';
import { isTrustedSender } from './trusted-sender.ts';

// Structural slices of Electron's ipcMain and WebContents: main.ts passes the real objects; the
// tests pass stand-ins, because the Electron binary cannot be downloaded on our build machines.
type Frame = { url: string; parent: Frame | null } | null;
export type IpcMainLike = {
  handle(channel: string, listener: (event: { senderFrame: Frame }, raw: unknown) => Promise<unknown>): void;
  removeHandler(channel: string): void;
};
export type WebContentsLike = {
  send(channel: string, message: EventMessage): void;
  isDestroyed(): boolean;
  once(event: 'destroyed', listener: () => void): void;
};

/**
 * Serves the contract to the window over IPC: the same server, schemas and event shaping as the
 * WebSocket. Messages from any frame other than our console's main frame are refused.
 */
export function bindContractToIpc(server: ContractServer, ipcMain: IpcMainLike, contents: WebContentsLike, warn: (message: string) => void): () => void {
  const connection = server.connect({
    send: (message) => {
      if (!contents.isDestroyed()) contents.send(IpcChannels.event, message);
    },
  });
  ipcMain.handle(IpcChannels.request, async (event, raw) => {
    const frame = event.senderFrame;
    if (!isTrustedSender(frame ? { url: frame.url, isMainFrame: frame.parent === null } : null)) {
      warn(`refused an IPC request from an untrusted frame (${frame?.url ?? 'gone'})`);
      throw new Error('refused: untrusted sender');
    }
    return connection.handle(raw);
  });
  const unbind = () => {
    ipcMain.removeHandler(IpcChannels.request);
    connection.close();
  };
  contents.once('destroyed', unbind);
  return unbind;
}
