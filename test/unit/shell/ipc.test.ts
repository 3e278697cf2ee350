// The Electron binary cannot be downloaded on our machines, so ipcMain and WebContents are stood in
// for here by objects with the same slice of their API; everything behind them is the real code.
import { describe, expect, it } from 'vitest';
import { IpcChannels, type EventMessage } from '../../../shared/contract/index.ts';
import { createTestNode } from '../../helpers/test-node.ts';
import { bindContractToIpc, type IpcMainLike, type WebContentsLike } from '../../../electron/shell/ipc.ts';
import { isAppUrl, isTrustedSender } from '../../../electron/shell/trusted-sender.ts';

type Frame = { url: string; parent: Frame | null };

function fakeElectron() {
  const handlers = new Map<string, (event: { senderFrame: Frame | null }, raw: unknown) => Promise<unknown>>();
  const sent: EventMessage[] = [];
  let onDestroyed = () => undefined as void;
  const ipcMain: IpcMainLike = {
    handle: (channel, listener) => void handlers.set(channel, listener),
    removeHandler: (channel) => void handlers.delete(channel),
  };
  const contents: WebContentsLike = {
    send: (_channel, message) => void sent.push(message),
    isDestroyed: () => false,
    once: (_event, listener) => void (onDestroyed = listener),
  };
  const invoke = (frame: Frame | null, raw: unknown) => {
    const handler = handlers.get(IpcChannels.request);
    if (!handler) throw new Error('no handler');
    return handler({ senderFrame: frame }, raw);
  };
  return { ipcMain, contents, sent, invoke, handlers, destroy: () => onDestroyed() };
}

const mainFrame = (url: string): Frame => ({ url, parent: null });

describe('contract over IPC', () => {
  it('serves requests from the console main frame', async () => {
    const node = await createTestNode({ host: 'desktop', version: '1.2.3' });
    const electron = fakeElectron();
    bindContractToIpc(node.api, electron.ipcMain, electron.contents, () => undefined);
    const response = await electron.invoke(mainFrame('pakit://app/index.html'), { kind: 'request', id: 0, method: 'node.info', params: {} });
    expect(response).toMatchObject({ ok: true, result: { host: 'desktop', version: '1.2.3' } });
  });

  it('refuses other origins, subframes and destroyed frames', async () => {
    const node = await createTestNode({ host: 'desktop', version: '1.2.3' });
    const electron = fakeElectron();
    const warnings: string[] = [];
    bindContractToIpc(node.api, electron.ipcMain, electron.contents, (message) => warnings.push(message));
    const request = { kind: 'request', id: 0, method: 'node.info', params: {} };
    await expect(electron.invoke(mainFrame('https://evil.example/'), request)).rejects.toThrow(/untrusted/);
    await expect(electron.invoke({ url: 'pakit://app/index.html', parent: mainFrame('pakit://app/index.html') }, request)).rejects.toThrow(/untrusted/);
    await expect(electron.invoke(null, request)).rejects.toThrow(/untrusted/);
    expect(warnings).toHaveLength(3);
  });

  it('answers invalid input with the typed error, as over WebSocket', async () => {
    const node = await createTestNode({ host: 'desktop', version: '1.2.3' });
    const electron = fakeElectron();
    bindContractToIpc(node.api, electron.ipcMain, electron.contents, () => undefined);
    const response = await electron.invoke(mainFrame('pakit://app/'), { kind: 'request', id: 0, method: 'log.recent', params: { limit: -1 } });
    expect(response).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
  });

  it('forwards shaped events to the window and unbinds when it is destroyed', async () => {
    const node = await createTestNode({ host: 'desktop', version: '1.2.3' });
    const electron = fakeElectron();
    bindContractToIpc(node.api, electron.ipcMain, electron.contents, () => undefined);
    node.log.info('test', 'hello window');
    await expect.poll(() => electron.sent.find((message) => message.event === 'log.entry')).toBeTruthy();
    expect(node.api.connectionCount).toBe(1);
    electron.destroy();
    expect(node.api.connectionCount).toBe(0);
    expect(electron.handlers.size).toBe(0);
  });
});

describe('shell policy', () => {
  it('trusts only pakit://app main frames', () => {
    expect(isTrustedSender({ url: 'pakit://app/index.html', isMainFrame: true })).toBe(true);
    expect(isTrustedSender({ url: 'pakit://app/index.html', isMainFrame: false })).toBe(false);
    expect(isTrustedSender({ url: 'pakit://evil/index.html', isMainFrame: true })).toBe(false);
    expect(isTrustedSender({ url: 'file:///etc/passwd', isMainFrame: true })).toBe(false);
    expect(isTrustedSender({ url: 'not a url', isMainFrame: true })).toBe(false);
  });

  it('keeps navigation inside the app', () => {
    expect(isAppUrl('pakit://app/#/radio')).toBe(true);
    expect(isAppUrl('https://example.com/')).toBe(false);
  });
});
