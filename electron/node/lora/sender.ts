// The send side: message -> body -> envelope (signed once per message, not per frame) -> frames.
import { keyIdBytesOf, keyIdOf, type Signer } from './keys.ts';
import { BUILTIN_CODES, encodeBuiltinBody, isSignedBuiltin, type BuiltinMessage, type EmergencyClearMessage, type EmergencyMessage, type EmergencySeenMessage, type LoraMessage } from './messages.ts';
import { MessageRegistry } from './registry.ts';
import {
  buildFrames,
  encodeSignedMessage,
  encodeUnsignedMessage,
  networkTag,
  seqForTime,
  signedPayload,
  withHopsAdded,
  type KeyId,
} from './wire.ts';
import { equalBytes } from './bytes.ts';

export type SenderOptions = {
  readonly networkId: string;
  readonly signer: Signer;
  readonly registry?: MessageRegistry;
  /** Floats in [0, 1): seeds the fragment nonce so a restarted sender does not reuse recent ones. */
  readonly random: () => number;
  /** The last sequence number used before a restart, if persisted: keeps numbers increasing. */
  readonly lastSeq?: number;
  /** Told each signed sequence number before its message is returned: persist it for `lastSeq`. */
  readonly onSeq?: (seq: number) => void;
};

export type EncodedMessage = {
  /** Frames to hand to the radio in this order (one unless the message was fragmented). */
  readonly frames: Uint8Array[];
  /** The message bytes (what a receiver reassembles). */
  readonly bytes: Uint8Array;
  /** Sequence number of a signed message. */
  readonly seq?: number;
};

export class LoraSender {
  readonly keyId: KeyId;
  readonly registry: MessageRegistry;
  readonly #tag: Uint8Array;
  readonly #signer: Signer;
  readonly #keyIdBytes: Uint8Array;
  #lastSeq: number;
  readonly #onSeq: ((seq: number) => void) | undefined;
  #nonce: number;

  constructor(options: SenderOptions) {
    this.#tag = networkTag(options.networkId);
    this.#signer = options.signer;
    this.#keyIdBytes = keyIdBytesOf(options.signer.publicKey);
    this.keyId = keyIdOf(options.signer.publicKey);
    this.registry = options.registry ?? new MessageRegistry();
    this.#lastSeq = options.lastSeq ?? -1;
    this.#onSeq = options.onSeq;
    this.#nonce = Math.floor(options.random() * 0x10000) & 0xffff;
  }

  /** Persist this to continue the sequence after a restart. */
  get lastSeq(): number {
    return this.#lastSeq;
  }

  /** Encodes, signs when the type is signed, and frames a message. Throws RangeError on values the wire cannot carry. */
  encode(message: LoraMessage, now: number): EncodedMessage {
    const { code, signed, body } = this.#body(message);
    if (!signed) return this.#framed(encodeUnsignedMessage(code, body));
    const seq = (this.#lastSeq = Math.max(this.#lastSeq + 1, seqForTime(now)));
    this.#onSeq?.(seq);
    const signature = this.#signer.sign(signedPayload(this.#tag, code, this.#keyIdBytes, seq, body));
    return { ...this.#framed(encodeSignedMessage(code, 0, this.#keyIdBytes, seq, body, signature)), seq };
  }

  /**
   * Frames for passing on a received message. A signed one counts the hops it has taken: the
   * mesh hops to reach us (`hopsToHere`, hop_start - hop_limit of the packet) plus our own.
   */
  relay(bytes: Uint8Array, hopsToHere = 0): Uint8Array[] {
    const signed = this.registry.signedness(bytes[0] ?? 0);
    return this.#framed(signed ? withHopsAdded(bytes, hopsToHere + 1) : bytes).frames;
  }

  #body(message: LoraMessage): { code: number; signed: boolean; body: Uint8Array } {
    if (message.type !== 'custom') {
      if (message.type === 'key-announce' && !equalBytes(message.publicKey, this.#signer.publicKey)) {
        throw new RangeError('a key-announce carries the signer’s own public key');
      }
      if (carriesOwnKey(message)) {
        if (message.publicKey && !equalBytes(message.publicKey, this.#signer.publicKey)) throw new RangeError(`an ${message.type} carries the signer’s own public key`);
        return { code: BUILTIN_CODES[message.type], signed: true, body: encodeBuiltinBody({ ...message, publicKey: this.#signer.publicKey }) };
      }
      return { code: BUILTIN_CODES[message.type], signed: isSignedBuiltin(message.type), body: encodeBuiltinBody(message) };
    }
    const custom = this.registry.byName(message.name);
    if (!custom) throw new RangeError(`message type "${message.name}" is not registered`);
    if (custom.schema && !custom.schema.safeParse(message.value).success) throw new RangeError(`${message.name} value fails its schema`);
    return { code: custom.code, signed: custom.signed, body: custom.codec.encode(message.value) };
  }

  #framed(bytes: Uint8Array): EncodedMessage {
    const frames = buildFrames(this.#tag, bytes, this.#nonce);
    if (frames.length > 1) this.#nonce = (this.#nonce + 1) & 0xffff;
    return { frames, bytes };
  }
}

/** Messages that carry their signer's key, so they verify anywhere in the mesh without a key-announce. */
function carriesOwnKey(message: BuiltinMessage): message is EmergencyMessage | EmergencySeenMessage | EmergencyClearMessage {
  return message.type === 'emergency' || message.type === 'emergency-seen' || message.type === 'emergency-clear';
}
