// Emergencies on LoRa, for one node: sending ours (signed, with an ALERT_APP copy for stock apps),
// raising those heard (signed ones and stock alerts), the answers ("received", "seen"), the sender's
// roll-call with its repeats to the silent radios, the signed all-clear, and the history kept in the
// archive. Frames go on air through the LoRa service's scheduler (the `air` port); the radio link is
// followed for what became of them.
import { EventEmitter } from 'node:events';
import type { Clock } from '../clock.ts';
import type { RadioLink } from '../radio/link.ts';
import { nodeIdOf, type RoutingReport, type TextMessage } from '../radio/session.ts';
import type { EvidenceKind } from '../reputation/index.ts';
import { EmergencyInbox, EmergencyOutbox, emergencyIdOf, type EmergencyAlert } from './emergency.ts';
import type { EmergencyPriority, WirePosition } from './messages.ts';
import type { Delivery } from './receiver.ts';
import { VIA_IP } from './relayed.ts';
import { NO_RADIO, RollCall, type RollCallAnswer, type RollCallMember } from './roll-call.ts';
import type { TrafficClass } from './scheduler.ts';
import type { LoraSender } from './sender.ts';
import { ALERT_APP_PORT, alertTextOf, allClearTextOf, bellAlertText, isCopyOf } from './stock-alerts.ts';

const BROADCAST = 0xffffffff;
const TEXT_MESSAGE_PORT = 1;
/** Emergencies reach the whole mesh: the firmware floods with the largest hop limit it allows. */
export const EMERGENCY_HOP_LIMIT = 7;
/** Meshtastic's ALERT priority (the device queue sends it before anything else). */
const ALERT_PRIORITY = 110;
const HISTORY_SIZE = 200;
/**
 * An emergency goes on air twice: a broadcast is only repaired up to the first relay (the sender's
 * want_ack), so a collision further along the mesh loses it. The copy is the same signed message
 * (receivers that have it drop it as a repeat), sent after the first flood has cleared the mesh.
 */
const EMERGENCY_REPEAT_MS = { min: 20_000, spread: 10_000 } as const;
/** A "seen" across a relay goes again until the author's radio acks it: after these pauses, then it stops. */
const SEEN_RESEND_MS = [EMERGENCY_REPEAT_MS, { min: 60_000, spread: 20_000 }, { min: 120_000, spread: 40_000 }] as const;
/**
 * Receivers spread their acks so they do not all answer at once (nor on the emergency's own relays).
 * Everyone the emergency reached answers, so the window grows with the crowd: 2 s per radio this
 * node's radio has heard (those near it answer too), at least 8 s, at most 60 s. One lost to a
 * collision is asked for again by the author's roll-call.
 */
export function ackDelay(radiosHeard: number): Delay {
  return { min: 2_000, spread: Math.min(60_000, Math.max(8_000, radiosHeard * 2_000)) };
}
/** Answers to a repeat go out soon, spread a little (several silent nodes may be asked in one round). */
const REANSWER_DELAY_MS = { min: 500, spread: 2_000 } as const;
/** The roll-call lists the radios heard this recently when the emergency goes out. */
const ROLL_CALL_HEARD_WITHIN_MS = 24 * 60 * 60_000;
const MAX_PACKETS_FOLLOWED = 256;
/** Frames addressed to one radio whose ack from that radio is followed, by the tag they go with. */
const FOLLOWED_KINDS = ['ask', 'clear', 'seen'] as const;
type FollowedKind = (typeof FOLLOWED_KINDS)[number];

/** What became of our own emergency on air: the device's queue, its transmission, a relay's echo. */
export type EmergencyAirState = {
  state: 'queued' | 'on_air' | 'relayed' | 'not_relayed';
  /** Broadcasts that went on air (the first, its planned copy); more than one: resent. */
  sends: number;
  lastSentAt?: number | undefined;
};

export type RollCallMemberRecord = {
  node: string;
  keyId?: string | undefined;
  answer: RollCallAnswer;
  answeredAt?: number | undefined;
  asks: number;
  nextAskAt?: number | undefined;
  cleared?: boolean | undefined;
};

