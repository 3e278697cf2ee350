// The receive side of the protocol: frame -> (reassembly) -> envelope -> body -> authentication ->
// replay refusal -> delivery. Pure: the caller passes each frame with the mesh sender's node
// number and the current time. Nothing here throws on input; every refusal is a typed Rejection,
// counted per sender, and all retained state is bounded.
import { verifySignature } from '../identity/index.ts';
import { equalBytes } from './bytes.ts';
import { KeyRing, keyIdOf, type SignatureVerifier } from './keys.ts';
import { builtinTypeOf, decodeBuiltinBody, type LoraMessage } from './messages.ts';
import { Reassembler } from './reassembly.ts';
import { MessageRegistry } from './registry.ts';
import { ReplayGuard } from './replay.ts';
import {
  networkTag,
  parseEnvelope,
  parseFrame,
  reject,
  signedPayload,
  timeOfSeq,
  REJECT_REASONS,
  type Envelope,
  type KeyId,
  type RejectReason,
  type Rejection,
} from './wire.ts';

export type Authenticity = 'verified' | 'unverified' | 'unsigned';

export type SignerInfo = { readonly keyId: KeyId; readonly seq: number; readonly sentAtMs: number; readonly hops: number };

export type Delivery = {
  readonly ok: true;
  readonly message: LoraMessage;
  /** Mesh node number the frame came from (the link sender, not proof of authorship). */
  readonly from: number;
  /** `unverified`: signed by a key not yet known; a later key-announce settles it. */
  readonly auth: Authenticity;
  readonly signer?: SignerInfo;
  /** The message bytes as received, for relaying. */
  readonly bytes: Uint8Array;
};

export type FrameRejection = Rejection & { readonly from: number };

export type ReceiveResult =
  | FrameRejection
  | { readonly ok: true; readonly status: 'partial' }
  | {
      readonly ok: true;
      readonly status: 'delivered';
      readonly delivery: Delivery;
      /** Earlier unverified messages this one's key settled: verified again, or refused. */
      readonly settled: readonly (Delivery | FrameRejection)[];
    };

export type ReceiverLimits = {
  readonly maxMessageBytes: number;
  readonly maxReassemblies: number;
  readonly maxReassembliesPerSender: number;
  readonly reassemblyTimeoutMs: number;
  readonly maxAgeMs: number;
  readonly maxFutureMs: number;
  readonly replaySenders: number;
  readonly replaySeqsPerSender: number;
  /** Unverified messages kept to check once their key arrives. */
  readonly maxHeldUnverified: number;
  readonly maxHeldPerKey: number;
  readonly maxKnownKeys: number;
  /** Senders whose rejection counts are kept (least recently seen go first). */
  readonly maxCountedSenders: number;
};

export const DEFAULT_RECEIVER_LIMITS: ReceiverLimits = {
  maxMessageBytes: 4096,
  maxReassemblies: 32,
  maxReassembliesPerSender: 4,
  // A 19-fragment message at one frame per 5 s, with room for a lost frame or two.
  reassemblyTimeoutMs: 120_000,
  maxAgeMs: 30 * 60_000,
  maxFutureMs: 10 * 60_000,
  replaySenders: 1024,
  replaySeqsPerSender: 64,
  maxHeldUnverified: 64,
  maxHeldPerKey: 8,
  maxKnownKeys: 4096,
  maxCountedSenders: 1024,
};

export type ReceiverOptions = {
  readonly networkId: string;
  readonly registry?: MessageRegistry;
  readonly keys?: KeyRing;
  readonly verify?: SignatureVerifier;
  readonly limits?: Partial<ReceiverLimits>;
};

export type RetainedState = {
  readonly reassemblies: number;
  readonly reassemblyBytes: number;
  readonly heldUnverified: number;
  readonly heldBytes: number;
  readonly replaySenders: number;
  readonly replaySeqs: number;
  readonly knownKeys: number;
  readonly countedSenders: number;
};

type SignedEnvelope = Extract<Envelope, { signed: true }>;
type Held = { readonly envelope: SignedEnvelope; readonly delivery: Delivery };
type RejectionCounts = Record<RejectReason, number>;

const zeroCounts = (): RejectionCounts => Object.fromEntries(REJECT_REASONS.map((reason) => [reason, 0])) as RejectionCounts;

export class LoraReceiver {
  readonly keys: KeyRing;
  readonly registry: MessageRegistry;
  readonly #tag: Uint8Array;
  readonly #verify: SignatureVerifier;
  readonly #limits: ReceiverLimits;
  readonly #reassembler: Reassembler;
  readonly #replay: ReplayGuard;
  /** Unverified messages by key id, insertion order = age. */
  readonly #held = new Map<KeyId, Held[]>();
  #heldCount = 0;
  #heldBytes = 0;
  readonly #countsBySender = new Map<number, RejectionCounts>();
  readonly #totals = zeroCounts();

