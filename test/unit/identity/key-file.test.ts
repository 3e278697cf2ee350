import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import {
  loadIdentity,
  loadOrCreateIdentity,
  passphraseProtector,
  safeStorageBackend,
  safeStorageProtector,
  verifySignature,
} from '../../../electron/node/identity/index.ts';
import { encodeDocument } from '../../../electron/node/identity/key-file.ts';
import { expectIdentityError, FAST_SCRYPT, fakeSafeStorage } from './helpers.ts';

let dir: string;
let keyFile: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'pakit-identity-'));
  keyFile = join(dir, 'node', 'node-key.json');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const protector = (passphrase = 'correct horse battery staple') => passphraseProtector(passphrase, { scrypt: FAST_SCRYPT });
const now = () => new Date('2025-01-02T03:04:05.000Z');

async function createKeyFile(): Promise<string> {
  const { identity } = await loadOrCreateIdentity({ keyFile, protector: protector(), now });
  return identity.fingerprint;
}

/** Edits a field of the key file and, unless told otherwise, recomputes the checksum. */
function editKeyFile(edit: (document: Record<string, any>) => void, options: { keepChecksum?: boolean } = {}): void {
  const document = JSON.parse(readFileSync(keyFile, 'utf8')) as Record<string, any>;
  const { checksum, ...body } = document;
  edit(body);
  writeFileSync(keyFile, options.keepChecksum ? JSON.stringify({ ...body, checksum }) : encodeDocument(body));
}

describe('load or create', () => {
  test('creates the key on first start, then loads the same key', async () => {
    const first = await loadOrCreateIdentity({ keyFile, protector: protector(), now });
    expect(first.created).toBe(true);
    const second = await loadOrCreateIdentity({ keyFile, protector: protector(), now });
    expect(second.created).toBe(false);
    expect(second.identity.fingerprint).toBe(first.identity.fingerprint);
    const message = Buffer.from('same node');
    expect(verifySignature(first.identity.publicKey, message, second.identity.sign(message))).toBe(true);
  });

  test('the key file is mode 0600, versioned JSON, with the scrypt parameters and no plaintext key', async () => {
    const { identity } = await loadOrCreateIdentity({ keyFile, protector: protector(), now });
    if (process.platform !== 'win32') expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    const document = JSON.parse(readFileSync(keyFile, 'utf8'));
    expect(document).toMatchObject({
      format: 'pakit-node-key',
      version: 1,
      created_at: '2025-01-02T03:04:05.000Z',
      fingerprint: identity.fingerprint,
      protection: { kind: 'passphrase', kdf: { name: 'scrypt', ...FAST_SCRYPT }, cipher: { name: 'aes-256-gcm' } },
    });
    expect(document.checksum).toMatch(/^sha256:[0-9a-f]{64}$/);
    const seed = Buffer.from(identity.libp2pPrivateKey().subarray(0, 32));
    expect(readFileSync(keyFile).includes(seed)).toBe(false);
    expect(readFileSync(keyFile, 'utf8')).not.toContain(seed.toString('base64'));
  });

  test('scrypt parameters come from the file, so files made with other parameters still open', async () => {
    const fingerprint = await createKeyFile();
    const stronger = passphraseProtector('correct horse battery staple', { scrypt: { n: 2048, r: 8, p: 1 } });
    expect((await loadIdentity(keyFile, stronger)).fingerprint).toBe(fingerprint);
  });

  test('two processes starting at once end up with one identity', async () => {
    const [a, b] = await Promise.all([
      loadOrCreateIdentity({ keyFile, protector: protector() }),
      loadOrCreateIdentity({ keyFile, protector: protector() }),
    ]);
    expect(a.identity.fingerprint).toBe(b.identity.fingerprint);
    expect([a.created, b.created].sort()).toEqual([false, true]);
    expect((await loadIdentity(keyFile, protector())).fingerprint).toBe(a.identity.fingerprint);
  });
});

