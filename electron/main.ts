// The desktop app's composition root: builds the node, binds the contract to IPC, opens the window.
import { join } from 'node:path';
import { app, ipcMain } from 'electron';
import { meshSettingsFromEnv, ConfigError } from './node/config.ts';
import { formatLogLine } from './node/log.ts';
import { PakitNode } from './node/node.ts';
import { registerConsoleScheme, serveConsole } from './shell/console-protocol.ts';
import { bindContractToIpc } from './shell/ipc.ts';
import { createConsoleWindow } from './shell/window.ts';

registerConsoleScheme();
if (!app.requestSingleInstanceLock()) app.quit();

// Bundled by Forge's Vite plugin into .vite/build/ next to preload.js; the console is built into
// dist/console in development and shipped as the `console` resource when packaged.
const preloadPath = join(import.meta.dirname, 'preload.js');
const consoleDir = app.isPackaged ? join(process.resourcesPath, 'console') : join(app.getAppPath(), 'dist', 'console');

async function start(): Promise<void> {
  let mesh;
  try {
    mesh = meshSettingsFromEnv(process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    const { dialog } = await import('electron');
    dialog.showErrorBox('Pakit Mesh cannot start', error.message);
    app.exit(2);
    return;
  }
  const node = new PakitNode({
    host: 'desktop',
    version: app.getVersion(),
    mesh,
    logSink: (entry) => process.stderr.write(`${formatLogLine(entry)}\n`),
  });
  serveConsole(consoleDir);
  await node.start();
  const window = createConsoleWindow(preloadPath);
  bindContractToIpc(node.api, ipcMain, window.webContents, (message) => node.log.warn('ipc', message));
  app.on('second-instance', () => {
    if (window.isMinimized()) window.restore();
    window.focus();
  });
  app.on('before-quit', () => void node.stop());
}

app.on('window-all-closed', () => app.quit());
app.whenReady().then(start, (error: unknown) => {
  process.stderr.write(`Pakit Mesh failed to start: ${String(error)}\n`);
  app.exit(1);
});
