import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  FRAGMENT_DATA_BYTES,
  MAX_FRAME_BYTES,
  MAX_CHUNK_DATA_BYTES,
  MessageRegistry,
  frameTypeCode,
  networkTag,
  planFileTransfer,
  type LoraMessage,
} from '../../../electron/node/lora/index.ts';
import { RAW_CODEC, contentIdFor } from '../../../electron/node/storage/content-id.ts';
import { seededRandom } from '../../../electron/sim/random.ts';
import { decodeBuiltinBody } from '../../../electron/node/lora/messages.ts';
import { LoraSender } from '../../../electron/node/lora/sender.ts';
import { NETWORK, NOW, feed, identity, only, receiver, senderFor } from './lora-fixtures.ts';

const fileBytes = Uint8Array.from({ length: 1000 }, (_, i) => (i * 7) & 0xff);
const contentId = contentIdFor(RAW_CODEC, fileBytes).toString();
const { manifest, chunks } = planFileTransfer(fileBytes, contentId, 0xdead_beef, 0x7ffe);

const samples: LoraMessage[] = [
  { type: 'emergency', priority: 'life_threatening', hopLimit: 7, text: 'Injured hiker at the north ridge, need evac ⛑' },
  { type: 'emergency-ack', emergencyKeyId: '0123456789abcdef', emergencySeq: 12345, acker: 'fedcba9876543210' },
  { type: 'key-announce', publicKey: identity(1).publicKey },
  { type: 'index-announce', version: 42, blockCount: 1234, rootHash: 'ab'.repeat(32) },
  { type: 'sync', session: 7, payload: Uint8Array.from({ length: 600 }, (_, i) => i & 0xff) },
  { type: 'file-request', contentId, maxBytes: 51_200, excluded: ['0123456789abcdef', 'fedcba9876543210'] },
  manifest,
  chunks[0]!,
  { ...chunks[1]!, endOfRound: true },
  { type: 'ack', transferId: 9, chunks: [3, 4, 5, 11, 300] },
  { type: 'ack', transferId: 9, chunks: [] },
  { type: 'nack', transferId: 9, chunks: [] },
  { type: 'key-request', keyId: '0123456789abcdef' },
];

