// One connection to a Meshtastic device that carries whole protobuf messages, whatever the link
// (serial, TCP, BLE). The session above never sees bytes, frames or GATT.
import { FrameDecoder, encodeFrame, stripAnsi, type StreamItem } from '../framing.ts';
import type { RadioError } from '../errors.ts';

export type TransportKind = 'serial' | 'tcp' | 'ble';

export type TransportHandlers = {
  /** One FromRadio protobuf. */
  fromRadio(bytes: Uint8Array): void;
  /** One line of device log text (ANSI codes removed). */
  log(line: string): void;
  /** Called once: `error` is undefined when our side closed without one. */
  closed(error: RadioError | undefined): void;
};

export interface RadioTransport {
  readonly kind: TransportKind;
  /** Where the device is, for messages: `/dev/ttyUSB0`, `192.168.1.20:4403`, `BLE AA:BB:...`. */
  readonly label: string;
  /** Starts delivery; anything that arrived earlier (a boot log) is delivered now, in order. */
  attach(handlers: TransportHandlers): void;
  /** Sends one ToRadio protobuf. A failed write closes the transport with an error. */
  send(toRadio: Uint8Array): void;
  /** Closes the connection; `closed` is called with `error` (once, even if called again). */
  close(error?: RadioError): void;
}

/** 32 bytes of 0xC3 wake a sleeping device's stream API before the first frame (FIELD-NOTES §2). */
export const WAKE_BYTES = new Uint8Array(32).fill(0xc3);
/** What is kept for a receiver that has not attached yet; older items are dropped first. */
const EARLY_ITEM_LIMIT = 512;

type Delivery = { type: 'frame'; payload: Uint8Array } | { type: 'log'; line: string } | { type: 'closed'; error: RadioError | undefined };

/**
 * The receiving half every transport shares: holds what arrives before `attach` (a boot log),
 * then hands messages on in order, and reports the close exactly once.
 */
export class TransportOutlet {
  #handlers: TransportHandlers | undefined;
  #early: Delivery[] = [];
  #closed = false;

  get isClosed(): boolean {
    return this.#closed;
  }

  attach(handlers: TransportHandlers): void {
    this.#handlers = handlers;
    const early = this.#early;
    this.#early = [];
    for (const item of early) this.#deliver(item);
  }

  fromRadio(payload: Uint8Array): void {
    if (!this.#closed) this.#deliver({ type: 'frame', payload });
  }

  log(line: string): void {
    if (!this.#closed) this.#deliver({ type: 'log', line });
  }

  /** Returns false if the close was already reported. */
  closed(error: RadioError | undefined): boolean {
    if (this.#closed) return false;
    this.#closed = true;
    this.#deliver({ type: 'closed', error });
    return true;
  }

  #deliver(item: Delivery): void {
    const handlers = this.#handlers;
    if (!handlers) {
      this.#early.push(item);
      if (this.#early.length > EARLY_ITEM_LIMIT) this.#early.shift();
      return;
    }
    if (item.type === 'frame') handlers.fromRadio(item.payload);
    else if (item.type === 'log') handlers.log(item.line);
    else handlers.closed(item.error);
  }
}

/** The byte side of a stream connection (a socket, a serial port). */
export type ByteStream = {
  write(bytes: Uint8Array): void;
  /** Tears the connection down; the owner reports it with `StreamTransport.ended`. */
  destroy(): void;
};

/**
 * Meshtastic's stream API (serial and TCP 4403) over any byte stream: frames with `encodeFrame`,
 * decodes with `FrameDecoder`, passes the text between frames on as log lines.
 */
export class StreamTransport implements RadioTransport {
  readonly kind: TransportKind;
  readonly label: string;
  readonly #stream: ByteStream;
  readonly #decoder = new FrameDecoder();
  readonly #outlet = new TransportOutlet();

  constructor(kind: TransportKind, label: string, stream: ByteStream) {
    this.kind = kind;
    this.label = label;
    this.#stream = stream;
    stream.write(WAKE_BYTES);
  }

  attach(handlers: TransportHandlers): void {
    this.#outlet.attach(handlers);
  }

  send(toRadio: Uint8Array): void {
    if (!this.#outlet.isClosed) this.#stream.write(encodeFrame(toRadio));
  }

  close(error?: RadioError): void {
    if (this.#outlet.isClosed) return;
    this.ended(error);
    this.#stream.destroy();
  }

  /** Bytes from the device. */
  receive(bytes: Uint8Array): void {
    if (this.#outlet.isClosed) return;
    for (const item of this.#decoder.push(bytes)) this.#pass(item);
  }

  /** The byte stream is gone (or we closed it); reported once. */
  ended(error: RadioError | undefined): void {
    if (this.#outlet.isClosed) return;
    for (const item of this.#decoder.flush()) this.#pass(item);
    this.#outlet.closed(error);
  }

  #pass(item: StreamItem): void {
    if (item.type === 'frame') this.#outlet.fromRadio(item.payload);
    else this.#outlet.log(stripAnsi(item.line));
  }
}
