import * as ed from '@noble/ed25519';
import { expect, test } from 'vitest';
import { fingerprintOf, NodeIdentity, verifySignature } from '../../../electron/node/identity/index.ts';

test('signatures verify with the public key and fail for another message or key', () => {
  const identity = NodeIdentity.generate();
  const message = Buffer.from('hello mesh');
  const signature = identity.sign(message);
  expect(signature).toHaveLength(64);
  expect(verifySignature(identity.publicKey, message, signature)).toBe(true);
  expect(verifySignature(identity.publicKey, Buffer.from('hello mesH'), signature)).toBe(false);
  expect(verifySignature(NodeIdentity.generate().publicKey, message, signature)).toBe(false);
  expect(verifySignature(identity.publicKey, message, signature.subarray(0, 10))).toBe(false);
});

test('the same seed gives the same key; the libp2p form is seed || public key', () => {
  const seed = Uint8Array.from({ length: 32 }, (_, i) => i);
  const identity = NodeIdentity.fromSeed(seed);
  expect(NodeIdentity.fromSeed(seed).fingerprint).toBe(identity.fingerprint);
  expect(identity.publicKey).toEqual(ed.getPublicKey(seed));
  const raw = identity.libp2pPrivateKey();
  expect(raw).toHaveLength(64);
  expect(raw.subarray(0, 32)).toEqual(seed);
  expect(raw.subarray(32)).toEqual(identity.publicKey);
  expect(() => NodeIdentity.fromSeed(seed.subarray(1))).toThrow(RangeError);
});

test('RFC 8032 test vector 1: the seed is a standard Ed25519 private key', () => {
  const seed = Buffer.from('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60', 'hex');
  const identity = NodeIdentity.fromSeed(seed);
  expect(Buffer.from(identity.publicKey).toString('hex')).toBe('d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a');
  expect(Buffer.from(identity.sign(new Uint8Array())).toString('hex')).toBe(
    'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
  );
});

test('the fingerprint is four groups of four base32 characters and depends on the key', () => {
  const identity = NodeIdentity.generate();
  expect(identity.fingerprint).toMatch(/^[A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4}$/);
  expect(fingerprintOf(identity.publicKey)).toBe(identity.fingerprint);
  expect(NodeIdentity.generate().fingerprint).not.toBe(identity.fingerprint);
});
