// The desktop app's composition root: builds the node, binds the contract to IPC, opens the window.
import { join } from 'node:path';
import { app, dialog, ipcMain, Notification, type BrowserWindow } from 'electron';
import { meshSettingsFromEnv, ConfigError } from './node/config.ts';
import { radioChoiceSetting } from './node/radio/radio-choice.ts';
import { IdentityError, type SecretProtector } from './node/identity/index.ts';
import { formatLogLine } from './node/log.ts';
import { openNodeState, type NodeState } from './node/node-state.ts';
import { PakitNode } from './node/node.ts';
import { StorageError } from './node/storage/index.ts';
import { registerConsoleScheme, serveConsole } from './shell/console-protocol.ts';
import { dialogFiles } from './shell/files.ts';
import { desktopKeyProtector } from './shell/secret-storage.ts';
import { bindContractToIpc } from './shell/ipc.ts';
import { createConsoleWindow } from './shell/window.ts';

registerConsoleScheme();
if (!app.requestSingleInstanceLock()) app.quit();

// Bundled by Forge's Vite plugin into .vite/build/ next to preload.js; the console is built into
// dist/console in development and shipped as the `console` resource when packaged.
const preloadPath = join(import.meta.dirname, 'preload.js');
const consoleDir = app.isPackaged ? join(process.resourcesPath, 'console') : join(app.getAppPath(), 'dist', 'console');

/** Start-up stops on anything it cannot use, saying what and what to do; it never starts half-way. */
function cannotStart(message: string, fix?: string): never {
  dialog.showErrorBox('Pakit Mesh cannot start', fix ? `${message}\n\n${fix}` : message);
  app.exit(2);
  throw new Error(message);
}

async function start(): Promise<void> {
  let mesh;
  let radio;
  try {
    mesh = meshSettingsFromEnv(process.env);
    radio = radioChoiceSetting('MESH_LORA_PORT', process.env.MESH_LORA_PORT);
  } catch (error) {
    if (error instanceof ConfigError) cannotStart(error.message);
    throw error;
  }
  const dataDir = app.getPath('userData');
  let state: NodeState;
  let protector: SecretProtector | undefined;
  try {
    protector = desktopKeyProtector(dataDir);
    if (!protector) return app.quit();
    state = await openNodeState(dataDir, protector);
  } catch (error) {
    if (error instanceof IdentityError || error instanceof StorageError) cannotStart(error.message, error.fix);
    throw error;
  }
  let window: BrowserWindow | undefined;
  const node = new PakitNode({
    host: 'desktop',
    version: app.getVersion(),
    mesh,
    dataDir,
    identity: state.identity,
    protection: { level: protector.level, description: protector.description },
    store: state.store,
    hostFiles: dialogFiles(() => window),
    resumeRadio: true,
    // A T-Beam plugged in is found by its USB id and connected with no click, the first time too.
    autoDetectRadio: true,
    ...(radio ? { radio } : {}),
    // The map's tile file, as the headless node's --tiles (no Settings choice yet).
    ...(process.env.PAKIT_TILES?.trim() ? { tiles: process.env.PAKIT_TILES.trim() } : {}),
    logSink: (entry) => process.stderr.write(`${formatLogLine(entry)}\n`),
  });
  serveConsole(consoleDir, node.tiles, (message) => node.log.warn('map', message));
  await node.start();
  const consoleWindow = createConsoleWindow(preloadPath);
  window = consoleWindow;
  bindContractToIpc(node.api, ipcMain, consoleWindow.webContents, (message) => node.log.warn('ipc', message));
  // An emergency must reach the operator even with the window minimised or behind others.
  node.lora.emergencies.on('alert', (record) => {
    if (!Notification.isSupported()) return;
    new Notification({
      title: `EMERGENCY from ${record.fromNode ?? 'the mesh'}${record.verified ? '' : ' (not yet verified)'}`,
      body: record.text,
      urgency: 'critical',
      timeoutType: 'never',
    }).show();
  });
  // A text from the mesh reaches the operator who is looking elsewhere (the console chimes as well).
  node.messages.on('received', ({ message, conversation }) => {
    if (!Notification.isSupported() || consoleWindow.isFocused()) return;
    const title = conversation.kind === 'direct' ? `Message from ${conversation.name}` : `${message.from ?? 'Someone'} on ${conversation.name}`;
    new Notification({ title, body: message.text }).show();
  });
  app.on('second-instance', () => {
    if (consoleWindow.isMinimized()) consoleWindow.restore();
    consoleWindow.focus();
  });
  app.on('before-quit', () => void node.stop());
}

app.on('window-all-closed', () => app.quit());
app.whenReady().then(start, (error: unknown) => {
  process.stderr.write(`Pakit Mesh failed to start: ${String(error)}\n`);
  app.exit(1);
});
