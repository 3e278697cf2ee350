// Emergencies: the outbox (compose a signed emergency, cool-down between sends, tally the acks)
// and the inbox (alert once per emergency, ack it, relay it once within the mesh-wide hop limit,
// answer the author's repeats, say when a person saw it).
// Verification, dedupe and replay refusal happen in LoraReceiver before a delivery gets here.
import type { Delivery } from './receiver.ts';
import type { LoraSender } from './sender.ts';
import { EMERGENCY_TEXT_MAX_BYTES, MAX_HOP_LIMIT, emergencyTextBytes, type EmergencyMessage, type EmergencyPriority, type WirePosition } from './messages.ts';
import type { KeyId } from './wire.ts';

/** An emergency is named by its signer and sequence number. */
export type EmergencyId = string;
export const emergencyIdOf = (keyId: KeyId, seq: number): EmergencyId => `${keyId}:${seq}`;

export const DEFAULT_EMERGENCY_COOLDOWN_MS = 30_000;

export type EmergencyRequest = {
  readonly text: string;
  readonly priority: EmergencyPriority;
  /** Relay hops allowed across the whole mesh; Meshtastic's maximum by default. */
  readonly hopLimit?: number;
  /** The operator confirmed again: sending inside the cool-down is deliberate. */
  readonly confirmedAgain?: boolean;
  /** The own radio's fix, when it has one. */
  readonly position?: WirePosition;
};

export type EmergencySendResult =
  | { readonly ok: true; readonly id: EmergencyId; readonly frames: Uint8Array[]; readonly hopLimit: number }
  | { readonly ok: false; readonly reason: 'cooling_down'; readonly retryAt: number }
  | { readonly ok: false; readonly reason: 'bad_text'; readonly maxBytes: number };

export type EmergencyOutboxOptions = {
  readonly sender: LoraSender;
  readonly cooldownMs?: number;
  /** Own emergencies whose acks are tallied; the oldest is forgotten first. */
  readonly remember?: number;
  readonly maxAckersPerEmergency?: number;
};

export class EmergencyOutbox {
  readonly #sender: LoraSender;
  readonly #cooldownMs: number;
  readonly #remember: number;
  readonly #maxAckers: number;
  readonly #acks = new Map<EmergencyId, Set<KeyId>>();
  #lastSentAt: number | undefined;

  constructor(options: EmergencyOutboxOptions) {
    this.#sender = options.sender;
    this.#cooldownMs = options.cooldownMs ?? DEFAULT_EMERGENCY_COOLDOWN_MS;
    this.#remember = options.remember ?? 16;
    this.#maxAckers = options.maxAckersPerEmergency ?? 256;
  }

  /** When the next send needs no second confirmation; undefined when it never did. */
  cooldownEndsAt(): number | undefined {
    return this.#lastSentAt === undefined ? undefined : this.#lastSentAt + this.#cooldownMs;
  }

