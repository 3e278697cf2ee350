// How the node key is encrypted at rest. The key file records which protector sealed it, so a
// start-up with a different one fails clearly instead of guessing.
//   passphrase:   scrypt (parameters stored, so they can be raised later) + AES-256-GCM.
//                 For the headless node.
//   safe-storage: Electron's safeStorage (Keychain, DPAPI, libsecret/kwallet). The shell passes its
//                 `safeStorage` object; this module never imports electron. On Linux the
//                 `basic_text` backend encrypts with a fixed key, so it is "weak" and refused
//                 unless the operator has accepted it: never a silent fallback.
import { createCipheriv, createDecipheriv, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import { IdentityError } from './errors.ts';

export type ProtectionLevel = 'strong' | 'weak' | 'passphrase';

export type ScryptParams = { n: number; r: number; p: number };

/** 128 MiB and about half a second per unlock on a laptop (OWASP's scrypt recommendation). */
export const DEFAULT_SCRYPT: ScryptParams = { n: 2 ** 17, r: 8, p: 1 };

/** Bounds accepted from a file, so a damaged file cannot make start-up allocate gigabytes. */
export const SCRYPT_LIMITS = { minN: 2 ** 10, maxN: 2 ** 22, maxR: 32, maxP: 16, maxMemory: 2 ** 30 } as const;

export type PassphraseSealed = {
  kind: 'passphrase';
  kdf: { name: 'scrypt'; n: number; r: number; p: number; salt: string };
  cipher: { name: 'aes-256-gcm'; iv: string; ciphertext: string; tag: string };
  /**
   * 16 bytes of the scrypt output that are not the AES key: a wrong passphrase gives a different
   * check, so it is told apart from a damaged ciphertext (which fails the GCM tag with the right
   * check). Revealing it helps no attacker: the GCM tag already lets a guess be tested offline.
   */
  check: string;
};

export type SafeStorageSealed = { kind: 'safe-storage'; backend: string; level: 'strong' | 'weak'; ciphertext: string };

export type SealedSecret = PassphraseSealed | SafeStorageSealed;

/** Where a sealed secret came from, for error messages. */
export type SealedSource = { file: string; what: 'key file' | 'backup' };

export interface SecretProtector {
  readonly kind: SealedSecret['kind'];
  readonly level: ProtectionLevel;
  /** Human description for messages, e.g. `OS secret storage (gnome_libsecret)`. */
  readonly description: string;
  /** `context` is bound to the ciphertext where the scheme allows (GCM associated data). */
  seal(secret: Uint8Array, context: Uint8Array): Promise<SealedSecret>;
  /** Throws IdentityError: wrong_passphrase, key_file_undecryptable, protector_mismatch, or corrupt. */
  open(sealed: SealedSecret, context: Uint8Array, source: SealedSource): Promise<Uint8Array>;
}

const scryptAsync = promisify(scrypt) as (
  password: string,
  salt: Uint8Array,
  keylen: number,
  options: { N: number; r: number; p: number; maxmem: number },
) => Promise<Buffer>;

export function passphraseProtector(passphrase: string, options: { scrypt?: ScryptParams } = {}): SecretProtector {
  if (passphrase.length === 0) {
    throw new IdentityError(
      'passphrase_unavailable',
      'An empty passphrase cannot protect the node key.',
      'Choose a passphrase (PAKIT_KEY_PASSPHRASE, or type it when the node asks).',
    );
  }
  const params = options.scrypt ?? DEFAULT_SCRYPT;
  return {
    kind: 'passphrase',
    level: 'passphrase',
    description: 'passphrase',
    async seal(secret, context) {
      const salt = randomBytes(16);
      const iv = randomBytes(12);
      const { key, check } = await deriveKeys(passphrase, salt, params);
      const cipher = createCipheriv('aes-256-gcm', key, iv).setAAD(context);
      const ciphertext = Buffer.concat([cipher.update(secret), cipher.final()]);
      return {
        kind: 'passphrase',
        kdf: { name: 'scrypt', ...params, salt: salt.toString('base64') },
        cipher: { name: 'aes-256-gcm', iv: iv.toString('base64'), ciphertext: ciphertext.toString('base64'), tag: cipher.getAuthTag().toString('base64') },
        check: check.toString('base64'),
      };
    },
    async open(sealed, context, source) {
      if (sealed.kind !== 'passphrase') throw mismatch(sealed, 'a passphrase', source);
      const { n, r, p, salt } = sealed.kdf;
      const { key, check } = await deriveKeys(passphrase, Buffer.from(salt, 'base64'), { n, r, p });
      const storedCheck = Buffer.from(sealed.check, 'base64');
      if (storedCheck.length !== check.length || !timingSafeEqual(storedCheck, check)) {
        throw new IdentityError(
          'wrong_passphrase',
          `Wrong passphrase for the ${source.what} ${source.file}.`,
          source.what === 'backup'
            ? 'Type the passphrase that was chosen when this backup was exported.'
            : 'Start again with the right passphrase (PAKIT_KEY_PASSPHRASE, or type it when asked). If it is lost, restore the identity from a backup.',
          { file: source.file },
        );
      }
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(sealed.cipher.iv, 'base64')).setAAD(context);
        decipher.setAuthTag(Buffer.from(sealed.cipher.tag, 'base64'));
        return Buffer.concat([decipher.update(Buffer.from(sealed.cipher.ciphertext, 'base64')), decipher.final()]);
      } catch (cause) {
        throw damaged(source, 'the passphrase is right but the encrypted key fails authentication', cause);
      }
    },
  };
}

