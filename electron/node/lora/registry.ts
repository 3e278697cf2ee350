// The extension point: message types registered at run time, and handlers per message type.
import type { ZodType } from 'zod';
import type { Delivery } from './receiver.ts';
import { BUILTIN_CODES, builtinTypeOf, isSignedBuiltin, type BuiltinType } from './messages.ts';

/** Codes 0x40..0xef are for registered types; 0x01..0x3f belong to the protocol, 0xf0.. are reserved. */
export const CUSTOM_CODE_MIN = 0x40;
export const CUSTOM_CODE_MAX = 0xef;

export type MessageCodec<T> = {
  encode(value: T): Uint8Array;
  /** Returns undefined (or throws, which the receiver catches) for a body it cannot read. */
  decode(body: Uint8Array): T | undefined;
};

export type CustomMessageType<T> = {
  readonly code: number;
  readonly name: string;
  /** Signed types carry the sender's key id, a sequence number and a signature (78 bytes). */
  readonly signed: boolean;
  readonly codec: MessageCodec<T>;
  /** Checked after decoding and before encoding, when given. */
  readonly schema?: ZodType<T>;
  readonly handle?: (value: T, delivery: Delivery) => void;
};

export type DeliveryHandler = (delivery: Delivery) => void;

export class MessageRegistry {
  readonly #byCode = new Map<number, CustomMessageType<unknown>>();
  readonly #byName = new Map<string, CustomMessageType<unknown>>();
  readonly #handlers = new Map<string, DeliveryHandler[]>();

  register<T>(type: CustomMessageType<T>): void {
    if (!Number.isInteger(type.code) || type.code < CUSTOM_CODE_MIN || type.code > CUSTOM_CODE_MAX) {
      throw new RangeError(`custom message codes are 0x${CUSTOM_CODE_MIN.toString(16)}..0x${CUSTOM_CODE_MAX.toString(16)}, got ${type.code}`);
    }
    if (this.#byCode.has(type.code)) throw new Error(`message code 0x${type.code.toString(16)} is already registered`);
    if (this.#byName.has(type.name) || Object.hasOwn(BUILTIN_CODES, type.name)) throw new Error(`message type "${type.name}" is already registered`);
    const erased = type as unknown as CustomMessageType<unknown>;
    this.#byCode.set(type.code, erased);
    this.#byName.set(type.name, erased);
    const handle = type.handle;
    if (handle) {
      this.on(type.name, (delivery) => {
        if (delivery.message.type === 'custom') handle(delivery.message.value as T, delivery);
      });
    }
  }

  byCode(code: number): CustomMessageType<unknown> | undefined {
    return this.#byCode.get(code);
  }

  byName(name: string): CustomMessageType<unknown> | undefined {
    return this.#byName.get(name);
  }

  /** Whether messages with this code are signed; undefined for a code nobody defined. */
  signedness(code: number): boolean | undefined {
    const builtin = builtinTypeOf(code);
    if (builtin !== undefined) return isSignedBuiltin(builtin);
    return this.#byCode.get(code)?.signed;
  }

  /** Handlers run for deliveries of a built-in type or of a registered type's name. */
  on(type: BuiltinType | string, handler: DeliveryHandler): () => void {
    const list = this.#handlers.get(type) ?? [];
    list.push(handler);
    this.#handlers.set(type, list);
    return () => list.splice(list.indexOf(handler), 1);
  }

  /** Runs the handlers of a delivery's type; returns how many ran. */
  dispatch(delivery: Delivery): number {
    const key = delivery.message.type === 'custom' ? delivery.message.name : delivery.message.type;
    const list = this.#handlers.get(key) ?? [];
    for (const handler of [...list]) handler(delivery);
    return list.length;
  }
}
