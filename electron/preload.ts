// Runs sandboxed in the console window before the page. It exposes one typed object, `window.pakit`,
// that carries contract messages: no ipcRenderer, and the IPC event object never reaches the page.
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { IpcChannels, type PakitBridge } from '../shared/contract/bridge.ts';
import type { EventMessage } from '../shared/contract/wire.ts';

const bridge: PakitBridge = {
  request: (method, params) => ipcRenderer.invoke(IpcChannels.request, { kind: 'request', id: 0, method: String(method), params }),
  onEvent(listener) {
    const forward = (_event: IpcRendererEvent, message: EventMessage) => listener(message);
    ipcRenderer.on(IpcChannels.event, forward);
    return () => {
      ipcRenderer.removeListener(IpcChannels.event, forward);
    };
  },
};

contextBridge.exposeInMainWorld('pakit', bridge);