/** The part of Electron's `safeStorage` used here; the shell passes `safeStorage` itself. */
export interface SafeStorageLike {
  isEncryptionAvailable(): boolean;
  encryptString(plainText: string): Buffer;
  decryptString(encrypted: Buffer): string;
  /** Linux only in Electron. */
  getSelectedStorageBackend?(): string;
}

const STRONG_LINUX_BACKENDS = new Set(['gnome_libsecret', 'kwallet', 'kwallet5', 'kwallet6']);

/** Which OS secret storage Electron would use, and how strong it is: for the shell to ask first. */
export function safeStorageBackend(
  safeStorage: SafeStorageLike,
  platform: NodeJS.Platform = process.platform,
): { backend: string; level: 'strong' | 'weak' } {
  if (platform === 'darwin') return { backend: 'keychain', level: 'strong' };
  if (platform === 'win32') return { backend: 'dpapi', level: 'strong' };
  const backend = safeStorage.getSelectedStorageBackend?.() ?? 'unknown';
  // basic_text uses a key hard-coded in Chromium; unknown means it could not be determined.
  return { backend, level: STRONG_LINUX_BACKENDS.has(backend) ? 'strong' : 'weak' };
}

/**
 * A protector over Electron's safeStorage. `allowWeak` is the operator's recorded consent to a weak
 * backend; without it a weak backend is refused with `weak_protection_refused`.
 */
export function safeStorageProtector(
  safeStorage: SafeStorageLike,
  options: { allowWeak: boolean; platform?: NodeJS.Platform },
): SecretProtector {
  if (!safeStorage.isEncryptionAvailable()) {
    throw new IdentityError(
      'protection_unavailable',
      'The OS secret storage cannot encrypt on this system, so the node key cannot be protected by it.',
      'Unlock or install the system keyring (GNOME Keyring or KWallet on Linux), or run the headless node with a passphrase.',
    );
  }
  const { backend, level } = safeStorageBackend(safeStorage, options.platform);
  if (level === 'weak' && !options.allowWeak) {
    throw new IdentityError(
      'weak_protection_refused',
      `The OS secret storage backend here is "${backend}", which protects the node key only with a key built into the app: anyone who can read the file can use the key.`,
      'Install and unlock GNOME Keyring or KWallet and restart, or confirm that weak protection is acceptable on this machine.',
    );
  }
  return {
    kind: 'safe-storage',
    level,
    description: `OS secret storage (${backend})`,
    async seal(secret) {
      const ciphertext = safeStorage.encryptString(Buffer.from(secret).toString('base64'));
      return { kind: 'safe-storage', backend, level, ciphertext: ciphertext.toString('base64') };
    },
    async open(sealed, _context, source) {
      if (sealed.kind !== 'safe-storage') throw mismatch(sealed, `the OS secret storage (${backend})`, source);
      const undecryptable = (detail: string, cause?: unknown): IdentityError =>
        new IdentityError(
          'key_file_undecryptable',
          `The OS secret storage cannot decrypt the ${source.what} ${source.file}: ${detail}.`,
          'Start Pakit Mesh as the same user on the machine that created the key, with the same keyring unlocked; or restore the identity from a backup.',
          { file: source.file, cause },
        );
      if (sealed.backend !== backend) {
        throw undecryptable(`it was protected by the "${sealed.backend}" backend and this session uses "${backend}"`);
      }
      let text: string;
      try {
        text = safeStorage.decryptString(Buffer.from(sealed.ciphertext, 'base64'));
      } catch (cause) {
        throw undecryptable('the keyring rejected it (another user, machine or keyring)', cause);
      }
      const secret = Buffer.from(text, 'base64');
      if (secret.length !== 32 || secret.toString('base64') !== text) throw undecryptable('it decrypted to something that is not a key');
      return secret;
    },
  };
}

async function deriveKeys(passphrase: string, salt: Uint8Array, params: ScryptParams): Promise<{ key: Buffer; check: Buffer }> {
  // NFKC: the same passphrase typed on another keyboard or OS gives the same bytes.
  const derived = await scryptAsync(passphrase.normalize('NFKC'), salt, 64, {
    N: params.n,
    r: params.r,
    p: params.p,
    maxmem: 2 * 128 * params.n * params.r * params.p,
  });
  return { key: derived.subarray(0, 32), check: derived.subarray(32, 48) };
}

function mismatch(sealed: SealedSecret, provided: string, source: SealedSource): IdentityError {
  const protectedBy = sealed.kind === 'passphrase' ? 'a passphrase' : `the OS secret storage (${sealed.backend})`;
  return new IdentityError(
    'protector_mismatch',
    `The ${source.what} ${source.file} is protected by ${protectedBy}, but this start-up provides ${provided}.`,
    'Start the node the way it was set up (desktop app or headless with a passphrase), or move the identity over with a backup export and import.',
    { file: source.file },
  );
}

/** The file's structure and checksum were fine, yet the ciphertext fails: damaged or altered. */
export function damaged(source: SealedSource, detail: string, cause?: unknown): IdentityError {
  return source.what === 'backup'
    ? new IdentityError('backup_invalid', `The backup ${source.file} is damaged: ${detail}.`, 'Use another copy of the backup.', { file: source.file, cause })
    : new IdentityError(
        'key_file_corrupt',
        `The key file ${source.file} is corrupt: ${detail}.`,
        `Restore the identity from a backup. To start over with a NEW identity (peers will see a different node), move ${source.file} away first; it is never replaced automatically.`,
        { file: source.file, cause },
      );
}
