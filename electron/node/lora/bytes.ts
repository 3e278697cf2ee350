// Bounds-checked big-endian reading and writing for the LoRa wire format. The reader never throws:
// reading past the end yields zeros and sets `truncated`, so a decoder checks once at the end.

export class ByteReader {
  readonly #bytes: Uint8Array;
  #offset = 0;
  truncated = false;

  constructor(bytes: Uint8Array) {
    this.#bytes = bytes;
  }

  get remaining(): number {
    return this.#bytes.length - this.#offset;
  }

  u8(): number {
    if (this.remaining < 1) return this.#fail(0);
    return this.#bytes[this.#offset++]!;
  }

  u16(): number {
    if (this.remaining < 2) return this.#fail(0);
    const value = (this.#bytes[this.#offset]! << 8) | this.#bytes[this.#offset + 1]!;
    this.#offset += 2;
    return value;
  }

  u32(): number {
    if (this.remaining < 4) return this.#fail(0);
    const at = this.#offset;
    this.#offset += 4;
    return ((this.#bytes[at]! << 24) | (this.#bytes[at + 1]! << 16) | (this.#bytes[at + 2]! << 8) | this.#bytes[at + 3]!) >>> 0;
  }

  /** A view (not a copy) of the next `length` bytes. */
  bytes(length: number): Uint8Array {
    if (this.remaining < length) return this.#fail(new Uint8Array(0));
    const view = this.#bytes.subarray(this.#offset, this.#offset + length);
    this.#offset += length;
    return view;
  }

  rest(): Uint8Array {
    return this.bytes(this.remaining);
  }

  #fail<T>(value: T): T {
    this.truncated = true;
    this.#offset = this.#bytes.length;
    return value;
  }
}

export class ByteWriter {
  readonly #parts: number[] = [];

  u8(value: number): this {
    this.#parts.push(value & 0xff);
    return this;
  }

  u16(value: number): this {
    return this.u8(value >>> 8).u8(value);
  }

  u32(value: number): this {
    return this.u8(value >>> 24).u8(value >>> 16).u8(value >>> 8).u8(value);
  }

  bytes(bytes: Uint8Array): this {
    for (const byte of bytes) this.#parts.push(byte);
    return this;
  }

  finish(): Uint8Array {
    return Uint8Array.from(this.#parts);
  }
}

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('hex');
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