describe('failures stop start-up with a typed error and never replace the file', () => {
  async function expectUntouched(code: Parameters<typeof expectIdentityError>[1], passphrase?: string) {
    const before = readFileSync(keyFile);
    const error = await expectIdentityError(loadOrCreateIdentity({ keyFile, protector: protector(passphrase) }), code);
    expect(readFileSync(keyFile)).toEqual(before);
    return error;
  }

  test('wrong passphrase says so', async () => {
    await createKeyFile();
    const error = await expectUntouched('wrong_passphrase', 'correct horse battery stapler');
    expect(error.message).toContain('Wrong passphrase');
    expect(error.message).toContain(keyFile);
    expect(error.file).toBe(keyFile);
  });

  test('a truncated file is corrupt', async () => {
    await createKeyFile();
    writeFileSync(keyFile, readFileSync(keyFile, 'utf8').slice(0, 200));
    const error = await expectUntouched('key_file_corrupt');
    expect(error.message).toContain(keyFile);
    expect(error.fix).toContain('never replaced automatically');
  });

  test('an empty file and a file that is not JSON are corrupt', async () => {
    mkdirSync(join(dir, 'node'));
    writeFileSync(keyFile, '');
    await expectUntouched('key_file_corrupt');
    writeFileSync(keyFile, 'hello');
    await expectUntouched('key_file_corrupt');
  });

  test('a flipped character in the salt is corruption, not a wrong passphrase', async () => {
    await createKeyFile();
    editKeyFile((document) => {
      const salt: string = document.protection.kdf.salt;
      document.protection.kdf.salt = (salt[0] === 'A' ? 'B' : 'A') + salt.slice(1);
    }, { keepChecksum: true });
    const error = await expectUntouched('key_file_corrupt');
    expect(error.message).toContain('checksum');
  });

  test('a ciphertext altered with a matching checksum fails authentication and is corruption', async () => {
    await createKeyFile();
    editKeyFile((document) => {
      const ciphertext = Buffer.from(document.protection.cipher.ciphertext, 'base64');
      ciphertext[0] = ciphertext[0]! ^ 1;
      document.protection.cipher.ciphertext = ciphertext.toString('base64');
    });
    const error = await expectUntouched('key_file_corrupt');
    expect(error.message).toContain('fails authentication');
  });

  test('a public key swapped for another node is corruption', async () => {
    await createKeyFile();
    const other = join(dir, 'other.json');
    const { identity } = await loadOrCreateIdentity({ keyFile: other, protector: protector() });
    editKeyFile((document) => {
      document.public_key = Buffer.from(identity.publicKey).toString('base64');
      document.fingerprint = identity.fingerprint;
    });
    await expectUntouched('key_file_corrupt');
  });

  test('a wrong shape (missing field, absurd scrypt cost) is corruption', async () => {
    await createKeyFile();
    const original = readFileSync(keyFile);
    editKeyFile((document) => delete document.protection.check);
    await expectUntouched('key_file_corrupt');
    writeFileSync(keyFile, original);
    editKeyFile((document) => (document.protection.kdf.n = 2 ** 30));
    await expectUntouched('key_file_corrupt');
  });

  test('a newer format version is reported as such', async () => {
    await createKeyFile();
    editKeyFile((document) => (document.version = 2));
    await expectUntouched('key_file_unsupported');
  });

  test('an unreadable key file is reported, not replaced', async () => {
    mkdirSync(keyFile, { recursive: true });
    await expectIdentityError(loadOrCreateIdentity({ keyFile, protector: protector() }), 'key_file_unreadable');
    if (process.platform !== 'win32' && process.getuid?.() !== 0) {
      rmSync(keyFile, { recursive: true });
      await createKeyFile();
      chmodSync(keyFile, 0o000);
      await expectIdentityError(loadOrCreateIdentity({ keyFile, protector: protector() }), 'key_file_unreadable');
    }
  });

  test('an empty passphrase is refused', async () => {
    await expectIdentityError(() => passphraseProtector(''), 'passphrase_unavailable');
  });
});

