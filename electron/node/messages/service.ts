// Text messages on TEXT_MESSAGE_APP, the way the stock Meshtastic apps exchange them: channel
// messages (broadcast on a channel index) and direct messages (to one node, want_ack). Outgoing
// parts go through the radio link's persisted outbox (each handed to the radio once) and their
// delivery state follows what the firmware reports; incoming texts are stored and counted unread.
// A direct message's parts go one at a time (see RELAYED_PART_WAIT_MS).
import { EventEmitter } from 'node:events';
import { randomUUID } from 'node:crypto';
import { Portnums } from '@meshtastic/protobufs';
import { contractError, type ContractError } from '../../../shared/contract/errors.ts';
import { MAX_TEXT_PART_BYTES, MAX_TEXT_PARTS, type ChatMessage, type Conversation, type MessagesEvent } from '../../../shared/contract/messages.ts';
import type { Clock } from '../clock.ts';
import type { RadioError } from '../radio/errors.ts';
import type { EnqueueResult, LinkEvents, RadioLink } from '../radio/link.ts';
import { BROADCAST_NODE, nodeIdOf, type MeshNode, type TextMessage } from '../radio/session.ts';
import { splitByBytes, utf8Length } from './split.ts';
import { nextDeliveryState, type DeliveryStep } from './state.ts';
import type { KnownName, MessageStore } from './store.ts';

export const TEXT_MESSAGE_PORT = Portnums.PortNum.TEXT_MESSAGE_APP as number;

export type MessagesLink = Pick<RadioLink, 'on' | 'off' | 'enqueue' | 'outbox' | 'device' | 'nodes' | 'channels'>;

export type MessagesServiceOptions = {
  link: MessagesLink;
  store: MessageStore;
  clock: Clock;
  log: (level: 'info' | 'warn' | 'error', message: string) => void;
  newId?: () => string;
};

export type SendRequest = { text: string; to?: string | undefined; channel?: number | undefined };
export type SendOutcome = { ok: true; messages: ChatMessage[] } | { ok: false; error: ContractError };

export type MessagesServiceEvents = {
  /** A message was stored or its state changed. */
  changed: [MessagesEvent];
  /** A text arrived from the mesh (for a sound or an OS notification). */
  received: [MessagesEvent];
};

/**
 * How long a direct message's next part waits once this part was relayed but its destination has not
 * acked it yet. Sent together, a part's relayed copy collides with the destination's ack of the one
 * before, and the firmware stops retrying as soon as it hears the relay: that part is lost for good.
 * So the next part waits for the destination's ack (or a failure), and for at most this long after the
 * relay's, since a destination ack lost on the way back would otherwise hold the rest forever.
 */
export const RELAYED_PART_WAIT_MS = 30_000;

const refused = (reason: string, message: string, fix: string, code: ContractError['code'] = 'invalid_input'): SendOutcome => ({
  ok: false,
  error: contractError(code, message, { reason, fix }),
});

/** `LONG_FAST` → `LongFast`: what the apps call a primary channel that has no name of its own. */
export const presetChannelName = (preset: string): string =>
  preset
    .toLowerCase()
    .split('_')
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join('');

export class MessagesService extends EventEmitter<MessagesServiceEvents> {
  readonly store: MessageStore;
  readonly #link: MessagesLink;
  readonly #clock: Clock;
  readonly #log: MessagesServiceOptions['log'];
  readonly #newId: () => string;
  readonly #detach: () => void;
  /** Names written to the database, so an unchanged node list writes nothing. */
  readonly #namesWritten = new Map<string, string>();
  /** A direct message's part → the part that goes when this one settles. */
  readonly #nextPart = new Map<string, ChatMessage>();
  readonly #partTimers = new Map<string, unknown>();

