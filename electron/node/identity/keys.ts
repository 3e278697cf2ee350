// The node's Ed25519 key pair, its human fingerprint, and signatures. Pure: no I/O.
import { randomBytes } from 'node:crypto';
import * as ed from '@noble/ed25519';
import { sha256, sha512 } from '@noble/hashes/sha2.js';
import { base32upper } from 'multiformats/bases/base32';

// The synchronous noble API needs a SHA-512; this is the one place it is wired.
ed.hashes.sha512 = sha512;

const FINGERPRINT_DOMAIN = new TextEncoder().encode('pakit-mesh node fingerprint v1\0');

/**
 * A node's identity. The private part is the 32-byte Ed25519 seed (RFC 8032 private key); with the
 * 32-byte public key it is the 64-byte `seed || public key` form that libp2p's
 * `privateKeyFromRaw` (from @libp2p/crypto/keys) accepts, so the same key becomes the node's
 * libp2p peer identity.
 */
export class NodeIdentity {
  readonly #seed: Uint8Array;
  readonly publicKey: Uint8Array;
  /** Short, readable id for people comparing nodes, e.g. `K7QF-3MZP-2XDA-LW5R`. */
  readonly fingerprint: string;

  private constructor(seed: Uint8Array) {
    this.#seed = Uint8Array.from(seed);
    this.publicKey = ed.getPublicKey(this.#seed);
    this.fingerprint = fingerprintOf(this.publicKey);
  }

  static generate(): NodeIdentity {
    return new NodeIdentity(randomBytes(32));
  }

  static fromSeed(seed: Uint8Array): NodeIdentity {
    if (seed.length !== 32) throw new RangeError(`an Ed25519 seed is 32 bytes, got ${seed.length}`);
    return new NodeIdentity(seed);
  }

  sign(message: Uint8Array): Uint8Array {
    return ed.sign(message, this.#seed);
  }

  /** The 64-byte `seed || public key` form for libp2p's `privateKeyFromRaw`. */
  libp2pPrivateKey(): Uint8Array {
    const raw = new Uint8Array(64);
    raw.set(this.#seed, 0);
    raw.set(this.publicKey, 32);
    return raw;
  }

  /** A copy of the seed, for sealing into a key file or backup. */
  exportSeed(): Uint8Array {
    return Uint8Array.from(this.#seed);
  }
}

export function verifySignature(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  try {
    return ed.verify(signature, message, publicKey);
  } catch {
    return false;
  }
}

/**
 * 80 bits of SHA-256 over the public key, base32 (no 0/1/8/9 to confuse with letters), in groups of
 * four: short enough to read over a radio, long enough that forging a key with a chosen
 * fingerprint takes about 2^80 key generations.
 */
export function fingerprintOf(publicKey: Uint8Array): string {
  const digest = sha256(Uint8Array.from([...FINGERPRINT_DOMAIN, ...publicKey]));
  const text = base32upper.baseEncode(digest.subarray(0, 10));
  return text.match(/.{4}/g)!.join('-');
}
