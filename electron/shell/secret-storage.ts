import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dialog, safeStorage } from 'electron';
import { safeStorageBackend, safeStorageProtector, type SecretProtector } from '../node/identity/index.ts';

const CONSENT_FILE = 'weak-key-storage-consent.json';

/**
 * The desktop app keeps the node key in the OS secret storage. Where that is only Chromium's
 * built-in key (Linux `basic_text`), the operator is asked first, once per backend, and the answer
 * is recorded: weak storage is never a silent fallback.
 */
export function desktopKeyProtector(dataDir: string): SecretProtector | undefined {
  const { backend, level } = safeStorageBackend(safeStorage);
  const consentFile = join(dataDir, CONSENT_FILE);
  const consented = existsSync(consentFile) && (JSON.parse(readFileSync(consentFile, 'utf8')) as { backend?: string }).backend === backend;
  if (level === 'weak' && !consented) {
    const choice = dialog.showMessageBoxSync({
      type: 'warning',
      title: 'Pakit Mesh: weak key storage',
      message: 'This computer has no secure place for the node key.',
      detail:
        `The system keyring is not available (Electron reports "${backend}"). The key would be stored with a key built into the app: ` +
        'anyone who copies the file can use this node’s identity.\n\nFor real protection, install and unlock GNOME Keyring or KWallet and start again, ' +
        'or run the headless node with a passphrase.',
      buttons: ['Quit', 'Use weak storage on this computer'],
      defaultId: 0,
      cancelId: 0,
    });
    if (choice !== 1) return undefined;
    writeFileSync(consentFile, JSON.stringify({ backend, at: new Date().toISOString() }), { mode: 0o600 });
  }
  return safeStorageProtector(safeStorage, { allowWeak: level === 'weak' });
}
