// Meshtastic stream framing (serial and TCP 4403): `0x94 0xC3 LEN_HI LEN_LO` + protobuf.
// Bytes outside frames are the device's log text. Pure: no I/O, any chunking.

export const FRAME_START1 = 0x94;
export const FRAME_START2 = 0xc3;
export const FRAME_HEADER_SIZE = 4;
/** Largest payload the firmware accepts (MAX_TO_FROM_RADIO_SIZE); longer lengths mean lost sync. */
export const MAX_FRAME_PAYLOAD = 512;
/** A log line longer than this is cut, so binary garbage cannot grow the buffer without bound. */
export const MAX_LOG_LINE_BYTES = 1024;

export type StreamItem =
  | { readonly type: 'frame'; readonly payload: Uint8Array }
  | { readonly type: 'log'; readonly line: string };

export function encodeFrame(payload: Uint8Array): Uint8Array {
  if (payload.length > MAX_FRAME_PAYLOAD) {
    throw new RangeError(`frame payload ${payload.length} B exceeds ${MAX_FRAME_PAYLOAD} B`);
  }
  const frame = new Uint8Array(FRAME_HEADER_SIZE + payload.length);
  frame[0] = FRAME_START1;
  frame[1] = FRAME_START2;
  frame[2] = payload.length >> 8;
  frame[3] = payload.length & 0xff;
  frame.set(payload, FRAME_HEADER_SIZE);
  return frame;
}

// Where the decoder is inside a frame header; 'payload' counts exactly LEN bytes.
type State = 'text' | 'start1' | 'start2' | 'len_hi' | 'payload';

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;
const utf8 = new TextDecoder('utf-8', { fatal: false });

/**
 * Incremental decoder following the firmware's `StreamAPI::readStream` (wait for 0x94, then 0xC3,
 * then the length, then exactly LEN bytes), with two fixes so no valid frame is lost:
 * a 0x94 seen while waiting for 0xC3 may itself start the frame, and after a bogus length the
 * length bytes are scanned again for a header instead of being thrown away.
 */
export class FrameDecoder {
  private state: State = 'text';
  private lenHi = 0;
  private payload = new Uint8Array(0);
  private filled = 0;
  private logLine = new Uint8Array(MAX_LOG_LINE_BYTES);
  private logLength = 0;

  /** Feeds the next chunk; returns the frames and complete log lines it finished, in order. */
  push(chunk: Uint8Array): StreamItem[] {
    const out: StreamItem[] = [];
    let i = 0;
    while (i < chunk.length) {
      if (this.state === 'payload') {
        // Copy in bulk: a 0x94 0xC3 inside the payload is data, never a new header.
        const take = Math.min(this.payload.length - this.filled, chunk.length - i);
        this.payload.set(chunk.subarray(i, i + take), this.filled);
        this.filled += take;
        i += take;
        if (this.filled === this.payload.length) this.finishFrame(out);
        continue;
      }
      if (this.state === 'text') {
        const start = chunk.indexOf(FRAME_START1, i);
        const end = start === -1 ? chunk.length : start;
        this.appendLog(chunk.subarray(i, end), out);
        i = end;
        if (start !== -1) {
          this.state = 'start1';
          i += 1;
        }
        continue;
      }
      this.step(chunk[i]!, out);
      i += 1;
    }
    return out;
  }

  /** Ends the stream: an incomplete frame is dropped, pending log text is returned. */
  flush(): StreamItem[] {
    const out: StreamItem[] = [];
    if (this.state === 'start1') this.appendLog(Uint8Array.of(FRAME_START1), out);
    this.state = 'text';
    this.filled = 0;
    this.emitLogLine(out);
    return out;
  }

  private step(byte: number, out: StreamItem[]): void {
    switch (this.state) {
      case 'start1':
        if (byte === FRAME_START2) {
          this.state = 'start2';
        } else if (byte !== FRAME_START1) {
          this.appendLog(Uint8Array.of(FRAME_START1, byte), out);
          this.state = 'text';
        } else {
          // 0x94 0x94: the first one was log text, the second may start a frame.
          this.appendLog(Uint8Array.of(FRAME_START1), out);
        }
        return;
      case 'start2':
        this.lenHi = byte;
        this.state = 'len_hi';
        return;
      case 'len_hi': {
        const length = (this.lenHi << 8) | byte;
        if (length > MAX_FRAME_PAYLOAD) {
          // Lost sync: the two header bytes were log text; the length bytes may start a header.
          this.appendLog(Uint8Array.of(FRAME_START1, FRAME_START2), out);
          this.state = 'text';
          this.push(Uint8Array.of(this.lenHi, byte)).forEach((item) => out.push(item));
          return;
        }
        this.payload = new Uint8Array(length);
        this.filled = 0;
        this.state = 'payload';
        if (length === 0) this.finishFrame(out);
        return;
      }
      default:
        throw new Error(`unreachable decoder state ${this.state}`);
    }
  }

  private finishFrame(out: StreamItem[]): void {
    out.push({ type: 'frame', payload: this.payload });
    this.payload = new Uint8Array(0);
    this.filled = 0;
    this.state = 'text';
  }

  private appendLog(bytes: Uint8Array, out: StreamItem[]): void {
    let from = 0;
    while (from < bytes.length) {
      const newline = bytes.indexOf(NEWLINE, from);
      const end = newline === -1 ? bytes.length : newline;
      let piece = bytes.subarray(from, end);
      while (piece.length > 0) {
        if (this.logLength === MAX_LOG_LINE_BYTES) this.emitLogLine(out);
        const take = Math.min(MAX_LOG_LINE_BYTES - this.logLength, piece.length);
        this.logLine.set(piece.subarray(0, take), this.logLength);
        this.logLength += take;
        piece = piece.subarray(take);
      }
      if (newline === -1) return;
      this.emitLogLine(out, true);
      from = newline + 1;
    }
  }

  /** `atNewline` keeps empty lines the device really printed; a flush or cut emits only text. */
  private emitLogLine(out: StreamItem[], atNewline = false): void {
    if (!atNewline && this.logLength === 0) return;
    let length = this.logLength;
    if (length > 0 && this.logLine[length - 1] === CARRIAGE_RETURN) length -= 1;
    out.push({ type: 'log', line: utf8.decode(this.logLine.subarray(0, length)) });
    this.logLength = 0;
  }
}

// CSI sequences (colours, cursor moves) and two-byte escapes, as the firmware's logger emits them.
const ANSI_ESCAPE = /\u001b\[[0-?]*[ -/]*[@-~]|\u001b[@-Z\\-_]/g;

/** Removes ANSI colour and cursor codes from a device log line. */
export function stripAnsi(text: string): string {
  return text.replace(ANSI_ESCAPE, '');
}
