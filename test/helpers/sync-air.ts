// Two IndexSync nodes on one LoRa channel, for tests and benchmarks: every message is framed by a
// real LoraSender and taken apart by a real LoraReceiver; frames can be lost at random. Time moves
// like on a node: 5 s sync ticks while the channel is quiet, an index announce from each side every
// 5 minutes (what starts and restarts sessions). Bytes are the sum of frame lengths on air.
import { NodeIdentity } from '../../electron/node/identity/index.ts';
import type { LoraMessage } from '../../electron/node/lora/messages.ts';
import { LoraReceiver } from '../../electron/node/lora/receiver.ts';
import { LoraSender } from '../../electron/node/lora/sender.ts';
import { IndexSync, type SyncLimits, type SyncOutput } from '../../electron/node/lora/sync/index.ts';
import { DAG_CBOR_CODEC, RAW_CODEC, contentIdFromBytes, type ContentId } from '../../electron/node/storage/content-id.ts';
import { DagIndex } from '../../electron/node/storage/index.ts';
import { seededRandom, type Random } from '../../electron/sim/random.ts';

const NETWORK = 'pakit-sync-air';
export const SYNC_AIR_START = Date.UTC(2026, 2, 1, 12, 0, 0);
const TICK_MS = 5_000;
const ANNOUNCE_EVERY_MS = 5 * 60_000;

export function randomContentId(random: Random): ContentId {
  const bytes = new Uint8Array(36);
  bytes.set([1, random() < 0.1 ? DAG_CBOR_CODEC : RAW_CODEC, 0x12, 32]);
  for (let i = 4; i < 36; i++) bytes[i] = Math.floor(random() * 256);
  return contentIdFromBytes(bytes);
}

export type SyncAirNode = {
  readonly name: string;
  readonly num: number;
  readonly index: DagIndex;
  readonly sync: IndexSync;
  readonly sender: LoraSender;
  readonly receiver: LoraReceiver;
  readonly identity: NodeIdentity;
};

export function syncAirNode(num: number, ids: Iterable<ContentId>, limits?: Partial<SyncLimits>): SyncAirNode {
  const identity = NodeIdentity.fromSeed(new Uint8Array(32).fill(num));
  const index = new DagIndex(ids);
  return {
    name: `!${num.toString(16).padStart(8, '0')}`,
    num,
    index,
    sync: new IndexSync({ index, random: seededRandom(1000 + num), ...(limits ? { limits } : {}) }),
    sender: new LoraSender({ networkId: NETWORK, signer: identity, random: seededRandom(2000 + num) }),
    receiver: new LoraReceiver({ networkId: NETWORK }),
    identity,
  };
}

export class SyncAir {
  readonly a: SyncAirNode;
  readonly b: SyncAirNode;
  now = SYNC_AIR_START;
  bytes = 0;
  frames = 0;
  lostFrames = 0;
  readonly #queue: { from: SyncAirNode; to: SyncAirNode; message: LoraMessage }[] = [];
  readonly #loss: number;
  readonly #random: Random;
  #nextAnnounce = SYNC_AIR_START;

  /** `loss`: the share of frames that never arrive. */
  constructor(a: SyncAirNode, b: SyncAirNode, options: { loss?: number; seed?: number } = {}) {
    this.a = a;
    this.b = b;
    this.#loss = options.loss ?? 0;
    this.#random = seededRandom(options.seed ?? 1);
    a.receiver.keys.add(b.identity.publicKey);
    b.receiver.keys.add(a.identity.publicKey);
  }

  /** Runs until `done()` holds after a quiet moment, or `maxMs` of channel time passed; returns the time taken. */
  run(done: () => boolean, maxMs: number): number {
    const end = this.now + maxMs;
    while (this.now < end) {
      while (this.#queue.length > 0) this.#deliver(this.#queue.shift()!);
      if (done()) break;
      this.now += TICK_MS;
      for (const node of [this.a, this.b]) {
        node.receiver.expire(this.now);
        this.#apply(node, node.sync.tick(this.now));
      }
      if (this.now >= this.#nextAnnounce) {
        this.#nextAnnounce = this.now + ANNOUNCE_EVERY_MS;
        this.announce(this.a);
        this.announce(this.b);
      }
    }
    return this.now - SYNC_AIR_START;
  }

  announce(from: SyncAirNode): void {
    const summary = from.index.summary();
    from.sync.announced(this.now);
    this.#queue.push({ from, to: this.#other(from), message: { type: 'index-announce', version: summary.version, blockCount: summary.block_count, rootHash: summary.root_hash } });
  }

  #apply(at: SyncAirNode, output: SyncOutput): void {
    for (const learned of output.learned) at.index.merge(learned.ids);
    for (const send of output.send) this.#queue.push({ from: at, to: this.#other(at), message: send.message });
  }

  #deliver({ from, to, message }: { from: SyncAirNode; to: SyncAirNode; message: LoraMessage }): void {
    for (const frame of from.sender.encode(message, this.now).frames) {
      this.bytes += frame.length;
      this.frames += 1;
      if (this.#random() < this.#loss) {
        this.lostFrames += 1;
        continue;
      }
      const result = to.receiver.receive(frame, from.num, this.now);
      if (!result.ok || result.status !== 'delivered') continue;
      const delivered = result.delivery.message;
      if (delivered.type === 'index-announce') this.#apply(to, to.sync.onAnnounce(from.name, delivered, this.now));
      else if (delivered.type === 'sync') this.#apply(to, to.sync.onSync(from.name, delivered, this.now));
    }
  }

  #other(node: SyncAirNode): SyncAirNode {
    return node === this.a ? this.b : this.a;
  }
}
