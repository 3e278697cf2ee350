// The node's one extension point for message types: declared once (name, schema, handler), a type
// travels over the IP mesh as a signed gossip kind and, when it has a LoRa code and codec, over the
// radio as a registered LoRa type. The handler learns which transport brought it and from whom.
import type { ZodType } from 'zod';
import type { MessageType as GossipMessageType } from './gossip/index.ts';
import type { CustomMessageType, MessageCodec } from './lora/index.ts';
import { nodeIdOf } from './radio/session.ts';

export type MessageOrigin = {
  transport: 'ip' | 'lora';
  /** libp2p peer id over IP; the signer's key id (or `!node` when unsigned) over LoRa. */
  peer: string;
  /** Over IP every delivered message is signed and checked; over LoRa, as the type says. */
  verified: boolean;
};

export type NodeMessageType<T> = {
  /** Gossip kind and LoRa type name: lower case letters, digits and dashes. */
  name: string;
  schema: ZodType<T>;
  /** Present to carry the type over LoRa too: a code in 0x40-0xef, a compact codec, signed or not. */
  lora?: { code: number; codec: MessageCodec<T>; signed: boolean };
  handle(value: T, origin: MessageOrigin): void;
};

export function gossipTypeOf<T>(type: NodeMessageType<T>): GossipMessageType {
  return {
    check: (body) => {
      const parsed = type.schema.safeParse(body);
      return parsed.success ? parsed.data : undefined;
    },
    onMessage: (message) => type.handle(message.body as T, { transport: 'ip', peer: message.author, verified: true }),
  };
}

export function loraTypeOf<T>(type: NodeMessageType<T>, lora: NonNullable<NodeMessageType<T>['lora']>): CustomMessageType<T> {
  return {
    code: lora.code,
    name: type.name,
    signed: lora.signed,
    codec: lora.codec,
    schema: type.schema,
    handle: (value, delivery) =>
      type.handle(value, {
        transport: 'lora',
        peer: delivery.signer?.keyId ?? nodeIdOf(delivery.from),
        verified: delivery.auth === 'verified',
      }),
  };
}