describe('wire format round trips', () => {
  for (const message of samples) {
    it(`${message.type} survives encode -> frames -> receive`, () => {
      const tx = senderFor(1);
      const rx = receiver();
      rx.keys.add(identity(1).publicKey);
      const encoded = tx.encode(message, NOW);
      for (const frame of encoded.frames) expect(frame.length).toBeLessThanOrEqual(MAX_FRAME_BYTES);
      const delivery = only(feed(rx, encoded.frames, 0x1234).deliveries);
      // An emergency arrives with its author's key, which the sender adds.
      expect(delivery.message).toEqual(message.type === 'emergency' ? { ...message, publicKey: identity(1).publicKey } : message);
      expect(delivery.from).toBe(0x1234);
      const signed = ['emergency', 'key-announce', 'index-announce', 'file-manifest'].includes(message.type);
      expect(delivery.auth).toBe(signed ? 'verified' : 'unsigned');
      if (signed) expect(delivery.signer?.keyId).toBe(tx.keyId);
    });
  }

  it('puts the network tag and version in front of every frame', () => {
    const frames = senderFor(1).encode(samples[4]!, NOW).frames;
    expect(frames.length).toBe(3);
    for (const frame of frames) expect([...frame.subarray(0, 4)]).toEqual([...networkTag(NETWORK), 1]);
  });

  it('drops frames of another network at once', () => {
    const other = new LoraSender({ networkId: 'other-net', signer: identity(1), random: seededRandom(1) });
    const rx = receiver();
    const result = rx.receive(other.encode(samples[1]!, NOW).frames[0]!, 5, NOW);
    expect(result).toMatchObject({ ok: false, reason: 'wrong_network', from: 5 });
    expect(rx.rejectionsOf(5).wrong_network).toBe(1);
  });

  it('fits a manifest and a full chunk in one frame each, and numbers chunks around the position ring', () => {
    const big = planFileTransfer(new Uint8Array(200 * 1024).fill(7), contentId, 1, 0x7fff);
    expect(senderFor(1).encode(big.manifest, NOW).frames).toHaveLength(1);
    const frame = senderFor(1).encode(big.chunks[5]!, NOW).frames[0]!;
    expect(frame.length).toBe(MAX_FRAME_BYTES);
    expect(big.chunks[5]!.data.length).toBe(MAX_CHUNK_DATA_BYTES);
    expect(big.chunks.map((chunk) => chunk.position).slice(0, 3)).toEqual([0x7fff, 0, 1]);
  });

  it('gives a chunk frame a short header: the version byte with its top bit set stands for the chunk type, 6 bytes in all', () => {
    const chunk = planFileTransfer(new Uint8Array(2_000).fill(9), contentId, 1, 0x1234).chunks[3]!;
    const frame = senderFor(1).encode(chunk, NOW).frames[0]!;
    expect([...frame.subarray(0, 6)]).toEqual([...networkTag(NETWORK), 0x81, 0x12, 0x37]);
    expect(frame.length).toBe(6 + MAX_CHUNK_DATA_BYTES);
    expect(frameTypeCode(frame)).toBe(0x08);
    expect(only(feed(receiver(), [frame], 0x1234).deliveries).message).toEqual(chunk);
    const otherVersion = Uint8Array.from(frame);
    otherVersion[3] = 0x82;
    expect(receiver().receive(otherVersion, 5, NOW)).toMatchObject({ ok: false, reason: 'bad_version' });
  });

  it('sends an ack of every chunk (and an empty nack) as the transfer id alone, and refuses a bitmap cut short', () => {
    expect(senderFor(1).encode({ type: 'ack', transferId: 9, chunks: [] }, NOW).frames[0]).toHaveLength(4 + 1 + 4);
    expect(decodeBuiltinBody('ack', Uint8Array.of(0, 0, 0, 9, 0))).toMatchObject({ reason: 'truncated' });
  });

  it('refuses values the wire cannot carry when encoding', () => {
    const tx = senderFor(1);
    expect(() => tx.encode({ type: 'emergency', priority: 'urgent', hopLimit: 7, text: 'x'.repeat(148) }, NOW)).toThrow(RangeError);
    expect(() => tx.encode({ type: 'emergency', priority: 'urgent', hopLimit: 8, text: 'x' }, NOW)).toThrow(RangeError);
    expect(() => tx.encode({ type: 'key-announce', publicKey: identity(2).publicKey }, NOW)).toThrow(RangeError);
    expect(() => tx.encode({ type: 'ack', transferId: 1, chunks: [0, 5000] }, NOW)).toThrow(RangeError);
    expect(() => tx.encode({ type: 'file-chunk', position: 0x8000, endOfRound: false, data: new Uint8Array(1) }, NOW)).toThrow(RangeError);
    expect(() => tx.encode({ ...manifest, topHashes: manifest.topHashes.slice(1) }, NOW)).toThrow(RangeError);
    expect(() => tx.encode({ type: 'file-request', contentId, excluded: Array.from({ length: 9 }, () => '0123456789abcdef') }, NOW)).toThrow(RangeError);
  });
});

