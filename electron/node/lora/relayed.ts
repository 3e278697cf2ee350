// Signed LoRa messages carried by another transport (the LoRa-IP bridge). They are checked against
// their author's key exactly as the radio receiver checks them, so what is trusted on the far side
// is the author's original signature, not the bridge that carried it.
import { verifySignature } from '../identity/index.ts';
import { equalBytes } from './bytes.ts';
import { keyIdOf, type SignatureVerifier } from './keys.ts';
import { BUILTIN_CODES, decodeBuiltinBody, type BuiltinType } from './messages.ts';
import { networkTag, parseEnvelope, reject, signedPayload, type KeyId, type Rejection } from './wire.ts';

/**
 * What the whole mesh must hear whatever the transport: emergencies, a person's "seen" and the
 * author's all-clear, and the keys and index roots that go with them.
 */
export const RELAYED_TYPES: readonly BuiltinType[] = ['emergency', 'emergency-seen', 'emergency-clear', 'key-announce', 'index-announce'];
const RELAYED_BY_CODE = new Map(RELAYED_TYPES.map((type) => [BUILTIN_CODES[type], type]));
/** The sender number given to messages a bridge brought in over IP (no radio has node number 0). */
export const VIA_IP = 0;
/** A relayed message fits one LoRa frame (all relayed types do), so it can go back on air as it is. */
export const MAX_RELAYED_MESSAGE_BYTES = 227;

export type RelayedMessage = {
  readonly ok: true;
  readonly type: BuiltinType;
  readonly keyId: KeyId;
  readonly seq: number;
  /** The signed message bytes as the author sent them (hops aside, which the signature leaves out). */
  readonly bytes: Uint8Array;
  readonly publicKey: Uint8Array;
};

/** A checker bound to one network (the signature covers the network tag). Never throws. */
export function relayedMessageChecker(networkId: string, verify: SignatureVerifier = verifySignature) {
  const tag = networkTag(networkId);
  return (bytes: Uint8Array, publicKey: Uint8Array): RelayedMessage | Rejection => {
    if (bytes.length > MAX_RELAYED_MESSAGE_BYTES) return reject('bad_length', `relayed message of ${bytes.length} bytes`);
    const envelope = parseEnvelope(bytes, (code) => (RELAYED_BY_CODE.has(code) ? true : undefined));
    if (!('signed' in envelope)) return envelope;
    if (!envelope.signed) return reject('unknown_type', 'relayed messages are signed');
    const type = RELAYED_BY_CODE.get(envelope.code)!;
    if (keyIdOf(publicKey) !== envelope.keyId) return reject('key_mismatch', 'the key given does not hash to the author key id', envelope.keyId);
    const body = decodeBuiltinBody(type, envelope.body);
    if (!('type' in body)) return { ...body, keyId: envelope.keyId };
    if (body.type === 'key-announce' && !equalBytes(body.publicKey, publicKey)) {
      return reject('key_mismatch', 'a key-announce relayed with another key', envelope.keyId);
    }
    if (!verify(publicKey, signedPayload(tag, envelope.code, envelope.keyIdBytes, envelope.seq, envelope.body), envelope.signature)) {
      return reject('bad_signature', `signature does not match key ${envelope.keyId}`, envelope.keyId);
    }
    return { ok: true, type, keyId: envelope.keyId, seq: envelope.seq, bytes: Uint8Array.from(bytes), publicKey: Uint8Array.from(publicKey) };
  };
}