export type EmergencyRecord = {
  id: string;
  direction: 'sent' | 'received';
  text: string;
  priority: EmergencyPriority;
  at: number;
  /** The radio that put it on air (`!xxxxxxxx`) and the signer's key id. */
  fromNode?: string | undefined;
  signer: string;
  verified: boolean;
  hops?: number | undefined;
  /** Key ids that acknowledged one of our emergencies (claimed: acks are unsigned). */
  ackedBy: string[];
  /** The operator dismissed the alert. */
  acknowledged: boolean;
  /** false: a stock Meshtastic alert, without a signature. */
  signed?: boolean;
  /** Where the author's radio was. */
  position?: WirePosition;
  /** Our own emergencies: on air, and who answered. */
  air?: EmergencyAirState;
  rollCall?: { repeating: boolean; members: RollCallMemberRecord[] };
  /** The author's signed all-clear closed it. */
  closed?: { at: number; text: string };
};

export type EmergencySendOutcome =
  | { ok: true; record: EmergencyRecord }
  | { ok: false; reason: 'cooling_down'; retryAt: number }
  | { ok: false; reason: 'bad_text'; maxBytes: number };

export type EmergencyActionOutcome = { ok: true; record: EmergencyRecord } | { ok: false; reason: 'unknown' | 'not_ours' | 'closed' };


/** Saved emergencies, newest first; `frames`: the signed emergency a roll-call repeats (ours only). */
export type ArchivedEmergency = { record: EmergencyRecord; frames?: Uint8Array[] };
export type EmergencyArchive = {
  load(): ArchivedEmergency[];
  /** The whole history as it is now; the archive writes what changed. Throws when it cannot write. */
  save(entries: readonly ArchivedEmergency[]): void;
};


export type EmergencyDeskEvents = {
  alert: [EmergencyRecord];
  history: [EmergencyRecord[]];
};

/** Random delay: at least `min`, up to `min + spread`. */
export type Delay = { min: number; spread: number };

/** How the desk puts frames on air: the LoRa service's scheduler and pacing. */
export type EmergencyAir = {
  /**
   * Queues one frame. `far`: as far as emergencies go (answers and repeats to one radio); `to`: one
   * radio instead of everyone; `hopLimit`/`wantAck` given together override the defaults; `tag`:
   * the frame's fate on air comes back through the link's events under this messageId prefix.
   */
  enqueue(frame: Uint8Array, trafficClass: TrafficClass, options?: { far?: boolean; to?: number | undefined; hopLimit?: number; wantAck?: boolean; tag?: string }): void;
  /** Runs `task` after a random delay, then sends what it queued; dropped when the service stops. */
  later(delay: Delay, task: () => void): void;
  /** Sends what is queued, as the airtime budget allows. */
  pump(): void;
};

export type EmergencyDeskOptions = {
  sender: LoraSender;
  link: Pick<RadioLink, 'device' | 'nodes' | 'enqueue' | 'on'>;
  clock: Clock;
  log: (level: 'info' | 'warn', message: string) => void;
  air: EmergencyAir;
  /** Radio node number -> the key id it showed itself under: the roll-call asks a keyed radio with the signed message. */
  radioKeys: ReadonlyMap<number, string>;
  /** Credit to the radio that put an answer on air. */
  reportRadio(nodeNum: number, kind: EvidenceKind): void;
  archive?: EmergencyArchive | undefined;
};

export class EmergencyDesk extends EventEmitter<EmergencyDeskEvents> {
  readonly #options: EmergencyDeskOptions;
  readonly #outbox: EmergencyOutbox;
  readonly #inbox: EmergencyInbox;
  readonly #history: EmergencyRecord[] = [];
  /** Our emergencies' roll-calls, the frames a repeat sends and (once closed) the signed all-clear's, by emergency id. */
  readonly #rollCalls = new Map<string, { rollCall: RollCall; frames: Uint8Array[]; clearFrames?: Uint8Array[] }>();
  #rollCallTimer: { handle: unknown; at: number } | undefined;
  /**
   * Device packet id of a frame addressed to one radio -> what it carried (a repeat, an all-clear, our
   * "seen"), the emergency and that radio: the radio's own ack names it.
   */
  readonly #followedPackets = new Map<number, { kind: FollowedKind; id: string; node: number }>();
  /** Received emergencies whose author's radio acked our "seen". */
  readonly #seenConfirmed = new Set<string>();
  #stockRepeats = 0;
  #stopped = false;

