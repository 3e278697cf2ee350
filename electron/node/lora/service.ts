// The off-grid protocol on a real radio: frames from the scheduler go to the radio link, packets
// from the link go through the receiver. Emergencies are the first traffic carried this way.
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { Clock } from '../clock.ts';
import type { RadioLink } from '../radio/link.ts';
import type { ReceivedPacket } from '../radio/session.ts';
import { EmergencyInbox, EmergencyOutbox, type EmergencyAlert } from './emergency.ts';
import type { EmergencyPriority } from './messages.ts';
import { LoraReceiver, type Delivery } from './receiver.ts';
import { LoraScheduler, type TrafficClass } from './scheduler.ts';
import { LoraSender } from './sender.ts';
import type { Signer } from './keys.ts';

const BROADCAST = 0xffffffff;
/** Meshtastic's MeshPacket priorities (the device queue sends higher first): ALERT above all ours. */
const MESH_PRIORITY: Record<TrafficClass, number> = { emergency: 110, control: 100, index: 64, bulk: 10 };
/** Emergencies reach the whole mesh: the firmware floods with the largest hop limit it allows. */
const MESH_HOP_LIMIT = { emergency: 7, other: 3 } as const;
const KEY_ANNOUNCE_EVERY_MS = 10 * 60_000;
const HISTORY_SIZE = 200;

export type EmergencyRecord = {
  id: string;
  direction: 'sent' | 'received';
  text: string;
  priority: EmergencyPriority;
  at: number;
  /** The radio that put it on air (`!xxxxxxxx`) and the signer's key id. */
  fromNode: string | undefined;
  signer: string;
  verified: boolean;
  hops: number | undefined;
  /** Key ids that acknowledged one of our emergencies (claimed: acks are unsigned). */
  ackedBy: string[];
  /** The operator dismissed the alert. */
  acknowledged: boolean;
};

export type EmergencySendOutcome =
  | { ok: true; record: EmergencyRecord }
  | { ok: false; reason: 'cooling_down'; retryAt: number }
  | { ok: false; reason: 'bad_text'; maxBytes: number };

type ServiceEvents = { alert: [EmergencyRecord]; history: [EmergencyRecord[]] };

export type LoraServiceOptions = {
  networkId: string;
  signer: Signer;
  link: RadioLink;
  clock: Clock;
  log: (level: 'info' | 'warn', message: string) => void;
};

const nodeIdOf = (nodeNum: number) => `!${(nodeNum >>> 0).toString(16).padStart(8, '0')}`;

export class LoraService extends EventEmitter<ServiceEvents> {
  readonly sender: LoraSender;
  readonly receiver: LoraReceiver;
  readonly #options: LoraServiceOptions;
  #scheduler = new LoraScheduler();
  readonly #outbox: EmergencyOutbox;
  #inbox: EmergencyInbox;
  #acks = true;
  readonly #history: EmergencyRecord[] = [];
  #pumpTimer: unknown;
  #lastKeyAnnounce = -Infinity;
  #frameCounter = 0;

