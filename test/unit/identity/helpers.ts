// Shared test doubles: fast scrypt parameters and a fake Electron safeStorage.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { expect } from 'vitest';
import { IdentityError, type SafeStorageLike, type ScryptParams } from '../../../electron/node/identity/index.ts';

/** The lowest parameters a key file may carry: fast tests, same code path. */
export const FAST_SCRYPT: ScryptParams = { n: 1024, r: 8, p: 1 };

/** A keyring: AES-GCM under a key only this instance knows, like a per-user OS keyring. */
export function fakeSafeStorage(backend: string, options: { available?: boolean } = {}): SafeStorageLike {
  const key = randomBytes(32);
  return {
    isEncryptionAvailable: () => options.available ?? true,
    getSelectedStorageBackend: () => backend,
    encryptString(plainText) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const body = Buffer.concat([cipher.update(plainText, 'utf8'), cipher.final()]);
      return Buffer.concat([iv, cipher.getAuthTag(), body]);
    },
    decryptString(encrypted) {
      const decipher = createDecipheriv('aes-256-gcm', key, encrypted.subarray(0, 12));
      decipher.setAuthTag(encrypted.subarray(12, 28));
      return Buffer.concat([decipher.update(encrypted.subarray(28)), decipher.final()]).toString('utf8');
    },
  };
}

export async function expectIdentityError(work: Promise<unknown> | (() => unknown), code: IdentityError['code']): Promise<IdentityError> {
  let caught: unknown = null;
  try {
    await (typeof work === 'function' ? work() : work);
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(IdentityError);
  expect((caught as IdentityError).code).toBe(code);
  expect((caught as IdentityError).fix.length).toBeGreaterThan(10);
  return caught as IdentityError;
}
