import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  FrameDecoder,
  MAX_FRAME_PAYLOAD,
  MAX_LOG_LINE_BYTES,
  encodeFrame,
  stripAnsi,
  type StreamItem,
} from '../../../electron/node/radio/framing.ts';
import { concatBytes as concat } from '../../../electron/node/lora/bytes.ts';

const ascii = (text: string): Uint8Array => new TextEncoder().encode(text);

function decodeAll(stream: Uint8Array, chunkSizes: number[] = [stream.length]): StreamItem[] {
  const decoder = new FrameDecoder();
  const items: StreamItem[] = [];
  let at = 0;
  let size = 0;
  while (at < stream.length) {
    const next = Math.max(1, chunkSizes[size++ % chunkSizes.length] ?? 1);
    items.push(...decoder.push(stream.subarray(at, at + next)));
    at += next;
  }
  items.push(...decoder.flush());
  return items;
}
const framesOf = (items: StreamItem[]): Uint8Array[] =>
  items.flatMap((item) => (item.type === 'frame' ? [item.payload] : []));
const linesOf = (items: StreamItem[]): string[] =>
  items.flatMap((item) => (item.type === 'log' ? [item.line] : []));

describe('encodeFrame', () => {
  it('writes the 4-byte header with a big-endian length', () => {
    expect([...encodeFrame(Uint8Array.of(1, 2, 3))]).toEqual([0x94, 0xc3, 0, 3, 1, 2, 3]);
    expect([...encodeFrame(new Uint8Array(300)).subarray(0, 4)]).toEqual([0x94, 0xc3, 1, 44]);
  });

  it('refuses payloads the firmware would not accept', () => {
    expect(() => encodeFrame(new Uint8Array(MAX_FRAME_PAYLOAD + 1))).toThrow(RangeError);
    expect(encodeFrame(new Uint8Array(MAX_FRAME_PAYLOAD))).toHaveLength(MAX_FRAME_PAYLOAD + 4);
  });
});

describe('FrameDecoder', () => {
  it('separates log lines from frames', () => {
    const stream = concat(ascii('INFO boot\r\nhello '), encodeFrame(Uint8Array.of(7)), ascii('world\n'));
    const items = decodeAll(stream);
    expect(items).toEqual([
      { type: 'log', line: 'INFO boot' },
      { type: 'frame', payload: Uint8Array.of(7) },
      { type: 'log', line: 'hello world' },
    ]);
  });

  it('keeps a frame preceded by a lone 0x94 (0x94 0x94 0xC3 ...)', () => {
    const stream = concat(ascii('x'), Uint8Array.of(0x94), encodeFrame(Uint8Array.of(1, 2)));
    const items = decodeAll(stream);
    expect(framesOf(items)).toEqual([Uint8Array.of(1, 2)]);
    expect(linesOf(items)).toEqual(['x\uFFFD']);
  });

  it('counts exactly LEN bytes even when the payload contains 0x94 0xC3', () => {
    const payload = Uint8Array.of(0x94, 0xc3, 0x00, 0x02, 0x94, 0xc3);
    const stream = concat(encodeFrame(payload), encodeFrame(Uint8Array.of(9)));
    expect(framesOf(decodeAll(stream, [1]))).toEqual([payload, Uint8Array.of(9)]);
  });

  it('accepts an empty frame', () => {
    expect(framesOf(decodeAll(concat(encodeFrame(new Uint8Array(0)), encodeFrame(Uint8Array.of(5)))))).toEqual([
      new Uint8Array(0),
      Uint8Array.of(5),
    ]);
  });

  it('resynchronises after an oversize length, even if the length bytes start a real header', () => {
    const real = encodeFrame(Uint8Array.of(0x42, 0x43));
    // 0x94 0xC3 then "length" 0x94 0xC3 (> 512): the length bytes are the real frame's header.
    const stream = concat(Uint8Array.of(0x94, 0xc3), real);
    expect(framesOf(decodeAll(stream, [1]))).toEqual([Uint8Array.of(0x42, 0x43)]);
    const bogus = concat(Uint8Array.of(0x94, 0xc3, 0x02, 0x01), ascii('ok\n'), real);
    const items = decodeAll(bogus);
    expect(framesOf(items)).toEqual([Uint8Array.of(0x42, 0x43)]);
    expect(linesOf(items)).toEqual(['\uFFFD\uFFFD\u0002\u0001ok']);
  });

  it('cuts endless log lines instead of buffering them', () => {
    const items = decodeAll(ascii('a'.repeat(MAX_LOG_LINE_BYTES * 2 + 5)));
    expect(linesOf(items).map((line) => line.length)).toEqual([MAX_LOG_LINE_BYTES, MAX_LOG_LINE_BYTES, 5]);
    expect(linesOf(decodeAll(ascii(`${'b'.repeat(MAX_LOG_LINE_BYTES)}\n\n`)))).toEqual(['b'.repeat(MAX_LOG_LINE_BYTES), '']);
  });

  it('drops an incomplete frame at the end of the stream', () => {
    const partial = encodeFrame(Uint8Array.of(1, 2, 3)).subarray(0, 5);
    expect(framesOf(decodeAll(partial))).toEqual([]);
  });

  // Log noise never holds 0x94 0xC3 (a device never prints that) but has lone 0x94s, some of
  // them right before a real frame header.
  const noiseByte = fc.oneof(
    { weight: 6, arbitrary: fc.integer({ min: 0x20, max: 0x7e }) },
    { weight: 1, arbitrary: fc.constantFrom(0x0a, 0x1b) },
    { weight: 2, arbitrary: fc.constant(0x94) },
  );
  const noise = fc
    .array(noiseByte, { maxLength: 48 })
    .map((bytes) => Uint8Array.from(bytes.filter((byte, i) => !(byte === 0x94 && bytes[i + 1] === 0xc3))));
  const payload = fc.oneof(
    fc.uint8Array({ maxLength: MAX_FRAME_PAYLOAD }),
    fc
      .tuple(fc.uint8Array({ maxLength: MAX_FRAME_PAYLOAD - 4 }), fc.nat(), fc.boolean())
      .map(([bytes, at, asHeader]) => {
        const position = bytes.length === 0 ? 0 : at % bytes.length;
        const inject = asHeader ? Uint8Array.of(0x94, 0xc3, 0x01, 0x00) : Uint8Array.of(0x94, 0xc3);
        return concat(bytes.subarray(0, position), inject, bytes.subarray(position));
      }),
  );

  it('decodes random frames among random log noise at any chunking to exactly the original frames', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(noise, payload), { maxLength: 24 }),
        noise,
        fc.array(fc.integer({ min: 1, max: 700 }), { minLength: 1, maxLength: 16 }),
        (segments, tail, chunkSizes) => {
          const stream = concat(...segments.flatMap(([text, body]) => [text, encodeFrame(body)]), tail);
          const items = decodeAll(stream, chunkSizes);
          expect(framesOf(items)).toEqual(segments.map(([, body]) => body));
          const text = concat(...segments.map(([text]) => text), tail);
          const expected = Array.from(text, (byte) => (byte === 0x94 ? '\uFFFD' : String.fromCharCode(byte)))
            .join('')
            .replaceAll('\n', '');
          expect(linesOf(items).join('')).toBe(expected);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('stripAnsi', () => {
  it('removes colour codes and keeps the text', () => {
    expect(stripAnsi('\u001b[34mDEBUG\u001b[0m | 12:00:01 \u001b[1;31mradio\u001b[0m ok')).toBe('DEBUG | 12:00:01 radio ok');
  });
});