  constructor(options: ReceiverOptions) {
    this.#tag = networkTag(options.networkId);
    this.registry = options.registry ?? new MessageRegistry();
    this.#limits = { ...DEFAULT_RECEIVER_LIMITS, ...options.limits };
    this.keys = options.keys ?? new KeyRing(this.#limits.maxKnownKeys);
    this.#verify = options.verify ?? verifySignature;
    this.#reassembler = new Reassembler({
      maxMessageBytes: this.#limits.maxMessageBytes,
      maxReassemblies: this.#limits.maxReassemblies,
      maxReassembliesPerSender: this.#limits.maxReassembliesPerSender,
      timeoutMs: this.#limits.reassemblyTimeoutMs,
    });
    this.#replay = new ReplayGuard({
      maxAgeMs: this.#limits.maxAgeMs,
      maxFutureMs: this.#limits.maxFutureMs,
      maxSenders: this.#limits.replaySenders,
      seqsPerSender: this.#limits.replaySeqsPerSender,
    });
  }

  receive(frame: Uint8Array, from: number, now: number): ReceiveResult {
    const parsed = parseFrame(this.#tag, frame);
    if (!parsed.ok) return this.#count(parsed, from);
    let bytes = parsed.kind === 'message' ? parsed.bytes : undefined;
    if (parsed.kind === 'fragment') {
      const outcome = this.#reassembler.add(from, parsed, now);
      if ('ok' in outcome) return this.#count(outcome, from);
      if (outcome.status === 'partial') return { ok: true, status: 'partial' };
      bytes = outcome.bytes;
    }
    return this.#receiveMessage(Uint8Array.from(bytes!), from, now);
  }

  /** Drops timed-out reassemblies and unverified messages too old to ever be accepted. */
  expire(now: number): void {
    this.#reassembler.expire(now);
    for (const [keyId, list] of this.#held) {
      const kept = list.filter((held) => timeOfSeq(held.envelope.seq) >= now - this.#limits.maxAgeMs);
      for (const held of list) if (!kept.includes(held)) this.#forgetHeld(held);
      if (kept.length === 0) this.#held.delete(keyId);
      else this.#held.set(keyId, kept);
    }
  }

  /** Rejections of one mesh sender by reason (all zero if none are on record). */
  rejectionsOf(from: number): Readonly<RejectionCounts> {
    return { ...(this.#countsBySender.get(from) ?? zeroCounts()) };
  }

  rejectionTotals(): Readonly<RejectionCounts> {
    return { ...this.#totals };
  }

  retained(): RetainedState {
    return {
      reassemblies: this.#reassembler.openCount,
      reassemblyBytes: this.#reassembler.bufferedBytes,
      heldUnverified: this.#heldCount,
      heldBytes: this.#heldBytes,
      replaySenders: this.#replay.senderCount,
      replaySeqs: this.#replay.seqCount,
      knownKeys: this.keys.size,
      countedSenders: this.#countsBySender.size,
    };
  }

  #receiveMessage(bytes: Uint8Array, from: number, now: number): ReceiveResult {
    const envelope = parseEnvelope(bytes, (code) => this.registry.signedness(code));
    if (!('signed' in envelope)) return this.#count(envelope, from);
    const message = this.#decodeBody(envelope);
    if (!('type' in message)) return this.#count(envelope.signed ? { ...message, keyId: envelope.keyId } : message, from);
    if (!envelope.signed) return { ok: true, status: 'delivered', delivery: { ok: true, message, from, auth: 'unsigned', bytes }, settled: [] };

    const signer: SignerInfo = { keyId: envelope.keyId, seq: envelope.seq, sentAtMs: timeOfSeq(envelope.seq), hops: envelope.hops };
    // Refuse replays before the costly signature check (~1 ms); refusing needs no proof.
    const replay = this.#replay.check(envelope.keyId, envelope.seq, now);
    // Which message it repeats: a node asked again for an emergency it has answers it again.
    if (replay) return this.#count({ ...replay, repeats: { code: envelope.code, seq: envelope.seq } }, from);

    // Key-announces, emergencies, seen-acks and all-clears carry their signer's key: checked against the key id, then used and kept.
    const announced = 'publicKey' in message ? message.publicKey : undefined;
    if (announced && keyIdOf(announced) !== envelope.keyId) return this.#count(reject('key_mismatch', 'announced key does not hash to the sender key id', envelope.keyId), from);
    const publicKey = announced ?? this.keys.get(envelope.keyId);
    if (!publicKey) return this.#holdUnverified(envelope, { ok: true, message, from, auth: 'unverified', signer, bytes });

    if (!this.#verifyEnvelope(publicKey, envelope)) return this.#count(reject('bad_signature', `signature does not match key ${envelope.keyId}`, envelope.keyId), from);
    this.#replay.record(envelope.keyId, envelope.seq, now);
    const delivery: Delivery = { ok: true, message, from, auth: 'verified', signer, bytes };
    const settled = announced && !this.keys.has(envelope.keyId) ? this.#learnKey(announced, envelope.keyId, now) : [];
    if (announced) this.keys.add(announced);
    return { ok: true, status: 'delivered', delivery, settled };
  }

  #decodeBody(envelope: Envelope): LoraMessage | Rejection {
    const builtin = builtinTypeOf(envelope.code);
    if (builtin !== undefined) return decodeBuiltinBody(builtin, envelope.body);
    const custom = this.registry.byCode(envelope.code);
    if (!custom) return reject('unknown_type', `message type 0x${envelope.code.toString(16)}`);
    let value: unknown;
    try {
      value = custom.codec.decode(Uint8Array.from(envelope.body));
    } catch {
      value = undefined;
    }
    if (value === undefined) return reject('bad_field', `${custom.name} body does not decode`);
    if (custom.schema && !custom.schema.safeParse(value).success) return reject('bad_field', `${custom.name} body fails its schema`);
    return { type: 'custom', name: custom.name, value };
  }

  #verifyEnvelope(publicKey: Uint8Array, envelope: SignedEnvelope): boolean {
    return this.#verify(publicKey, signedPayload(this.#tag, envelope.code, envelope.keyIdBytes, envelope.seq, envelope.body), envelope.signature);
  }

  #holdUnverified(envelope: SignedEnvelope, delivery: Delivery): ReceiveResult {
    const list = this.#held.get(envelope.keyId) ?? [];
    // Relayed copies of the same message carry the same signature: deliver it once.
    if (list.some((held) => equalBytes(held.envelope.signature, envelope.signature))) {
      return this.#count(reject('duplicate', 'unverified message already delivered', envelope.keyId), delivery.from);
    }
    if (list.length >= this.#limits.maxHeldPerKey) this.#forgetHeld(list.shift()!);
    list.push({ envelope, delivery });
    this.#held.delete(envelope.keyId);
    this.#held.set(envelope.keyId, list);
    this.#heldCount += 1;
    this.#heldBytes += delivery.bytes.length;
    while (this.#heldCount > this.#limits.maxHeldUnverified) {
      const [oldestKey, oldest] = this.#held.entries().next().value!;
      this.#forgetHeld(oldest.shift()!);
      if (oldest.length === 0) this.#held.delete(oldestKey);
    }
    return { ok: true, status: 'delivered', delivery, settled: [] };
  }

  #forgetHeld(held: Held): void {
    this.#heldCount -= 1;
    this.#heldBytes -= held.delivery.bytes.length;
  }

  /** A new key settles the messages held for it: each is verified, then replay-checked. */
  #learnKey(publicKey: Uint8Array, keyId: KeyId, now: number): (Delivery | FrameRejection)[] {
    const list = this.#held.get(keyId) ?? [];
    this.#held.delete(keyId);
    const settled: (Delivery | FrameRejection)[] = [];
    for (const held of list) {
      this.#forgetHeld(held);
      const from = held.delivery.from;
      if (!this.#verifyEnvelope(publicKey, held.envelope)) {
        settled.push(this.#count(reject('bad_signature', `held message does not match key ${keyId}`, keyId), from));
        continue;
      }
      const replay = this.#replay.check(keyId, held.envelope.seq, now);
      if (replay) {
        settled.push(this.#count(replay, from));
        continue;
      }
      this.#replay.record(keyId, held.envelope.seq, now);
      settled.push({ ...held.delivery, auth: 'verified' });
    }
    return settled;
  }

  #count(rejection: Rejection, from: number): FrameRejection {
    let counts = this.#countsBySender.get(from);
    if (counts) this.#countsBySender.delete(from);
    else counts = zeroCounts();
    this.#countsBySender.set(from, counts);
    if (this.#countsBySender.size > this.#limits.maxCountedSenders) this.#countsBySender.delete(this.#countsBySender.keys().next().value!);
    counts[rejection.reason] += 1;
    this.#totals[rejection.reason] += 1;
    return { ...rejection, from };
  }
}
