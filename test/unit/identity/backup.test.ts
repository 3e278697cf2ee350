import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, test } from 'vitest';
import {
  exportBackup,
  importBackup,
  loadIdentity,
  loadOrCreateIdentity,
  passphraseProtector,
  safeStorageProtector,
  verifySignature,
} from '../../../electron/node/identity/index.ts';
import { expectIdentityError, FAST_SCRYPT, fakeSafeStorage } from './helpers.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'pakit-backup-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const desktop = () => safeStorageProtector(fakeSafeStorage('gnome_libsecret'), { allowWeak: false, platform: 'linux' });
const headless = () => passphraseProtector('headless passphrase', { scrypt: FAST_SCRYPT });

async function desktopIdentityBackup() {
  const { identity } = await loadOrCreateIdentity({ keyFile: join(dir, 'desktop', 'node-key.json'), protector: desktop() });
  const backup = await exportBackup(identity, 'backup passphrase', { scrypt: FAST_SCRYPT, now: () => new Date('2025-05-06T07:08:09Z') });
  return { identity, backup };
}

test('a backup from the desktop (OS keyring) restores on a headless node (passphrase)', async () => {
  const { identity, backup } = await desktopIdentityBackup();
  expect(JSON.parse(backup)).toMatchObject({
    format: 'pakit-node-key-backup',
    version: 1,
    exported_at: '2025-05-06T07:08:09.000Z',
    fingerprint: identity.fingerprint,
    protection: { kind: 'passphrase' },
  });
  const keyFile = join(dir, 'headless', 'node-key.json');
  const restored = await importBackup(backup, 'backup passphrase', { keyFile, protector: headless() });
  expect(restored.fingerprint).toBe(identity.fingerprint);
  const loaded = await loadIdentity(keyFile, headless());
  const message = Buffer.from('moved node');
  expect(verifySignature(identity.publicKey, message, loaded.sign(message))).toBe(true);
});

test('and back: a headless backup restores into the desktop keyring', async () => {
  const { identity } = await loadOrCreateIdentity({ keyFile: join(dir, 'headless', 'node-key.json'), protector: headless() });
  const backup = await exportBackup(identity, 'backup passphrase', { scrypt: FAST_SCRYPT });
  const keyring = desktop();
  const keyFile = join(dir, 'desktop', 'node-key.json');
  await importBackup(backup, 'backup passphrase', { keyFile, protector: keyring });
  expect((await loadIdentity(keyFile, keyring)).fingerprint).toBe(identity.fingerprint);
});

test('a wrong backup passphrase says so and writes nothing', async () => {
  const { backup } = await desktopIdentityBackup();
  const keyFile = join(dir, 'headless', 'node-key.json');
  const error = await expectIdentityError(
    importBackup(backup, 'backup passphrasf', { keyFile, protector: headless(), backupName: 'usb/node.backup' }),
    'wrong_passphrase',
  );
  expect(error.message).toContain('usb/node.backup');
  await expectIdentityError(loadIdentity(keyFile, headless()), 'key_file_unreadable');
});

test('a damaged backup, or a key file passed as a backup, is backup_invalid', async () => {
  const { backup } = await desktopIdentityBackup();
  const target = { keyFile: join(dir, 'headless', 'node-key.json'), protector: headless() };
  await expectIdentityError(importBackup(backup.slice(0, 100), 'backup passphrase', target), 'backup_invalid');
  await expectIdentityError(importBackup(backup.replace('"version": 1', '"version": 7'), 'backup passphrase', target), 'backup_invalid');
  const keyFileText = readFileSync(join(dir, 'desktop', 'node-key.json'), 'utf8');
  const error = await expectIdentityError(importBackup(keyFileText, 'backup passphrase', target), 'backup_invalid');
  expect(error.message).toContain('pakit-node-key');
});

test('import never replaces an existing key file', async () => {
  const { backup } = await desktopIdentityBackup();
  const keyFile = join(dir, 'headless', 'node-key.json');
  const { identity: existing } = await loadOrCreateIdentity({ keyFile, protector: headless() });
  const before = readFileSync(keyFile);
  await expectIdentityError(importBackup(backup, 'backup passphrase', { keyFile, protector: headless() }), 'key_file_exists');
  expect(readFileSync(keyFile)).toEqual(before);
  expect((await loadIdentity(keyFile, headless())).fingerprint).toBe(existing.fingerprint);
});