  constructor(options: EmergencyDeskOptions) {
    super();
    this.#options = options;
    this.#outbox = new EmergencyOutbox({ sender: options.sender });
    // Meshtastic's managed flooding already rebroadcasts every packet once per relay, within the hop
    // limit we set; a second, application-level relay would only double the airtime.
    this.#inbox = new EmergencyInbox({ sender: options.sender, relay: false });
    this.#restoreHistory();
    const { link } = options;
    link.on('accepted', ({ messageId, packetId }) => this.#onAir(messageId, packetId));
    link.on('routing', (report) => this.#onRouting(report));
    link.on('delivery', (report) => this.#onDelivery(report.messageId, report.ok ? report.delivery : 'failed'));
    link.on('alert', (alert) => this.#raiseStock(alert, alert.text));
    link.on('text', (text) => {
      const alertText = bellAlertText(text.text);
      if (alertText !== undefined) this.#raiseStock(text, alertText);
    });
  }

  stop(): void {
    this.#stopped = true;
    if (this.#rollCallTimer) this.#options.clock.clearTimeout(this.#rollCallTimer.handle);
    this.#rollCallTimer = undefined;
  }

  /** Handles an emergency message (the emergency, an answer, an all-clear); false for any other type. */
  deliver(delivery: Delivery, hops: number, now: number): boolean {
    const { message } = delivery;
    if (message.type === 'emergency-ack') {
      const id = emergencyIdOf(message.emergencyKeyId, message.emergencySeq);
      const newAcker = this.#outbox.noteAck(delivery);
      // An ack is a claim (unsigned): the credit goes to the radio that put it on air, as blame does.
      if (newAcker && delivery.from !== VIA_IP) this.#options.reportRadio(delivery.from, 'request_answered');
      const answered = this.#noteAnswer(id, delivery.from, message.acker, 'received', now);
      const record = this.#history.find((entry) => entry.id === id);
      if (record && (newAcker || answered)) {
        record.ackedBy = [...this.#outbox.ackersOf(record.id)];
        this.#historyChanged();
      }
      return true;
    }
    if (message.type === 'emergency-seen') {
      if (delivery.auth === 'verified' && delivery.signer) {
        const id = emergencyIdOf(message.emergencyKeyId, message.emergencySeq);
        // Its radio is the frame's sender only if no Pakit node carried it (a bridge counts a hop).
        const radio = delivery.signer.hops === 0 ? delivery.from : VIA_IP;
        if (this.#noteAnswer(id, radio, delivery.signer.keyId, 'seen', now)) this.#historyChanged();
      }
      return true;
    }
    if (message.type === 'emergency-clear') {
      if (delivery.auth === 'verified' && delivery.signer) this.#closeReceived(emergencyIdOf(delivery.signer.keyId, message.emergencySeq), message.text, delivery.signer.sentAtMs);
      return true;
    }
    if (message.type !== 'emergency') return false;
    const outcome = this.#inbox.handle(delivery, now, hops);
    if (outcome.alert) this.#raise(outcome.alert, delivery, hops);
    const ack = outcome.ack;
    const record = outcome.alert && this.#history.find((entry) => entry.id === outcome.alert!.id);
    if (ack && record) this.#answerAuthor(record, { ack }, ackDelay(this.#options.link.nodes().length));
    this.#options.air.pump();
    return true;
  }

  get acksEnabled(): boolean {
    return this.#inbox.acks;
  }

  setAcks(enabled: boolean): void {
    this.#inbox.acks = enabled;
  }



  history(): EmergencyRecord[] {
    return [...this.#history];
  }

  send(request: { text: string; priority: EmergencyPriority; confirmedAgain: boolean }): EmergencySendOutcome {
    const now = this.#options.clock.now();
    const own = this.#options.link.device;
    const position = own?.position && { latitude: own.position.latitude, longitude: own.position.longitude };
    const result = this.#outbox.send({ ...request, ...(position && { position }) }, now);
    if (!result.ok) return result;
    // The message carries its author's key: receivers verify it on arrival, nothing else has to get through.
    const broadcast = () => this.#broadcastEmergency(result.id, result.frames);
    broadcast();
    this.#options.air.later(EMERGENCY_REPEAT_MS, broadcast);
    const expected = this.#options.link
      .nodes()
      .filter((node) => node.nodeNum !== own?.nodeNum && node.lastHeard !== undefined && now - node.lastHeard < ROLL_CALL_HEARD_WITHIN_MS)
      .map((node) => ({ node: node.nodeNum, keyId: this.#options.radioKeys.get(node.nodeNum) }));
    this.#rollCalls.set(result.id, { rollCall: new RollCall(expected, now), frames: result.frames });
    const record: EmergencyRecord = {
      id: result.id,
      direction: 'sent',
      text: request.text,
      priority: request.priority,
      at: now,
      fromNode: this.#options.link.device?.nodeId,
      signer: this.#options.sender.keyId,
      verified: true,
      hops: 0,
      ackedBy: [],
      acknowledged: true,
      ...(position && { position }),
      air: { state: 'queued', sends: 0, lastSentAt: undefined },
    };
    this.#updateRollCall(record);
    this.#remember(record);
    this.#armRollCallTimer();
    this.#options.log('warn', `EMERGENCY sent (${request.priority}): ${request.text}${expected.length ? `; roll-call of ${expected.length} radios` : ''}`);
    // Stock Meshtastic apps cannot read the signed message: an ALERT_APP copy alerts their users too.
    const copy = this.#options.link.enqueue({
      messageId: `alert-${result.id}`,
      to: BROADCAST,
      payload: new TextEncoder().encode(alertTextOf(request.priority, request.text, position)),
      portnum: ALERT_APP_PORT,
      wantAck: true,
      // As far and as soon as the signed message: stock apps anywhere in the mesh must hear it too.
      hopLimit: EMERGENCY_HOP_LIMIT,
      priority: ALERT_PRIORITY,
    });
    if (!copy.ok) this.#options.log('warn', `the ALERT_APP copy for stock apps could not be queued: ${copy.error.message}`);
    this.#options.air.pump();
    return { ok: true, record };
  }

  /** A person here saw a received emergency: its alert stops, and its author hears "seen" (signed). */
  acknowledge(id: string): boolean {
    const record = this.#history.find((entry) => entry.id === id);
    if (!record || record.acknowledged) return false;
    record.acknowledged = true;
    const seen = this.#inbox.markSeen(id, this.#options.clock.now());
    if (seen) {
      // The roll-call asks again only radios that never answered, so a "seen" lost after the
      // automatic "received" got through would never be repaired: it goes again until the author's
      // radio acks it (to a neighbour, with no ack to wait for, twice, like the emergency).
      const acked = this.#answerAuthor(record, { seen }, undefined, 'seen');
      this.#resendSeen(record, seen, acked, 0);
    }
    this.#historyChanged();
    this.#options.air.pump();
    return true;
  }

  /**
   * Closes one of our emergencies everywhere: a signed all-clear floods the mesh (twice, like the
   * emergency), stock apps get it as text. The roll-call stops asking the silent and, from a minute
   * on, sends the all-clear to each radio that had the emergency until its radio confirms it: a
   * flood missed at a hidden-terminal relay is otherwise lost for good, and the alarm there never stops.
   */
  allClear(id: string, why: string): EmergencyActionOutcome {
    const record = this.#history.find((entry) => entry.id === id);
    if (!record) return { ok: false, reason: 'unknown' };
    if (record.direction !== 'sent') return { ok: false, reason: 'not_ours' };
    if (record.closed) return { ok: false, reason: 'closed' };
    const now = this.#options.clock.now();
    const frames = this.#clearFrames(id, why, now);
    const flood = () => frames.forEach((frame) => this.#options.air.enqueue(frame.slice(), 'emergency'));
    flood();
    this.#options.air.later(EMERGENCY_REPEAT_MS, flood);
    const notice = this.#options.link.enqueue({ messageId: `all-clear-${id}`, to: BROADCAST, payload: new TextEncoder().encode(allClearTextOf(record.text, why)), portnum: TEXT_MESSAGE_PORT, wantAck: true });
    if (!notice.ok) this.#options.log('warn', `the all-clear text for stock apps could not be queued: ${notice.error.message}`);
    this.#rollCalls.get(id)?.rollCall.close(now);
    record.closed = { at: now, text: why };
    this.#updateRollCall(record);
    this.#armRollCallTimer();
    this.#options.log('info', `ALL CLEAR sent for "${record.text}"${why ? `: ${why}` : ''}`);
    this.#historyChanged();
    this.#options.air.pump();
    return { ok: true, record: { ...record } };
  }

  /** The operator stops repeating one of our emergencies to the radios that stayed silent. */
  stopRepeats(id: string): EmergencyActionOutcome {
    const record = this.#history.find((entry) => entry.id === id);
    const entry = this.#rollCalls.get(id);
    if (!record) return { ok: false, reason: 'unknown' };
    if (!entry) return { ok: false, reason: 'not_ours' };
    if (entry.rollCall.stop()) {
      this.#updateRollCall(record);
      this.#historyChanged();
    }
    return { ok: true, record: { ...record } };
  }

  // ---- roll-call: answers to emergencies, repeats to the silent, all-clear ----

  #historyChanged(): void {
    this.emit('history', this.history());
    try {
      this.#options.archive?.save(this.#history.map((record) => ({ record, frames: this.#rollCalls.get(record.id)?.frames })));
    } catch (error) {
      this.#options.log('warn', `the emergency history could not be saved (${error instanceof Error ? error.message : String(error)}); it is kept in memory`);
    }
  }

  /** The history of the last run; our open roll-calls go on repeating to the radios still silent. */
  #restoreHistory(): void {
    let saved: ArchivedEmergency[];
    try {
      saved = this.#options.archive?.load() ?? [];
    } catch (error) {
      this.#options.log('warn', `the saved emergency history could not be read (${error instanceof Error ? error.message : String(error)})`);
      return;
    }
    const now = this.#options.clock.now();
    for (const { record, frames } of saved.slice(0, HISTORY_SIZE)) {
      this.#history.push(record);
      // A closed one resumes while radios that had it have not confirmed the all-clear.
      const clearing = record.closed !== undefined && record.rollCall?.members.some((member) => member.cleared === false);
      if (record.direction !== 'sent' || (record.closed && !clearing) || !record.rollCall || !frames?.length || now - record.at > ROLL_CALL_HEARD_WITHIN_MS) continue;
      const members = record.rollCall.members.map((member) => ({
        node: member.node === 'via IP' ? NO_RADIO : Number.parseInt(member.node.slice(1), 16),
        keyId: member.keyId,
        answer: member.answer,
        answeredAt: member.answeredAt,
        asks: member.asks,
        cleared: member.cleared,
      }));
      const rollCall = RollCall.resume(members, now);
      if (!record.rollCall.repeating) rollCall.stop();
      this.#rollCalls.set(record.id, { rollCall, frames });
    }
    if (this.#rollCalls.size > 0) this.#armRollCallTimer();
  }

  /**
   * Sends our answers to the radio that put the emergency on air, one relay further than the
   * emergency came (a direct message floods like a broadcast within its hop limit, and the way back
   * is not always as short: answers from 2-3 hops away were lost at exactly the emergency's hops).
   * To a neighbour: zero hops.
   */
  #resendSeen(record: EmergencyRecord, seen: Uint8Array[], acked: boolean, resent: number): void {
    const pause = SEEN_RESEND_MS[resent];
    if (!pause || (!acked && resent > 0)) return;
    this.#options.air.later(pause, () => {
      if (this.#seenConfirmed.has(record.id) || record.closed) return;
      this.#answerAuthor(record, { seen }, undefined, 'seen');
      this.#resendSeen(record, seen, acked, resent + 1);
    });
  }

  /** True when the answers go with want_ack: the author's radio acks them, and `follow` may watch for that ack. */
  #answerAuthor(record: EmergencyRecord, answers: { ack?: Uint8Array[]; seen?: Uint8Array[] }, delay: Delay = { min: 0, spread: 1 }, follow?: FollowedKind): boolean {
    const to = record.fromNode && record.fromNode.startsWith('!') ? Number.parseInt(record.fromNode.slice(1), 16) : undefined;
    const hops = record.hops ?? EMERGENCY_HOP_LIMIT;
    const hopLimit = to === undefined ? EMERGENCY_HOP_LIMIT : Math.min(hops > 0 ? hops + 1 : 0, EMERGENCY_HOP_LIMIT);
    // Across a relay, the firmware's retries; to a neighbour none (the firmware turns want_ack with
    // hop limit 0 into 3 hops of flooding): the roll-call asks again for a lost answer.
    const wantAck = to !== undefined && hopLimit > 0;
    const tag = wantAck && follow ? `${follow}:${record.id}@${to}` : undefined;
    this.#options.air.later(delay, () => {
      for (const frame of [...(answers.ack ?? []), ...(answers.seen ?? [])]) {
        this.#options.air.enqueue(frame.slice(), 'control', { far: true, to, hopLimit, wantAck, ...(tag !== undefined && { tag }) });
      }
    });
    return wantAck;
  }

  /** Our emergency was sent to this radio again (a repeat addressed to us): its answers were lost on the way back. */
  answerAgain(keyId: string, seq: number, from: number, now: number): void {
    const answers = this.#inbox.reanswer(keyId, seq, now);
    const record = this.#history.find((entry) => entry.id === emergencyIdOf(keyId, seq));
    if (answers.ack.length + answers.seen.length === 0 || !record) return;
    this.#options.log('info', `${nodeIdOf(from)} asked again about the emergency "${record.text}": answering again`);
    this.#answerAuthor(record, answers, REANSWER_DELAY_MS);
  }

  /** True when the roll-call of our emergency `id` changed. */
  #noteAnswer(id: string, node: number, keyId: string | undefined, answer: Exclude<RollCallAnswer, 'silent'>, now: number): boolean {
    const entry = this.#rollCalls.get(id);
    const record = this.#history.find((item) => item.id === id);
    if (!entry || !record) return false;
    const changed = entry.rollCall.answer({ ...(node !== VIA_IP && { node }), ...(keyId !== undefined && { keyId }) }, answer, now);
    if (changed) this.#updateRollCall(record);
    return changed;
  }

  #closeReceived(id: string, why: string, at: number): void {
    const record = this.#history.find((entry) => entry.id === id && entry.direction === 'received');
    if (!this.#inbox.close(id) || !record || record.closed) return;
    record.closed = { at, text: why };
    record.acknowledged = true; // the alarm stops: nobody needs to act any more
    this.#options.log('info', `ALL CLEAR from ${record.fromNode}: "${record.text}" is over${why ? ` (${why})` : ''}`);
    this.#historyChanged();
  }

  #updateRollCall(record: EmergencyRecord): void {
    const view = this.#rollCalls.get(record.id)?.rollCall.view();
    if (!view) return;
    record.rollCall = {
      repeating: view.repeating,
      members: view.members.map((member) => ({ ...member, node: member.node === NO_RADIO ? 'via IP' : nodeIdOf(member.node) })),
    };
  }

  /** A tagged frame reached the device's transmit queue. */
  #onAir(messageId: string, packetId: number): void {
    const [tag, id] = messageId.split('#')[0]!.split(/:(.*)/s);
    const kind = FOLLOWED_KINDS.find((followed) => followed === tag);
    if (kind && id) {
      const [emergency, node] = id.split('@');
      this.#followedPackets.set(packetId, { kind, id: emergency!, node: Number(node) });
      if (this.#followedPackets.size > MAX_PACKETS_FOLLOWED) this.#followedPackets.delete(this.#followedPackets.keys().next().value!);
      return;
    }
    if (tag !== 'emergency' || !id) return;
    const record = this.#history.find((entry) => entry.id === id);
    if (!record?.air) return;
    record.air = { state: record.air.state === 'queued' ? 'on_air' : record.air.state, sends: record.air.sends + 1, lastSentAt: this.#options.clock.now() };
    this.#historyChanged();
  }

  /** The device's last word on our emergency broadcast: a relay echoed it, or none was heard. */
  #onDelivery(messageId: string, delivery: 'delivered' | 'relayed' | 'sent' | 'failed'): void {
    const [tag, id] = messageId.split('#')[0]!.split(/:(.*)/s);
    if (tag !== 'emergency' || !id) return;
    const record = this.#history.find((entry) => entry.id === id);
    if (!record?.air || delivery === 'sent') return;
    const heard = delivery !== 'failed';
    if (record.air.state === 'relayed' && !heard) return; // the first copy was relayed: that stands
    record.air = { ...record.air, state: heard ? 'relayed' : 'not_relayed' };
    this.#historyChanged();
  }

  /** A followed frame's destination radio acked it itself (a relay's implicit ack comes first and says less). */
  #onRouting(report: RoutingReport): void {
    const followed = this.#followedPackets.get(report.requestId);
    if (!followed || report.error || report.from !== followed.node) return;
    this.#followedPackets.delete(report.requestId);
    if (followed.kind === 'seen') {
      this.#seenConfirmed.add(followed.id);
      return;
    }
    if (followed.kind === 'clear') {
      const record = this.#history.find((entry) => entry.id === followed.id);
      if (!record || !this.#rollCalls.get(followed.id)?.rollCall.cleared(followed.node)) return;
      this.#updateRollCall(record);
      this.#historyChanged();
      return;
    }
    if (this.#noteAnswer(followed.id, followed.node, undefined, 'delivered', this.#options.clock.now())) this.#historyChanged();
  }

  #armRollCallTimer(): void {
    const at = Math.min(...[...this.#rollCalls.values()].map((entry) => entry.rollCall.wakeAt() ?? Infinity));
    if (this.#rollCallTimer?.at === at) return;
    if (this.#rollCallTimer) this.#options.clock.clearTimeout(this.#rollCallTimer.handle);
    this.#rollCallTimer = undefined;
    if (at === Infinity || this.#stopped) return;
    const handle = this.#options.clock.setTimeout(() => {
      this.#rollCallTimer = undefined;
      this.#askSilent();
      this.#armRollCallTimer();
    }, Math.max(1, at - this.#options.clock.now()));
    this.#rollCallTimer = { handle, at };
  }

  /**
   * Repeats our emergencies while radios stay silent. Each round floods the signed message once more
   * (it reaches radios this node never heard, and any that lost it to a collision; those that have it
   * drop the copy), then asks the silent directly: a Pakit node gets the signed message addressed to
   * it (its node answers a repeat addressed to it: its answer may be what was lost), any other radio
   * the stock alert (its firmware's ack says it arrived). The scheduler paces all of it.
   */
  #askSilent(): void {
    const now = this.#options.clock.now();
    let changed = false;
    for (const [id, { rollCall, frames }] of this.#rollCalls) {
      const record = this.#history.find((entry) => entry.id === id);
      const due = record ? rollCall.due(now) : [];
      if (!record || due.length === 0) continue;
      changed = true;
      if (record.closed) {
        this.#sendClear(record, due, now);
        this.#updateRollCall(record);
        continue;
      }
      this.#broadcastEmergency(id, frames);
      const stockAlert = { text: alertTextOf(record.priority, record.text, record.position), portnum: ALERT_APP_PORT, what: 'a repeat of the emergency' };
      for (const member of due) this.#sendToMember(member, `ask:${id}@${member.node}`, frames, stockAlert, now);
      this.#updateRollCall(record);
    }
    if (!changed) return;
    this.#historyChanged();
    this.#options.air.pump();
  }

  /**
   * The all-clear to radios that had the emergency and have not confirmed it: a Pakit node gets the
   * signed all-clear addressed to it, any other radio the stock text; the firmware ack of either,
   * from that radio, confirms it.
   */
  #sendClear(record: EmergencyRecord, due: readonly RollCallMember[], now: number): void {
    const frames = this.#clearFrames(record.id, record.closed!.text, now);
    const stockText = { text: allClearTextOf(record.text, record.closed!.text), portnum: TEXT_MESSAGE_PORT, what: 'the all-clear' };
    for (const member of due) this.#sendToMember(member, `clear:${record.id}@${member.node}`, frames, stockText, now);
  }

  /** Our signed `frames` addressed to a Pakit member's radio, or the stock text to any other radio (with want_ack). */
  #sendToMember(member: RollCallMember, tag: string, frames: readonly Uint8Array[], stock: { text: string; portnum: number; what: string }, now: number): void {
    if (member.keyId !== undefined) {
      for (const frame of frames) this.#options.air.enqueue(frame.slice(), 'control', { far: true, to: member.node, tag });
      return;
    }
    const payload = new TextEncoder().encode(stock.text);
    const queued = this.#options.link.enqueue({ messageId: `${tag}#${now}-${this.#stockRepeats++}`, to: member.node, payload, portnum: stock.portnum, wantAck: true, hopLimit: EMERGENCY_HOP_LIMIT });
    if (!queued.ok) this.#options.log('warn', `${stock.what} to ${nodeIdOf(member.node)} could not be queued: ${queued.error.message}`);
  }

  /** The signed all-clear of our emergency `id`, made once (a restart signs it anew from the saved text). */
  #clearFrames(id: string, why: string, now: number): Uint8Array[] {
    const entry = this.#rollCalls.get(id);
    if (entry?.clearFrames) return entry.clearFrames;
    const frames = this.#options.sender.encode({ type: 'emergency-clear', emergencySeq: Number(id.split(':')[1]), hopLimit: EMERGENCY_HOP_LIMIT, text: why }, now).frames;
    if (entry) entry.clearFrames = frames;
    return frames;
  }

  /** Our signed emergency on air once more, as a flood; each send is followed on air on its own. */
  #broadcastEmergency(id: string, frames: readonly Uint8Array[]): void {
    for (const frame of frames) {
      this.#options.air.enqueue(frame.slice(), 'emergency', { tag: `emergency:${id}` });
    }
  }

  #raise(alert: EmergencyAlert, delivery: Delivery, hops: number): void {
    const existing = this.#history.find((entry) => entry.id === alert.id);
    if (existing) {
      existing.verified = alert.auth === 'verified';
      this.#historyChanged();
      return;
    }
    const record: EmergencyRecord = {
      id: alert.id,
      direction: 'received',
      text: alert.text,
      priority: alert.priority,
      at: alert.sentAtMs,
      fromNode: delivery.from === VIA_IP ? 'via IP' : nodeIdOf(delivery.from),
      signer: alert.keyId,
      verified: alert.auth === 'verified',
      hops: (delivery.signer?.hops ?? 0) + hops,
      ackedBy: [],
      acknowledged: false,
      ...(alert.position && { position: alert.position }),
    };
    // Its ALERT_APP copy may have come first: the signed record takes its place (and its acknowledgement).
    const copy = this.#history.findIndex((entry) => entry.signed === false && isCopyOf(entry.text, entry.fromNode ?? '', entry.at, record));
    if (copy !== -1) record.acknowledged = this.#history.splice(copy, 1)[0]!.acknowledged;
    this.#remember(record);
    this.#options.log('warn', `EMERGENCY from ${record.fromNode} (${record.verified ? 'verified' : 'NOT YET VERIFIED'}): ${record.text}`);
    this.emit('alert', record);
  }

  /**
   * A stock Meshtastic alert: shown like an emergency, marked not signed. The ALERT_APP copy of a
   * signed Pakit emergency already shown is not shown twice. Never relayed to the IP mesh (the
   * bridge carries signed messages only).
   */
  #raiseStock(packet: TextMessage, text: string): void {
    const fromNode = nodeIdOf(packet.from);
    const original = this.#history.find((entry) => isCopyOf(text, fromNode, packet.receivedAt, entry));
    if (original) {
      // The author's roll-call asked this radio with the stock copy (it knew no key for it): our answer was lost.
      if (packet.to === this.#options.link.device?.nodeNum && original.direction === 'received') {
        this.answerAgain(original.signer, Number(original.id.split(':')[1]), packet.from, this.#options.clock.now());
      }
      return;
    }
    const id = `alert:${fromNode}:${packet.id}`;
    if (this.#history.some((entry) => entry.id === id)) return; // the same packet again (after a reconnect)
    const record: EmergencyRecord = {
      id,
      direction: 'received',
      text,
      priority: 'urgent',
      at: packet.receivedAt,
      fromNode,
      signer: '',
      verified: false,
      signed: false,
      hops: packet.hops,
      ackedBy: [],
      acknowledged: false,
    };
    this.#remember(record);
    this.#options.log('warn', `ALERT from ${fromNode} (a stock Meshtastic alert, not signed): ${text}`);
    this.emit('alert', record);
  }

  #remember(record: EmergencyRecord): void {
    this.#history.unshift(record);
    const forgotten = this.#history.length > HISTORY_SIZE ? this.#history.pop() : undefined;
    if (forgotten) this.#rollCalls.delete(forgotten.id);
    this.#historyChanged();
  }
}