  send(request: EmergencyRequest, now: number): EmergencySendResult {
    const textBytes = emergencyTextBytes(request.text);
    if (textBytes === 0 || textBytes > EMERGENCY_TEXT_MAX_BYTES) return { ok: false, reason: 'bad_text', maxBytes: EMERGENCY_TEXT_MAX_BYTES };
    const coolingUntil = this.cooldownEndsAt();
    if (coolingUntil !== undefined && now < coolingUntil && !request.confirmedAgain) return { ok: false, reason: 'cooling_down', retryAt: coolingUntil };
    const hopLimit = Math.min(MAX_HOP_LIMIT, Math.max(0, Math.floor(request.hopLimit ?? MAX_HOP_LIMIT)));
    const message: EmergencyMessage = { type: 'emergency', priority: request.priority, hopLimit, text: request.text, ...(request.position && { position: request.position }) };
    const encoded = this.#sender.encode(message, now);
    const id = emergencyIdOf(this.#sender.keyId, encoded.seq!);
    this.#lastSentAt = now;
    this.#acks.set(id, new Set());
    if (this.#acks.size > this.#remember) this.#acks.delete(this.#acks.keys().next().value!);
    return { ok: true, id, frames: encoded.frames, hopLimit };
  }

  /** Records an emergency-ack for one of ours; true when it names a new acker. */
  noteAck(delivery: Delivery): boolean {
    const message = delivery.message;
    if (message.type !== 'emergency-ack') return false;
    const ackers = this.#acks.get(emergencyIdOf(message.emergencyKeyId, message.emergencySeq));
    if (!ackers || ackers.has(message.acker) || ackers.size >= this.#maxAckers) return false;
    ackers.add(message.acker);
    return true;
  }

  /** Key ids that acked (claimed: acks are unsigned). */
  ackersOf(id: EmergencyId): readonly KeyId[] {
    return [...(this.#acks.get(id) ?? [])];
  }
}

export type EmergencyAlert = {
  readonly id: EmergencyId;
  readonly keyId: KeyId;
  readonly priority: EmergencyPriority;
  readonly text: string;
  readonly sentAtMs: number;
  readonly from: number;
  readonly auth: 'verified' | 'unverified';
  /** `new`: first sight; `verified`: seen before unverified, its key has now vouched for it. */
  readonly status: 'new' | 'verified';
  readonly position?: WirePosition;
};

export type EmergencyOutcome = {
  /** Show this to the operator. */
  readonly alert?: EmergencyAlert;
  /** Frames of our "received" ack, for the author's radio (`alert.from`): queue them as control traffic. */
  readonly ack?: Uint8Array[];
  /** Frames to rebroadcast once: queue them as emergency traffic, sent with this mesh hop limit. */
  readonly relay?: { readonly frames: Uint8Array[]; readonly hopLimit: number };
};

export type EmergencyInboxOptions = {
  readonly sender: LoraSender;
  /** Operators may turn the automatic "received" acks off (they cost airtime). */
  readonly acks?: boolean;
  /** Rebroadcast emergencies once as a relay. */
  readonly relay?: boolean;
  /** Relay before the signer's key is known: helps reach, but lets forgeries borrow our airtime. */
  readonly relayUnverified?: boolean;
  readonly remember?: number;
  /** A repeat of an emergency already answered is answered again at most this often. */
  readonly reanswerEveryMs?: number;
};

type Seen = {
  verified: boolean;
  acked: boolean;
  relayed: boolean;
  readonly hopsToHere: number;
  /** The person here saw it: our seen-ack, kept to answer repeats with. */
  seenFrames: Uint8Array[] | undefined;
  closed: boolean;
  lastAnsweredAt: number;
};

export class EmergencyInbox {
  readonly #sender: LoraSender;
  #acks: boolean;
  readonly #relay: boolean;
  readonly #relayUnverified: boolean;
  readonly #remember: number;
  readonly #reanswerEveryMs: number;
  readonly #seen = new Map<EmergencyId, Seen>();

  constructor(options: EmergencyInboxOptions) {
    this.#sender = options.sender;
    this.#acks = options.acks ?? true;
    this.#relay = options.relay ?? true;
    this.#relayUnverified = options.relayUnverified ?? false;
    this.#remember = options.remember ?? 512;
    this.#reanswerEveryMs = options.reanswerEveryMs ?? 20_000;
  }

  get acks(): boolean {
    return this.#acks;
  }

  set acks(enabled: boolean) {
    this.#acks = enabled;
  }

  /**
   * Handles a delivered emergency. `hopsToHere` is the mesh packet's hop_start - hop_limit.
   * Call again with the verified delivery a key-announce settles: it is acked and relayed then.
   */
  handle(delivery: Delivery, now: number, hopsToHere = 0): EmergencyOutcome {
    const message = delivery.message;
    const signer = delivery.signer;
    if (message.type !== 'emergency' || !signer || delivery.auth === 'unsigned' || signer.keyId === this.#sender.keyId) return {};
    const id = emergencyIdOf(signer.keyId, signer.seq);
    const verified = delivery.auth === 'verified';
    const previous = this.#seen.get(id);
    if (previous && (previous.verified || !verified)) return {};
    const seen: Seen = previous ?? { verified, acked: false, relayed: false, hopsToHere, seenFrames: undefined, closed: false, lastAnsweredAt: -Infinity };
    seen.verified = verified;
    this.#seen.delete(id);
    this.#seen.set(id, seen);
    if (this.#seen.size > this.#remember) this.#seen.delete(this.#seen.keys().next().value!);

    const alert: EmergencyAlert = {
      id,
      keyId: signer.keyId,
      priority: message.priority,
      text: message.text,
      sentAtMs: signer.sentAtMs,
      from: delivery.from,
      auth: verified ? 'verified' : 'unverified',
      status: previous ? 'verified' : 'new',
      ...(message.position && { position: message.position }),
    };
    let ack: Uint8Array[] | undefined;
    if (this.#acks && verified && !seen.acked) {
      seen.acked = true;
      seen.lastAnsweredAt = now;
      ack = this.#ackFrames(signer.keyId, signer.seq, now);
    }
    let relay: EmergencyOutcome['relay'];
    const hopsTaken = signer.hops + seen.hopsToHere;
    if (this.#relay && !seen.relayed && (verified || this.#relayUnverified) && hopsTaken < message.hopLimit) {
      seen.relayed = true;
      relay = { frames: this.#sender.relay(delivery.bytes, seen.hopsToHere), hopLimit: message.hopLimit - hopsTaken - 1 };
    }
    return { alert, ...(ack && { ack }), ...(relay && { relay }) };
  }

  /** The person here saw the emergency: frames of our signed seen-ack (undefined if unknown, unverified or already sent). */
  markSeen(id: EmergencyId, now: number): Uint8Array[] | undefined {
    const seen = this.#seen.get(id);
    if (!seen?.verified || seen.seenFrames || seen.closed) return undefined;
    const [keyId, seq] = parseEmergencyId(id);
    seen.seenFrames = this.#sender.encode({ type: 'emergency-seen', emergencyKeyId: keyId, emergencySeq: seq }, now).frames;
    return seen.seenFrames;
  }

  /**
   * The author asked us again (a repeat sent to this radio): its earlier answer was lost. Answers
   * again, at most every `reanswerEveryMs`: the ack (if acks are on) and the seen-ack (if sent).
   */
  reanswer(keyId: KeyId, seq: number, now: number): { ack: Uint8Array[]; seen: Uint8Array[] } {
    const seen = this.#seen.get(emergencyIdOf(keyId, seq));
    if (!seen?.verified || seen.closed || now - seen.lastAnsweredAt < this.#reanswerEveryMs) return { ack: [], seen: [] };
    seen.lastAnsweredAt = now;
    return { ack: this.#acks ? this.#ackFrames(keyId, seq, now) : [], seen: seen.seenFrames ?? [] };
  }

  /** The author's all-clear: nothing is answered for it any more. True when it was open here. */
  close(id: EmergencyId): boolean {
    const seen = this.#seen.get(id);
    if (!seen || seen.closed) return false;
    seen.closed = true;
    return true;
  }

  #ackFrames(keyId: KeyId, seq: number, now: number): Uint8Array[] {
    return this.#sender.encode({ type: 'emergency-ack', emergencyKeyId: keyId, emergencySeq: seq, acker: this.#sender.keyId }, now).frames;
  }
}

function parseEmergencyId(id: EmergencyId): [KeyId, number] {
  const [keyId, seq] = id.split(':');
  return [keyId!, Number(seq)];
}