describe('fragmentation', () => {
  const big: LoraMessage = { type: 'sync', session: 1, payload: Uint8Array.from({ length: 3000 }, (_, i) => (i * 31) & 0xff) };

  it('reassembles under loss (with resend), reordering and duplicates', () => {
    const frames = senderFor(1).encode(big, NOW).frames;
    expect(frames.length).toBe(Math.ceil((3000 + 5) / FRAGMENT_DATA_BYTES));
    const random = seededRandom(99);
    const lost = new Set([frames[2]!, frames[5]!]);
    const firstPass = [...frames, ...frames.slice(0, 4)].filter((frame) => !lost.has(frame)).sort(() => random() - 0.5);
    const rx = receiver();
    expect(feed(rx, firstPass, 7).deliveries).toEqual([]);
    const resent = feed(rx, [...lost].reverse(), 7, NOW + 10_000);
    expect(only(resent.deliveries).message).toEqual(big);
    expect(rx.retained()).toMatchObject({ reassemblies: 0, reassemblyBytes: 0 });
  });

  it('keeps messages of different senders with the same nonce apart', () => {
    const a = senderFor(1, 5).encode(big, NOW).frames;
    const bMessage: LoraMessage = { type: 'sync', session: 2, payload: new Uint8Array(500).fill(9) };
    const b = senderFor(2, 5).encode(bMessage, NOW).frames;
    const rx = receiver();
    const interleaved = a.flatMap((frame, i) => (b[i] ? [frame, b[i]] : [frame]));
    const results = interleaved.map((frame) => rx.receive(frame, a.includes(frame) ? 1 : 2, NOW));
    const messages = results.flatMap((result) => (result.ok && result.status === 'delivered' ? [result.delivery.message] : []));
    expect(messages).toEqual([bMessage, big]);
  });

  it('drops a reassembly that times out', () => {
    const frames = senderFor(1).encode(big, NOW).frames;
    const rx = receiver({ limits: { reassemblyTimeoutMs: 60_000 } });
    feed(rx, frames.slice(0, -1), 1);
    expect(rx.retained().reassemblies).toBe(1);
    rx.expire(NOW + 60_000);
    expect(rx.retained()).toMatchObject({ reassemblies: 0, reassemblyBytes: 0 });
    expect(feed(rx, frames.slice(-1), 1, NOW + 60_000).deliveries).toEqual([]);
  });

  it('refuses messages above the size limit before buffering anything', () => {
    const rx = receiver({ limits: { maxMessageBytes: 1000 } });
    const result = rx.receive(senderFor(1).encode(big, NOW).frames[0]!, 1, NOW);
    expect(result).toMatchObject({ ok: false, reason: 'bad_length' });
    expect(rx.retained().reassemblyBytes).toBe(0);
  });

  it('stays within its bounds under a flood of partial messages', () => {
    const rx = receiver();
    const limits = { maxReassemblies: 32, perSender: 4, maxMessageBytes: 4096 };
    const flooder = senderFor(3);
    for (let i = 0; i < 2000; i++) {
      const frames = flooder.encode(big, NOW).frames;
      rx.receive(frames[0]!, i % 50, NOW + i);
      const state = rx.retained();
      expect(state.reassemblies).toBeLessThanOrEqual(limits.maxReassemblies);
      expect(state.reassemblyBytes).toBeLessThanOrEqual(limits.maxReassemblies * limits.maxMessageBytes);
    }
    // One sender alone cannot hold more than its share.
    const single = receiver();
    for (let i = 0; i < 100; i++) single.receive(flooder.encode(big, NOW).frames[0]!, 1, NOW);
    expect(single.retained().reassemblies).toBe(limits.perSender);
    // An honest message still gets through afterwards.
    const honest = senderFor(4).encode(big, NOW).frames;
    expect(only(feed(rx, honest, 999, NOW + 3000).deliveries).message).toEqual(big);
  });

  it('rejects malformed fragments with typed reasons', () => {
    const rx = receiver();
    const frames = senderFor(1).encode(big, NOW).frames;
    const short = frames[0]!.slice(0, 100);
    expect(rx.receive(short, 1, NOW)).toMatchObject({ ok: false, reason: 'bad_fragment' });
    const badIndex = Uint8Array.from(frames[0]!);
    badIndex[7] = 200;
    expect(rx.receive(badIndex, 1, NOW)).toMatchObject({ ok: false, reason: 'bad_fragment' });
    expect(rx.receive(frames[0]!, 1, NOW)).toMatchObject({ ok: true, status: 'partial' });
    expect(rx.receive(frames[0]!, 1, NOW)).toMatchObject({ ok: false, reason: 'duplicate' });
    const otherCount = Uint8Array.from(frames[1]!);
    otherCount[8] = 3;
    expect(rx.receive(otherCount, 1, NOW)).toMatchObject({ ok: false, reason: 'bad_fragment' });
  });
});

