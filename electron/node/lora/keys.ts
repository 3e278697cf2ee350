// Compact sender ids and the public keys learned from key-announce messages.
import { sha256 } from '@noble/hashes/sha2.js';
import { toHex } from './bytes.ts';
import { KEY_ID_BYTES, type KeyId } from './wire.ts';

/** What signs outgoing messages; NodeIdentity fits. */
export type Signer = { readonly publicKey: Uint8Array; sign(message: Uint8Array): Uint8Array };
/** identity's verifySignature fits; injected so tests and benches can count or stub it. */
export type SignatureVerifier = (publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array) => boolean;

const KEY_ID_DOMAIN = new TextEncoder().encode('pakit-mesh/lora key id v1\0');
export const PUBLIC_KEY_BYTES = 32;

/**
 * 8 bytes of a hash of the public key: forging a key with someone else's id takes ~2^64 key
 * generations, so an id names one key in practice.
 */
export function keyIdBytesOf(publicKey: Uint8Array): Uint8Array {
  const input = new Uint8Array(KEY_ID_DOMAIN.length + publicKey.length);
  input.set(KEY_ID_DOMAIN);
  input.set(publicKey, KEY_ID_DOMAIN.length);
  return sha256(input).slice(0, KEY_ID_BYTES);
}

export function keyIdOf(publicKey: Uint8Array): KeyId {
  return toHex(keyIdBytesOf(publicKey));
}

/** Public keys by key id, bounded: the least recently used key goes when full. */
export class KeyRing {
  readonly #keys = new Map<KeyId, Uint8Array>();
  readonly #capacity: number;

  constructor(capacity = 4096) {
    this.#capacity = capacity;
  }

  get size(): number {
    return this.#keys.size;
  }

  /** Adds a key (e.g. one learned over gossip or persisted) and returns its id. */
  add(publicKey: Uint8Array): KeyId {
    if (publicKey.length !== PUBLIC_KEY_BYTES) throw new RangeError(`an Ed25519 public key is ${PUBLIC_KEY_BYTES} bytes, got ${publicKey.length}`);
    const keyId = keyIdOf(publicKey);
    this.#keys.delete(keyId);
    this.#keys.set(keyId, Uint8Array.from(publicKey));
    if (this.#keys.size > this.#capacity) this.#keys.delete(this.#keys.keys().next().value!);
    return keyId;
  }

  get(keyId: KeyId): Uint8Array | undefined {
    const key = this.#keys.get(keyId);
    if (key !== undefined) {
      this.#keys.delete(keyId);
      this.#keys.set(keyId, key);
    }
    return key;
  }

  has(keyId: KeyId): boolean {
    return this.#keys.has(keyId);
  }
}
