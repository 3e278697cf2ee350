import { z } from 'zod';
import { ContractError } from './errors.ts';

/**
 * UTF-8 bytes of one text packet. The Meshtastic apps (Android MESSAGE_CHARACTER_LIMIT_BYTES, iOS,
 * web `maxBytes`) all stop a message at 200 bytes; the firmware would carry 233, a PKI DM fewer.
 * Longer text is sent as several messages of at most this size.
 */
export const MAX_TEXT_PART_BYTES = 200;
/** Parts one `messages.send` may make (each is a full LoRa frame: ~2 s of airtime on LONG_FAST). */
export const MAX_TEXT_PARTS = 4;

/** A Meshtastic node id as the apps show it. */
export const NodeIdText = z.string().regex(/^![0-9a-f]{8}$/, 'a node id like !a1b2c3d4 (! and 8 lower-case hex digits)');

/** `channel:N` for a channel's group chat, `!xxxxxxxx` for direct messages with that node. */
export const ConversationId = z.string().regex(/^(channel:[0-7]|![0-9a-f]{8})$/, 'channel:N (0-7) or a node id like !a1b2c3d4');

/**
 * What the firmware has said about one outgoing message: `queued` (waiting for the radio), `sent`
 * (the radio took it and transmits), `relayed` (a neighbour was heard repeating it: the implicit
 * ack, the most a channel message gets), `delivered` (the destination acknowledged it), `failed`.
 */
export const DeliveryState = z.enum(['queued', 'sent', 'relayed', 'delivered', 'failed']);
export type DeliveryState = z.infer<typeof DeliveryState>;

export const ChatMessage = z.object({
  id: z.string(),
  conversation: ConversationId,
  direction: z.enum(['in', 'out']),
  /** The sender's node id (ours for outgoing, when the radio was known at the time). */
  from: z.string().optional(),
  /** The destination node for a direct message; absent for a channel message (broadcast). */
  to: z.string().optional(),
  channel: z.number().int(),
  text: z.string(),
  /** Epoch ms: when it was written here, or received. */
  at: z.number(),
  /** Outgoing only. */
  state: DeliveryState.optional(),
  /** Why it failed, in words (outgoing, `failed`). */
  error: ContractError.optional(),
  /** Part n of m when a long text was split. */
  part: z.object({ index: z.number().int(), count: z.number().int() }).optional(),
  /** Incoming only: hops travelled, signal of the last hop. */
  hops: z.number().int().optional(),
  snr: z.number().optional(),
  rssi: z.number().optional(),
  /** Incoming only: not yet seen by the operator. */
  unread: z.boolean().optional(),
});
export type ChatMessage = z.infer<typeof ChatMessage>;

export const Conversation = z.object({
  id: ConversationId,
  kind: z.enum(['channel', 'direct']),
  channel: z.number().int().optional(),
  nodeId: z.string().optional(),
  /** The channel's name, or the node's long name where known. */
  name: z.string(),
  shortName: z.string().optional(),
  unread: z.number().int(),
  lastAt: z.number().optional(),
  lastText: z.string().optional(),
});
export type Conversation = z.infer<typeof Conversation>;

export const SendMessageRequest = z
  .object({
    text: z.string().trim().min(1, 'write something to send'),
    /** A direct message to this node (want_ack: it acknowledges delivery). */
    to: NodeIdText.optional(),
    /** Channel index; absent: the primary channel (0). */
    channel: z.number().int().min(0).max(7).optional(),
  })
  .strict();

export const ListMessagesRequest = z
  .object({
    conversation: ConversationId.optional(),
    /** Only messages before this time (epoch ms): the next page back. */
    before: z.number().optional(),
    limit: z.number().int().min(1).max(1000).default(200),
  })
  .strict();

/** One new or changed message, with its conversation as it now stands (unread count, last text). */
export const MessagesEvent = z.object({ message: ChatMessage, conversation: Conversation });
export type MessagesEvent = z.infer<typeof MessagesEvent>;