describe('custom message types', () => {
  type Beacon = { lat: number; lon: number };
  const beaconCodec = {
    encode: (value: Beacon) => {
      const view = new DataView(new ArrayBuffer(8));
      view.setFloat32(0, value.lat);
      view.setFloat32(4, value.lon);
      return new Uint8Array(view.buffer);
    },
    decode: (body: Uint8Array) => {
      if (body.length !== 8) return undefined;
      const view = new DataView(body.buffer, body.byteOffset, 8);
      return { lat: view.getFloat32(0), lon: view.getFloat32(4) };
    },
  };
  const schema = z.object({ lat: z.number().min(-90).max(90), lon: z.number().min(-180).max(180) });

  function registryWithBeacon(seen: Beacon[]): MessageRegistry {
    const registry = new MessageRegistry();
    registry.register<Beacon>({ code: 0x40, name: 'beacon', signed: true, codec: beaconCodec, schema, handle: (value) => seen.push(value) });
    return registry;
  }

  it('round-trips, is signed like built-ins, and reaches its handler', () => {
    const seen: Beacon[] = [];
    const registry = registryWithBeacon(seen);
    const tx = new LoraSender({ networkId: NETWORK, signer: identity(1), random: seededRandom(1), registry });
    const rx = receiver({ registry });
    rx.keys.add(identity(1).publicKey);
    const delivery = only(feed(rx, tx.encode({ type: 'custom', name: 'beacon', value: { lat: 0.5, lon: -12.25 } }, NOW).frames, 1).deliveries);
    expect(delivery).toMatchObject({ auth: 'verified', message: { type: 'custom', name: 'beacon', value: { lat: 0.5, lon: -12.25 } } });
    expect(registry.dispatch(delivery)).toBe(1);
    expect(seen).toEqual([{ lat: 0.5, lon: -12.25 }]);
  });

  it('is an unknown type to a receiver that did not register it, and fails its schema when out of range', () => {
    const registry = registryWithBeacon([]);
    const tx = new LoraSender({ networkId: NETWORK, signer: identity(1), random: seededRandom(1), registry });
    const frame = tx.encode({ type: 'custom', name: 'beacon', value: { lat: 1, lon: 2 } }, NOW).frames[0]!;
    expect(receiver().receive(frame, 1, NOW)).toMatchObject({ ok: false, reason: 'unknown_type' });
    expect(() => tx.encode({ type: 'custom', name: 'beacon', value: { lat: 100, lon: 2 } }, NOW)).toThrow(RangeError);
    const raw = Uint8Array.from(frame);
    new DataView(raw.buffer).setFloat32(4 + 14, 100); // lat field after tag, version and signed header
    expect(receiver({ registry }).receive(raw, 1, NOW)).toMatchObject({ ok: false, reason: 'bad_field' });
  });

  it('refuses codes outside the custom range and duplicate names', () => {
    const registry = new MessageRegistry();
    expect(() => registry.register({ code: 0x01, name: 'x', signed: false, codec: beaconCodec })).toThrow(RangeError);
    registry.register({ code: 0x41, name: 'x', signed: false, codec: beaconCodec });
    expect(() => registry.register({ code: 0x42, name: 'x', signed: false, codec: beaconCodec })).toThrow();
    expect(() => registry.register({ code: 0x43, name: 'emergency', signed: false, codec: beaconCodec })).toThrow();
  });
});
