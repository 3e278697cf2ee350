// Random and mutated LoRa frames for the decoder fuzz test and bench/lora-fuzz.ts: valid frames of
// every message type (signed by a known and by an unknown key, fragmented and not), then endless
// variations of them and of plain noise. Seeded, so a failing run replays exactly.
import { LoraReceiver, networkTag, planFileTransfer, type LoraMessage, type ReceiverOptions } from '../../../electron/node/lora/index.ts';
import { RAW_CODEC, contentIdFor } from '../../../electron/node/storage/content-id.ts';
import { seededRandom, type Random } from '../../../electron/sim/random.ts';
import { NETWORK, NOW, identity, senderFor } from './lora-fixtures.ts';

export type FuzzFrame = { readonly frame: Uint8Array; readonly from: number; readonly now: number };

function seedMessages(): LoraMessage[] {
  const file = Uint8Array.from({ length: 700 }, (_, i) => (i * 13) & 0xff);
  const { manifest, chunks } = planFileTransfer(file, contentIdFor(RAW_CODEC, file).toString(), 77);
  return [
    { type: 'emergency', priority: 'urgent', hopLimit: 7, text: 'Fuzz emergency text' },
    { type: 'emergency-ack', emergencyKeyId: '0011223344556677', emergencySeq: 5, acker: '8899aabbccddeeff' },
    { type: 'key-request', keyId: '0011223344556677' },
    { type: 'index-announce', version: 3, blockCount: 10, rootHash: 'cd'.repeat(32) },
    { type: 'sync', session: 1, payload: new Uint8Array(500).fill(3) },
    { type: 'file-request', contentId: manifest.contentId },
    manifest,
    chunks[1]!,
    { type: 'ack', transferId: 77, chunks: [0, 2, 3] },
    { type: 'nack', transferId: 77, chunks: [1] },
  ];
}

/** Valid frames: the known signer's key-announce first, so its later messages verify. */
export function seedFrames(): Uint8Array[] {
  const known = senderFor(1);
  const unknown = senderFor(2);
  const frames = [...known.encode({ type: 'key-announce', publicKey: identity(1).publicKey }, NOW).frames];
  for (const message of seedMessages()) {
    frames.push(...known.encode(message, NOW).frames, ...unknown.encode(message, NOW).frames);
  }
  return frames;
}

const pick = <T>(random: Random, items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
const randomBytes = (random: Random, length: number) => Uint8Array.from({ length }, () => Math.floor(random() * 256));
const INTERESTING = [0x00, 0x01, 0x02, 0x7f, 0x80, 0xfe, 0xff];

function mutate(random: Random, frame: Uint8Array, seeds: readonly Uint8Array[]): Uint8Array {
  const copy = Uint8Array.from(frame);
  switch (Math.floor(random() * 7)) {
    case 0: // flip a few bits
      for (let n = 1 + Math.floor(random() * 4); n > 0; n--) copy[Math.floor(random() * copy.length)]! ^= 1 << Math.floor(random() * 8);
      return copy;
    case 1: // a boundary value in a header byte (type, lengths, counts live there)
      copy[Math.floor(random() * Math.min(copy.length, 24))] = pick(random, INTERESTING);
      return copy;
    case 2: // cut short
      return copy.subarray(0, Math.floor(random() * copy.length));
    case 3: // grow, possibly past the frame limit
      return Uint8Array.from([...copy, ...randomBytes(random, 1 + Math.floor(random() * 20))]);
    case 4: {
      // splice the head of one frame onto the tail of another
      const other = pick(random, seeds);
      const at = Math.floor(random() * Math.min(copy.length, other.length));
      return Uint8Array.from([...copy.subarray(0, at), ...other.subarray(at)]);
    }
    case 5: // random body behind a valid header
      return Uint8Array.from([...copy.subarray(0, 4 + Math.floor(random() * 4)), ...randomBytes(random, Math.floor(random() * 228))]);
    default: // overwrite a random run
      copy.set(randomBytes(random, Math.min(8, copy.length)), Math.floor(random() * Math.max(1, copy.length - 8)));
      return copy;
  }
}

/** An endless seeded stream: 20 % noise, 20 % noise behind our tag, 55 % mutations, 5 % replays. */
export function fuzzFrames(seed: number): () => FuzzFrame {
  const random = seededRandom(seed);
  const seeds = seedFrames();
  const header = Uint8Array.from([...networkTag(NETWORK), 1]);
  let count = 0;
  return () => {
    count += 1;
    const now = NOW + count * 5; // simulated time passes, so reassemblies time out
    const from = Math.floor(random() * 64);
    const roll = random();
    let frame: Uint8Array;
    if (roll < 0.2) frame = randomBytes(random, Math.floor(random() * 240));
    else if (roll < 0.4) frame = Uint8Array.from([...header, ...randomBytes(random, Math.floor(random() * 228))]);
    else if (roll < 0.95) frame = mutate(random, pick(random, seeds), seeds);
    else frame = pick(random, seeds);
    return { frame, from, now };
  };
}

/** A receiver that already knows the valid traffic, so tampered copies meet every check. */
export function primedReceiver(options: Partial<ReceiverOptions> = {}): LoraReceiver {
  const rx = new LoraReceiver({ networkId: NETWORK, ...options });
  for (const frame of seedFrames()) rx.receive(frame, 1, NOW);
  return rx;
}