  constructor(options: LoraServiceOptions) {
    super();
    this.#options = options;
    this.sender = new LoraSender({ networkId: options.networkId, signer: options.signer, random: () => randomBytes(4).readUInt32BE() / 2 ** 32 });
    this.receiver = new LoraReceiver({ networkId: options.networkId });
    this.#outbox = new EmergencyOutbox({ sender: this.sender });
    // Meshtastic's managed flooding already rebroadcasts every packet once per relay, within the hop
    // limit we set; a second, application-level relay would only double the airtime.
    this.#inbox = new EmergencyInbox({ sender: this.sender, acks: this.#acks, relay: false });
    options.link.on('packet', (packet) => this.#onPacket(packet));
    options.link.on('device', (device) => {
      // Airtime budgets follow the device's real preset and region once it is known.
      if (Object.values(this.#scheduler.depth()).every((depth) => depth === 0)) {
        this.#scheduler = new LoraScheduler({ preset: device.preset as never, region: device.region });
      }
    });
    options.link.on('state', (state) => {
      if (state.status === 'ready') this.#announceKey(true);
    });
  }

  get acksEnabled(): boolean {
    return this.#acks;
  }

  setAcks(enabled: boolean): void {
    this.#acks = enabled;
    this.#inbox = new EmergencyInbox({ sender: this.sender, acks: enabled, relay: false });
  }

  history(): EmergencyRecord[] {
    return [...this.#history];
  }

  queueDepth(): Record<TrafficClass, number> {
    return this.#scheduler.depth();
  }

  sendEmergency(request: { text: string; priority: EmergencyPriority; confirmedAgain: boolean }): EmergencySendOutcome {
    const now = this.#options.clock.now();
    const result = this.#outbox.send(request, now);
    if (!result.ok) return result;
    for (const frame of result.frames) this.#scheduler.enqueue(frame, 'emergency');
    // Right behind it, the key that verifies it, for receivers that have not heard it yet.
    this.#announceKey(true, 'emergency');
    const record: EmergencyRecord = {
      id: result.id,
      direction: 'sent',
      text: request.text,
      priority: request.priority,
      at: now,
      fromNode: this.#options.link.device?.nodeId,
      signer: this.sender.keyId,
      verified: true,
      hops: 0,
      ackedBy: [],
      acknowledged: true,
    };
    this.#remember(record);
    this.#options.log('warn', `EMERGENCY sent (${request.priority}): ${request.text}`);
    this.#pump();
    return { ok: true, record };
  }

  acknowledge(id: string): boolean {
    const record = this.#history.find((entry) => entry.id === id);
    if (!record || record.acknowledged) return false;
    record.acknowledged = true;
    this.emit('history', this.history());
    return true;
  }

  stop(): void {
    if (this.#pumpTimer !== undefined) this.#options.clock.clearTimeout(this.#pumpTimer);
    this.#pumpTimer = undefined;
  }

  #announceKey(force: boolean, trafficClass: TrafficClass = 'control'): void {
    const now = this.#options.clock.now();
    if (!force && now - this.#lastKeyAnnounce < KEY_ANNOUNCE_EVERY_MS) return;
    this.#lastKeyAnnounce = now;
    for (const frame of this.sender.encode({ type: 'key-announce', publicKey: this.#options.signer.publicKey }, now).frames) {
      this.#scheduler.enqueue(frame, trafficClass);
    }
    this.#pump();
  }

  /** Hands frames to the radio as fast as the airtime budget allows. */
  #pump(): void {
    if (this.#pumpTimer !== undefined) {
      this.#options.clock.clearTimeout(this.#pumpTimer);
      this.#pumpTimer = undefined;
    }
    const now = this.#options.clock.now();
    for (;;) {
      const decision = this.#scheduler.next(now);
      if (decision.kind === 'send') {
        const isEmergency = decision.frame.trafficClass === 'emergency';
        const queued = this.#options.link.enqueue({
          messageId: `lora-${now}-${this.#frameCounter++}`,
          to: BROADCAST,
          payload: decision.frame.payload,
          // On a broadcast, want_ack makes the device listen for a neighbour's relay and transmit
          // again (up to 3 times) when it hears none: the firmware's answer to hidden-terminal collisions.
          wantAck: isEmergency || decision.frame.trafficClass === 'control',
          hopLimit: isEmergency ? MESH_HOP_LIMIT.emergency : MESH_HOP_LIMIT.other,
          priority: MESH_PRIORITY[decision.frame.trafficClass],
        });
        if (!queued.ok) this.#options.log('warn', `a LoRa frame was refused by the radio link: ${queued.error.message}`);
        continue;
      }
      if (decision.kind === 'wait') this.#pumpTimer = this.#options.clock.setTimeout(() => this.#pump(), Math.max(1, decision.until - now));
      else if (decision.kind === 'blocked') this.#options.log('warn', 'the radio has no region set, so nothing can be sent over LoRa');
      return;
    }
  }

  #onPacket(packet: ReceivedPacket): void {
    const now = this.#options.clock.now();
    const result = this.receiver.receive(packet.payload, packet.from, now);
    if (!result.ok) {
      this.#options.log('warn', `refused a LoRa frame from ${nodeIdOf(packet.from)}: ${result.reason}${result.detail ? ` (${result.detail})` : ''}`);
      return;
    }
    if (result.status !== 'delivered') return;
    const hops = packet.hops ?? 0;
    this.#deliver(result.delivery, hops);
    for (const settled of result.settled) {
      if ('message' in settled) this.#deliver(settled, hops);
      else this.#options.log('warn', `an earlier LoRa message from ${nodeIdOf(settled.from)} failed verification: ${settled.reason}`);
    }
  }

  #deliver(delivery: Delivery, hops: number): void {
    const now = this.#options.clock.now();
    if (delivery.message.type === 'emergency-ack') {
      if (this.#outbox.noteAck(delivery)) {
        const message = delivery.message;
        const record = this.#history.find((entry) => entry.id === `${message.emergencyKeyId}:${message.emergencySeq}`);
        if (record) {
          record.ackedBy = [...this.#outbox.ackersOf(record.id)];
          this.emit('history', this.history());
        }
      }
      return;
    }
    if (delivery.message.type !== 'emergency') return;
    const outcome = this.#inbox.handle(delivery, now, hops);
    for (const frame of outcome.ack ?? []) this.#scheduler.enqueue(frame, 'control');
    if (outcome.alert) this.#raise(outcome.alert, delivery, hops);
    this.#pump();
  }

  #raise(alert: EmergencyAlert, delivery: Delivery, hops: number): void {
    const existing = this.#history.find((entry) => entry.id === alert.id);
    if (existing) {
      existing.verified = alert.auth === 'verified';
      this.emit('history', this.history());
      return;
    }
    const record: EmergencyRecord = {
      id: alert.id,
      direction: 'received',
      text: alert.text,
      priority: alert.priority,
      at: alert.sentAtMs,
      fromNode: nodeIdOf(delivery.from),
      signer: alert.keyId,
      verified: alert.auth === 'verified',
      hops: (delivery.signer?.hops ?? 0) + hops,
      ackedBy: [],
      acknowledged: false,
    };
    this.#remember(record);
    this.#options.log('warn', `EMERGENCY from ${record.fromNode} (${record.verified ? 'verified' : 'NOT YET VERIFIED'}): ${record.text}`);
    this.emit('alert', record);
  }

  #remember(record: EmergencyRecord): void {
    this.#history.unshift(record);
    if (this.#history.length > HISTORY_SIZE) this.#history.pop();
    this.emit('history', this.history());
  }
}