describe('OS secret storage (Electron safeStorage)', () => {
  test('round trip with a strong backend, recording the backend in the file', async () => {
    const keyring = fakeSafeStorage('gnome_libsecret');
    const storage = safeStorageProtector(keyring, { allowWeak: false, platform: 'linux' });
    expect(storage.level).toBe('strong');
    const { identity } = await loadOrCreateIdentity({ keyFile, protector: storage });
    expect(JSON.parse(readFileSync(keyFile, 'utf8')).protection).toMatchObject({ kind: 'safe-storage', backend: 'gnome_libsecret', level: 'strong' });
    expect((await loadIdentity(keyFile, storage)).fingerprint).toBe(identity.fingerprint);
  });

  test('levels: basic_text and unknown are weak on Linux; Keychain and DPAPI are strong', () => {
    expect(safeStorageBackend(fakeSafeStorage('basic_text'), 'linux')).toEqual({ backend: 'basic_text', level: 'weak' });
    expect(safeStorageBackend(fakeSafeStorage('unknown'), 'linux').level).toBe('weak');
    expect(safeStorageBackend(fakeSafeStorage('kwallet6'), 'linux').level).toBe('strong');
    expect(safeStorageBackend(fakeSafeStorage('x'), 'darwin')).toEqual({ backend: 'keychain', level: 'strong' });
    expect(safeStorageBackend(fakeSafeStorage('x'), 'win32')).toEqual({ backend: 'dpapi', level: 'strong' });
  });

  test('a weak backend is refused unless the operator accepted it', async () => {
    const keyring = fakeSafeStorage('basic_text');
    await expectIdentityError(() => safeStorageProtector(keyring, { allowWeak: false, platform: 'linux' }), 'weak_protection_refused');
    const accepted = safeStorageProtector(keyring, { allowWeak: true, platform: 'linux' });
    expect(accepted.level).toBe('weak');
    await loadOrCreateIdentity({ keyFile, protector: accepted });
    expect(JSON.parse(readFileSync(keyFile, 'utf8')).protection.level).toBe('weak');
  });

  test('no encryption available is a typed error', async () => {
    await expectIdentityError(
      () => safeStorageProtector(fakeSafeStorage('gnome_libsecret', { available: false }), { allowWeak: false, platform: 'linux' }),
      'protection_unavailable',
    );
  });

  test('another keyring or another backend cannot decrypt, and says so', async () => {
    await loadOrCreateIdentity({ keyFile, protector: safeStorageProtector(fakeSafeStorage('gnome_libsecret'), { allowWeak: false, platform: 'linux' }) });
    const otherKeyring = safeStorageProtector(fakeSafeStorage('gnome_libsecret'), { allowWeak: false, platform: 'linux' });
    await expectIdentityError(loadOrCreateIdentity({ keyFile, protector: otherKeyring }), 'key_file_undecryptable');
    const otherBackend = safeStorageProtector(fakeSafeStorage('kwallet5'), { allowWeak: false, platform: 'linux' });
    const error = await expectIdentityError(loadOrCreateIdentity({ keyFile, protector: otherBackend }), 'key_file_undecryptable');
    expect(error.message).toContain('gnome_libsecret');
  });

  test('a passphrase key file opened by the desktop (or the reverse) is a protector mismatch', async () => {
    await createKeyFile();
    const storage = safeStorageProtector(fakeSafeStorage('gnome_libsecret'), { allowWeak: false, platform: 'linux' });
    await expectIdentityError(loadIdentity(keyFile, storage), 'protector_mismatch');
    rmSync(keyFile);
    await loadOrCreateIdentity({ keyFile, protector: storage });
    await expectIdentityError(loadIdentity(keyFile, protector()), 'protector_mismatch');
  });
});
