// Relays what the whole mesh must hear (emergencies, key and index announces) between LoRa and IP
// gossip, for a node that has both. The author's signed LoRa message travels unchanged inside a
// gossip message the bridge signs: receivers trust the author's signature, and a bridge that alters
// a message is caught by the body check and blamed under its own gossip identity.
//
// Nothing loops: every message is keyed by (author key id, seq). The LoRa receiver's replay guard
// refuses a copy it has already taken from either side, so a message goes on air at most once per
// bridge and into gossip at most once per bridge; the seen-set here stops the cheap cases early.
import { z } from 'zod';
import type { MessageType, ReceivedAnnouncement } from '../gossip/index.ts';
import { relayedMessageChecker, type RelayedMessage } from '../lora/relayed.ts';
import type { SignatureVerifier } from '../lora/keys.ts';

export const BRIDGE_MESSAGE_KIND = 'lora';
const SEEN_CAPACITY = 4096;

const base64 = (maxBytes: number) => z.base64().max(Math.ceil(maxBytes / 3) * 4);
/** Gossip body: the signed LoRa message and its author's public key (so IP-only nodes can verify it). */
export const BridgeBody = z.object({ message: base64(227), key: base64(32) }).strict();
export type BridgeBody = z.infer<typeof BridgeBody>;

/** Outcome of handing an IP-borne message to the LoRa side. */
export type BridgedDelivery = 'delivered' | 'already_heard' | 'refused';

/** What the bridge needs from the LoRa service. */
export type LoraBridgeSide = {
  /** Verified signed messages of the relayed types heard on the radio (not those the bridge injected). */
  onRelayable(listener: (message: RelayedMessage) => void): () => void;
  /** Takes a message that came over IP as if heard on the radio, and puts it on air when a radio is ready. */
  acceptRelayed(message: RelayedMessage): BridgedDelivery;
};

/** What the bridge needs from the gossip service. */
export type GossipBridgeSide = {
  publish(kind: string, body: unknown): Promise<unknown>;
  onAnnouncement(listener: (message: ReceivedAnnouncement) => void): () => void;
};

/** The gossip message type to register on the node's GossipService (its check verifies the inner signature). */
export function bridgeMessageType(networkId: string, verify?: SignatureVerifier): MessageType {
  const checkRelayed = relayedMessageChecker(networkId, verify);
  return {
    check: (body) => {
      const parsed = BridgeBody.safeParse(body);
      if (!parsed.success) return undefined;
      const checked = checkRelayed(Buffer.from(parsed.data.message, 'base64'), Buffer.from(parsed.data.key, 'base64'));
      return checked.ok ? checked : undefined;
    },
  };
}

export type BridgeStats = { toIp: number; fromIp: number; alreadyHeard: number; refused: number; publishErrors: number };

export class LoraIpBridge {
  readonly #lora: LoraBridgeSide;
  readonly #gossip: GossipBridgeSide;
  readonly #log: (line: string) => void;
  readonly #seen = new Set<string>();
  readonly #stats: BridgeStats = { toIp: 0, fromIp: 0, alreadyHeard: 0, refused: 0, publishErrors: 0 };
  #unsubscribe: Array<() => void> = [];

  constructor(options: { lora: LoraBridgeSide; gossip: GossipBridgeSide; log?: (line: string) => void }) {
    this.#lora = options.lora;
    this.#gossip = options.gossip;
    this.#log = options.log ?? (() => undefined);
  }

  get stats(): BridgeStats {
    return { ...this.#stats };
  }

  start(): void {
    if (this.#unsubscribe.length > 0) return;
    this.#unsubscribe = [
      this.#lora.onRelayable((message) => this.#fromLora(message)),
      this.#gossip.onAnnouncement((received) => {
        if (received.kind === BRIDGE_MESSAGE_KIND) this.#fromIp(received.body as RelayedMessage);
      }),
    ];
  }

  stop(): void {
    for (const unsubscribe of this.#unsubscribe.splice(0)) unsubscribe();
  }

  #fromLora(message: RelayedMessage): void {
    if (!this.#firstSight(message)) return;
    const body: BridgeBody = { message: Buffer.from(message.bytes).toString('base64'), key: Buffer.from(message.publicKey).toString('base64') };
    this.#stats.toIp++;
    this.#gossip.publish(BRIDGE_MESSAGE_KIND, body).catch((cause: Error) => {
      this.#stats.publishErrors++;
      this.#log(`could not pass a LoRa ${message.type} from ${message.keyId} on to IP peers: ${cause.message}`);
    });
  }

  #fromIp(message: RelayedMessage): void {
    if (!this.#firstSight(message)) return;
    const outcome = this.#lora.acceptRelayed(message);
    if (outcome === 'delivered') this.#stats.fromIp++;
    else if (outcome === 'already_heard') this.#stats.alreadyHeard++;
    else this.#stats.refused++;
  }

  /** False for a message this bridge has already passed either way. */
  #firstSight(message: RelayedMessage): boolean {
    const key = `${message.keyId}:${message.seq}`;
    if (this.#seen.has(key)) return false;
    this.#seen.add(key);
    if (this.#seen.size > SEEN_CAPACITY) this.#seen.delete(this.#seen.values().next().value!);
    return true;
  }
}
