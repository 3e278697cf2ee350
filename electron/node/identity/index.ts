// Public surface of the node identity.
export { askPassphrase, type Terminal } from './ask-passphrase.ts';
export { exportBackup, importBackup } from './backup.ts';
export { IdentityError, type IdentityErrorCode } from './errors.ts';
export { keyFileExists, loadIdentity, loadOrCreateIdentity, type KeyFileOptions } from './key-file.ts';
export { fingerprintOf, NodeIdentity, verifySignature } from './keys.ts';
export {
  DEFAULT_SCRYPT,
  passphraseProtector,
  safeStorageBackend,
  safeStorageProtector,
  type ProtectionLevel,
  type SafeStorageLike,
  type ScryptParams,
  type SecretProtector,
} from './protectors.ts';