  constructor(options: MessagesServiceOptions) {
    super();
    this.store = options.store;
    this.#link = options.link;
    this.#clock = options.clock;
    this.#log = options.log;
    this.#newId = options.newId ?? randomUUID;
    const listeners: Partial<{ [E in keyof LinkEvents]: (...args: LinkEvents[E]) => void }> = {
      accepted: ({ messageId, packetId }) => this.#step(messageId, 'accepted', { packetId }),
      delivery: (report) => {
        if (report.ok) this.#step(report.messageId, report.delivery, { packetId: report.packetId });
        else this.#step(report.messageId, 'failed', { error: problemToError(report.error) });
      },
      routing: (report) => this.#onRouting(report.requestId, report.from, report.error),
      text: (text) => this.#onText(text),
      nodes: (nodes) => this.#rememberNodes(nodes),
      device: () => this.#rememberChannels(),
    };
    // What the radio reports is written to the database; a write the disk refuses must not take the
    // radio link down with it: the log says what could not be kept (an incoming text in full).
    const guarded = Object.entries(listeners).map(([name, listener]) => [
      name as keyof LinkEvents,
      (...args: unknown[]) => {
        try {
          (listener as (...values: unknown[]) => void)(...args);
        } catch (error) {
          const text = name === 'text' ? ` The text from ${nodeIdOf((args[0] as TextMessage).from)} was: ${(args[0] as TextMessage).text}` : '';
          this.#log('error', `Could not save a message update (${(error as Error).message}).${text}`);
        }
      },
    ] as const);
    for (const [name, listener] of guarded) options.link.on(name, listener as never);
    this.#detach = () => {
      for (const [name, listener] of guarded) options.link.off(name, listener as never);
    };
    this.#requeue();
  }

  /** Stops following the radio (before the database closes: sends still settling report nothing more). */
  stop(): void {
    this.#detach();
    for (const timer of this.#partTimers.values()) this.#clock.clearTimeout(timer);
    this.#partTimers.clear();
  }

  /** Splits, validates and queues a text for the radio; every part is persisted before this returns. */
  send(request: SendRequest): SendOutcome {
    const text = request.text.trim();
    // Counting bytes first keeps a huge text (a 10 MB paste) from going through the grapheme splitter.
    const parts = utf8Length(text) > MAX_TEXT_PARTS * MAX_TEXT_PART_BYTES ? undefined : splitByBytes(text, MAX_TEXT_PART_BYTES);
    if (parts === undefined || parts.length > MAX_TEXT_PARTS) {
      return refused(
        'too_long',
        `The message is ${utf8Length(text)} bytes; at most ${MAX_TEXT_PARTS * MAX_TEXT_PART_BYTES} bytes (${MAX_TEXT_PARTS} radio messages of ${MAX_TEXT_PART_BYTES}) can be sent at once.`,
        'Shorten it, or send it in several messages.',
      );
    }
    const channel = request.channel ?? 0;
    const channelProblem = this.#channelProblem(channel);
    if (channelProblem) return channelProblem;
    const destinationProblem = request.to === undefined ? undefined : this.#destinationProblem(request.to);
    if (destinationProblem) return destinationProblem;
    const own = this.#link.device?.nodeId;
    const conversation = request.to ?? `channel:${channel}`;
    const at = this.#clock.now();
    const messages = parts.map((partText, index): ChatMessage => ({
      id: this.#newId(),
      conversation,
      direction: 'out',
      ...(own ? { from: own } : {}),
      ...(request.to ? { to: request.to } : {}),
      channel,
      text: partText,
      at,
      state: 'queued',
      ...(parts.length > 1 ? { part: { index: index + 1, count: parts.length } } : {}),
    }));
    // All parts are kept before any goes to the radio: a full disk refuses the whole text, never half of it.
    this.store.insertAll(messages);
    for (const message of messages) this.#publish(message);
    if (request.to === undefined) {
      for (const message of messages) this.#queue(message);
    } else {
      messages.slice(1).forEach((part, index) => this.#nextPart.set(messages[index]!.id, part));
      this.#queue(messages[0]!);
    }
    return { ok: true, messages: messages.map((message) => this.store.get(message.id) ?? message) };
  }

  list(options: { conversation?: string | undefined; before?: number | undefined; limit: number }): ChatMessage[] {
    return this.store.list(options);
  }

  conversations(): Conversation[] {
    return this.store.conversations();
  }

  /** The operator has seen a conversation: its unread count goes to zero. */
  markRead(conversation: string): Conversation {
    this.store.markRead(conversation);
    return this.store.conversation(conversation);
  }

  /** Hands a message to the radio link; one the link refuses is failed at once (and releases its next part). */
  #queue(message: ChatMessage): void {
    const queued = this.#enqueue(message);
    if (!queued.ok) this.#step(message.id, 'failed', { error: problemToError(queued.error) });
  }

  #enqueue(message: ChatMessage): EnqueueResult {
    return this.#link.enqueue({
      messageId: message.id,
      to: message.to === undefined ? BROADCAST_NODE : Number.parseInt(message.to.slice(1), 16),
      payload: new TextEncoder().encode(message.text),
      // As the stock apps do: a direct message is acknowledged by its destination, a channel message by a relay.
      wantAck: true,
      portnum: TEXT_MESSAGE_PORT,
      channel: message.channel,
    });
  }

  /**
   * At start: a message still `queued` may have been written before the node stopped and not yet
   * reached the outbox. Queued again under its own id, the link sends it once: an id the radio already
   * took is recognised, and the message is then at least `sent`. A direct message's later parts wait
   * behind its first queued one again.
   */
  #requeue(): void {
    const inOutbox = new Set(this.#link.outbox().map((packet) => packet.messageId));
    let previous: ChatMessage | undefined;
    for (const message of this.store.withState('queued')) {
      const waitsFor = previous !== undefined && isNextPart(previous, message) ? previous : undefined;
      previous = message;
      if (waitsFor) {
        this.#nextPart.set(waitsFor.id, message);
        continue;
      }
      if (inOutbox.has(message.id)) continue;
      const result = this.#enqueue(message);
      if (result.ok && result.duplicate) this.#step(message.id, 'accepted', {});
    }
  }

  #step(id: string, step: DeliveryStep, changes: { packetId?: number; error?: ContractError }): void {
    const message = this.store.get(id);
    if (!message || message.direction !== 'out' || !message.state) return;
    const next = nextDeliveryState(message.state, step);
    if (next === undefined) {
      if (changes.packetId !== undefined && this.store.packetOf(id).packetId === undefined) this.store.setState(id, message.state, { packetId: changes.packetId });
      return;
    }
    this.store.setState(id, next, next === 'failed' ? changes : { ...(changes.packetId === undefined ? {} : { packetId: changes.packetId }) });
    if (next === 'failed') this.#log('warn', `Message to ${message.to ?? `channel ${message.channel}`} failed: ${changes.error?.message ?? 'no reason given'}`);
    const updated = this.store.get(id);
    if (updated) this.#publish(updated);
    this.#paceNextPart(id, next);
  }

  #paceNextPart(id: string, state: ChatMessage['state']): void {
    if (!this.#nextPart.has(id)) return;
    if (state === 'delivered' || state === 'failed') this.#releaseNextPart(id);
    else if (state === 'relayed' && !this.#partTimers.has(id)) this.#partTimers.set(id, this.#clock.setTimeout(() => this.#releaseNextPart(id), RELAYED_PART_WAIT_MS));
  }

  #releaseNextPart(id: string): void {
    const next = this.#nextPart.get(id);
    this.#nextPart.delete(id);
    if (this.#partTimers.has(id)) this.#clock.clearTimeout(this.#partTimers.get(id));
    this.#partTimers.delete(id);
    if (next) this.#queue(next);
  }

  /** A late ACK counts too: after a relay's implicit ack, the destination's own ack makes it delivered. */
  #onRouting(requestId: number, from: number, error: RadioError | undefined): void {
    const message = this.store.byPacketId(requestId);
    if (!message) return;
    const fromId = nodeIdOf(from);
    if (error) {
      this.#step(message.id, 'failed', { error: problemToError(error) });
      return;
    }
    if (message.to !== undefined && fromId === message.to) this.#step(message.id, 'delivered', {});
    else if (fromId === this.#link.device?.nodeId) this.#step(message.id, 'relayed', {});
  }

  #onText(text: TextMessage): void {
    const own = this.#link.device?.nodeNum;
    if (own !== undefined && text.from === own) return;
    const direct = text.to !== BROADCAST_NODE;
    if (direct && own !== undefined && text.to !== own) return; // not ours (the device passes only ours and broadcasts)
    const from = nodeIdOf(text.from);
    const message: ChatMessage & { packetId: number } = {
      id: this.#newId(),
      conversation: direct ? from : `channel:${text.channel}`,
      direction: 'in',
      from,
      ...(direct ? { to: nodeIdOf(text.to) } : {}),
      channel: text.channel,
      text: text.text,
      at: text.receivedAt,
      ...(text.hops === undefined ? {} : { hops: text.hops }),
      ...(text.rxSnr ? { snr: text.rxSnr } : {}),
      ...(text.rxRssi ? { rssi: text.rxRssi } : {}),
      unread: true,
      packetId: text.id,
    };
    if (!this.store.insert(message)) return; // the same packet again (after a reconnect)
    const stored = this.store.get(message.id)!;
    const event = this.#publish(stored);
    this.#log('info', `Message from ${event.conversation.kind === 'direct' ? event.conversation.name : `${from} on ${event.conversation.name}`}: ${text.text}`);
    this.emit('received', event);
  }

  #publish(message: ChatMessage): MessagesEvent {
    const event = { message, conversation: this.store.conversation(message.conversation) };
    this.emit('changed', event);
    return event;
  }

  #channelProblem(channel: number): SendOutcome | undefined {
    const live = this.#link.channels().map((entry) => entry.index);
    const known = live.length > 0 ? live : this.store.knownChannels();
    if (known.length === 0 || known.includes(channel)) return undefined;
    return refused(
      'no_such_channel',
      `The radio has no channel ${channel}; it has ${known.map((index) => `${index} (${this.store.name(`channel:${index}`)?.name ?? 'unnamed'})`).join(', ')}.`,
      'Pick one of those channels, or add the channel on the radio first.',
    );
  }

  #destinationProblem(nodeId: string): SendOutcome | undefined {
    if (nodeId === nodeIdOf(BROADCAST_NODE)) {
      return refused('broadcast_id', `${nodeId} is the broadcast address, not a node.`, 'To write to everyone, send to a channel instead (leave "to" out).');
    }
    if (nodeId === this.#link.device?.nodeId) return refused('own_node', `${nodeId} is this node's own radio.`, 'Pick another node from the node list.');
    const heard = this.#link.nodes().some((node) => node.nodeId === nodeId) || this.store.name(nodeId) !== undefined;
    if (heard) return undefined;
    return refused(
      'unknown_node',
      `No node ${nodeId} is known: the radio has not heard it, and it has never written to this node.`,
      'Check the id against the node list, or wait until the radio has heard the node (it announces itself every few hours, or when it writes).',
      'not_found',
    );
  }

  #rememberNodes(nodes: readonly MeshNode[]): void {
    const changed: KnownName[] = [];
    for (const node of nodes) {
      const name = node.longName ?? node.nodeId;
      const signature = `${name}\u0000${node.shortName ?? ''}`;
      if (this.#namesWritten.get(node.nodeId) === signature) continue;
      this.#namesWritten.set(node.nodeId, signature);
      changed.push({ key: node.nodeId, name, ...(node.shortName ? { shortName: node.shortName } : {}) });
    }
    this.store.rememberNames(changed);
  }

  #rememberChannels(): void {
    const device = this.#link.device;
    const channels = this.#link.channels();
    if (!device || channels.length === 0) return;
    const names = channels.map((channel) => ({
      key: `channel:${channel.index}`,
      name: channel.name || (channel.role === 'PRIMARY' ? presetChannelName(device.preset) : `Channel ${channel.index}`),
    }));
    const signature = JSON.stringify(names);
    if (this.#namesWritten.get('channels') === signature) return;
    this.#namesWritten.set('channels', signature);
    this.store.forgetChannels();
    this.store.rememberNames(names);
  }
}

/** Whether `message` is the direct-message part right after `previous`, from the same send. */
function isNextPart(previous: ChatMessage, message: ChatMessage): boolean {
  return (
    message.to !== undefined &&
    message.part !== undefined &&
    previous.part !== undefined &&
    previous.conversation === message.conversation &&
    previous.at === message.at &&
    previous.part.count === message.part.count &&
    previous.part.index + 1 === message.part.index
  );
}

/** A radio failure as the operator reads it; `reason` is the radio's error code (`routing_error`, `timeout`, ...). */
function problemToError(problem: { code: string; message: string; fix?: string | undefined }): ContractError {
  return contractError('unavailable', problem.message, { reason: problem.code, ...(problem.fix ? { fix: problem.fix } : {}) });
}
