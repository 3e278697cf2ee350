// Emergencies: the outbox (compose a signed emergency, cool-down between sends, tally the acks)
// and the inbox (alert once per emergency, ack it, relay it once within the mesh-wide hop limit).
// Verification, dedupe and replay refusal happen in LoraReceiver before a delivery gets here.
import type { Delivery } from './receiver.ts';
import type { LoraSender } from './sender.ts';
import { EMERGENCY_TEXT_MAX_BYTES, MAX_HOP_LIMIT, emergencyTextBytes, type EmergencyMessage, type EmergencyPriority } from './messages.ts';
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
    const message: EmergencyMessage = { type: 'emergency', priority: request.priority, hopLimit, text: request.text };
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
};

export type EmergencyOutcome = {
  /** Show this to the operator. */
  readonly alert?: EmergencyAlert;
  /** Frames of our ack: queue them as control traffic. */
  readonly ack?: Uint8Array[];
  /** Frames to rebroadcast once: queue them as emergency traffic, sent with this mesh hop limit. */
  readonly relay?: { readonly frames: Uint8Array[]; readonly hopLimit: number };
};

export type EmergencyInboxOptions = {
  readonly sender: LoraSender;
  /** Operators may turn acks off (they cost airtime). */
  readonly acks?: boolean;
  /** Rebroadcast emergencies once as a relay. */
  readonly relay?: boolean;
  /** Relay before the signer's key is known: helps reach, but lets forgeries borrow our airtime. */
  readonly relayUnverified?: boolean;
  readonly remember?: number;
};

type Seen = { verified: boolean; acked: boolean; relayed: boolean; readonly hopsToHere: number };

export class EmergencyInbox {
  readonly #sender: LoraSender;
  readonly #acks: boolean;
  readonly #relay: boolean;
  readonly #relayUnverified: boolean;
  readonly #remember: number;
  readonly #seen = new Map<EmergencyId, Seen>();

  constructor(options: EmergencyInboxOptions) {
    this.#sender = options.sender;
    this.#acks = options.acks ?? true;
    this.#relay = options.relay ?? true;
    this.#relayUnverified = options.relayUnverified ?? false;
    this.#remember = options.remember ?? 512;
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
    const seen: Seen = previous ?? { verified, acked: false, relayed: false, hopsToHere };
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
    };
    let ack: Uint8Array[] | undefined;
    if (this.#acks && verified && !seen.acked) {
      seen.acked = true;
      ack = this.#sender.encode({ type: 'emergency-ack', emergencyKeyId: signer.keyId, emergencySeq: signer.seq, acker: this.#sender.keyId }, now).frames;
    }
    let relay: EmergencyOutcome['relay'];
    const hopsTaken = signer.hops + seen.hopsToHere;
    if (this.#relay && !seen.relayed && (verified || this.#relayUnverified) && hopsTaken < message.hopLimit) {
      seen.relayed = true;
      relay = { frames: this.#sender.relay(delivery.bytes, seen.hopsToHere), hopLimit: message.hopLimit - hopsTaken - 1 };
    }
    return { alert, ...(ack && { ack }), ...(relay && { relay }) };
  }
}
