import { readFile, writeFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { BrowserWindow, dialog } from 'electron';
import type { HostFiles } from '../node/host-files.ts';

/** Open and save dialogs owned by the main process: the renderer never names a path. */
export function dialogFiles(window: () => BrowserWindow | undefined): HostFiles {
  return {
    async pickFileToAdd() {
      const owner = window();
      const options = { title: 'Add a file to the store', properties: ['openFile' as const] };
      const result = owner ? await dialog.showOpenDialog(owner, options) : await dialog.showOpenDialog(options);
      const path = result.filePaths[0];
      if (result.canceled || !path) return undefined;
      return { name: basename(path), bytes: await readFile(path) };
    },
    async saveFile(suggestedName, bytes) {
      const owner = window();
      const options = { title: 'Save file', defaultPath: suggestedName };
      const result = owner ? await dialog.showSaveDialog(owner, options) : await dialog.showSaveDialog(options);
      if (result.canceled || !result.filePath) return undefined;
      await writeFile(result.filePath, bytes);
      return result.filePath;
    },
  };
}
