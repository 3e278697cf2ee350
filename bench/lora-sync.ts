// Index sync over LoRa, measured: two IndexSync instances over two real DagIndex sets of 10,000 ids,
// every message framed by a real LoraSender and taken apart by a real LoraReceiver. Bytes are the
// sum of frame lengths on air, both ways, the index-announce that starts it included.
//   lora.sync.bytes_n10000_d20 (mean), _p95, round_trips_n10000_d20 (max): 200 trials, 10 ids on
//     each side that the other lacks.
//   lora.sync.bytes_n10000_d200: mean of 20 trials, 100 each way.
//   lora.sync.bytes_d0: equal sets: the one announce frame, nothing else.
//   lora.sync.full_index_bytes: the baseline, one side sending all 10,000 ids as sync messages.
// The lower bound for d = 20 is ~632 B (the 20 ids themselves); the log prints the ratio to it.
import { NodeIdentity } from '../electron/node/identity/index.ts';
import type { LoraMessage } from '../electron/node/lora/messages.ts';
import { LoraReceiver } from '../electron/node/lora/receiver.ts';
import { LoraSender } from '../electron/node/lora/sender.ts';
import { IndexSync, encodeSyncPayload, idPartsOf } from '../electron/node/lora/sync/index.ts';
import { DAG_CBOR_CODEC, RAW_CODEC, contentIdFromBytes, type ContentId } from '../electron/node/storage/content-id.ts';
import { DagIndex } from '../electron/node/storage/index.ts';
import { seededRandom, type Random } from '../electron/sim/random.ts';

const NETWORK = 'pakit-bench';
const START = Date.UTC(2026, 2, 1, 12, 0, 0);
const N = 10_000;
const LOWER_BOUND_BYTES = 632;
/** The ids messages of the baseline fill what a receiver reassembles (4096 bytes per message). */
const BASELINE_IDS_PER_MESSAGE = 127;

type Side = { readonly index: DagIndex; readonly sync: IndexSync; readonly sender: LoraSender; readonly receiver: LoraReceiver; readonly peerName: string; readonly nodeNum: number };
type Trial = { bytes: number; roundTrips: number; converged: boolean };

function randomId(random: Random): ContentId {
  const bytes = new Uint8Array(36);
  bytes.set([1, random() < 0.1 ? DAG_CBOR_CODEC : RAW_CODEC, 0x12, 32]);
  for (let i = 4; i < 36; i++) bytes[i] = Math.floor(random() * 256);
  return contentIdFromBytes(bytes);
}

function side(n: number, ids: readonly ContentId[], seed: number): Side {
  const signer = NodeIdentity.fromSeed(new Uint8Array(32).fill(n));
  const index = new DagIndex(ids);
  return {
    index,
    sync: new IndexSync({ index, random: seededRandom(seed) }),
    sender: new LoraSender({ networkId: NETWORK, signer, random: seededRandom(seed + 1) }),
    receiver: new LoraReceiver({ networkId: NETWORK }),
    peerName: `!${n.toString(16).padStart(8, '0')}`,
    nodeNum: n,
  };
}

/**
 * `a` announces; frames travel in order until both sides fall silent (with `startDelayMs` passing
 * when only a delayed start is left). Returns bytes on air and round trips (one per answered leg).
 */
function reconcile(a: Side, b: Side, clock: { now: number }): Trial {
  const trace: { from: Side; bytes: number }[] = [];
  const queue: { from: Side; to: Side; message: LoraMessage }[] = [];
  const summary = a.index.summary();
  queue.push({ from: a, to: b, message: { type: 'index-announce', version: summary.version, blockCount: summary.block_count, rootHash: summary.root_hash } });
  const apply = (at: Side, output: ReturnType<IndexSync['tick']>) => {
    for (const learned of output.learned) at.index.merge(learned.ids);
    for (const send of output.send) queue.push({ from: at, to: at === a ? b : a, message: send.message });
  };
  for (let idle = 0; idle < 2; ) {
    const next = queue.shift();
    if (!next) {
      clock.now += 31_000;
      apply(a, a.sync.tick(clock.now));
      apply(b, b.sync.tick(clock.now));
      idle += queue.length === 0 ? 1 : 0;
      continue;
    }
    for (const frame of next.from.sender.encode(next.message, clock.now).frames) {
      trace.push({ from: next.from, bytes: frame.length });
      const result = next.to.receiver.receive(frame, next.from.nodeNum, clock.now);
      if (!result.ok) throw new Error(`frame refused: ${result.reason} ${result.detail}`);
      if (result.status !== 'delivered') continue;
      const message = result.delivery.message;
      if (message.type === 'index-announce') apply(next.to, next.to.sync.onAnnounce(next.from.peerName, message, clock.now));
      else if (message.type === 'sync') apply(next.to, next.to.sync.onSync(next.from.peerName, message, clock.now));
    }
  }
  let legs = 0;
  trace.forEach((entry, i) => (legs += i === 0 || trace[i - 1]!.from !== entry.from ? 1 : 0));
  return { bytes: trace.reduce((sum, entry) => sum + entry.bytes, 0), roundTrips: Math.ceil(legs / 2), converged: a.index.rootHash() === b.index.rootHash() };
}

function runTrials(a: Side, b: Side, random: Random, perSide: number, trials: number, clock: { now: number }): Trial[] {
  const results: Trial[] = [];
  for (let trial = 0; trial < trials; trial++) {
    const onlyA = Array.from({ length: perSide }, () => randomId(random));
    const onlyB = Array.from({ length: perSide }, () => randomId(random));
    a.index.merge(onlyA);
    b.index.merge(onlyB);
    results.push(reconcile(a, b, clock));
    for (const id of [...onlyA, ...onlyB]) {
      a.index.remove(id);
      b.index.remove(id);
    }
  }
  return results;
}

function quantile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
}

function describe(name: string, trials: readonly Trial[], log: (line: string) => void): { mean: number; p95: number; maxRoundTrips: number } {
  const bytes = trials.map((trial) => trial.bytes).sort((x, y) => x - y);
  const roundTrips = trials.map((trial) => trial.roundTrips).sort((x, y) => x - y);
  const mean = bytes.reduce((sum, value) => sum + value, 0) / bytes.length;
  const histogram = [...new Set(roundTrips)].map((value) => `${value}: ${roundTrips.filter((x) => x === value).length}`).join(', ');
  log(`${name}: ${trials.length} trials, bytes mean ${mean.toFixed(1)} p95 ${quantile(bytes, 0.95)} max ${bytes.at(-1)}; round trips mean ${(roundTrips.reduce((s, v) => s + v, 0) / roundTrips.length).toFixed(2)} p95 ${quantile(roundTrips, 0.95)} max ${roundTrips.at(-1)} (${histogram}); converged ${trials.filter((trial) => trial.converged).length}/${trials.length}`);
  return { mean, p95: quantile(bytes, 0.95), maxRoundTrips: roundTrips.at(-1)! };
}

/** The baseline: all of `index` as sync messages of whole ids, framed by `sender`. */
export function fullIndexBytes(sender: LoraSender, index: DagIndex, now: number): number {
  const ids = index.ids().map(idPartsOf);
  let bytes = 0;
  for (let at = 0; at < ids.length; at += BASELINE_IDS_PER_MESSAGE) {
    const payload = encodeSyncPayload({ kind: 'ids', format: { idBytes: 5, checkBytes: 2 }, ids: ids.slice(at, at + BASELINE_IDS_PER_MESSAGE), requests: [], requestStart: 0, continued: at + BASELINE_IDS_PER_MESSAGE < ids.length });
    for (const frame of sender.encode({ type: 'sync', session: 1, payload }, now).frames) bytes += frame.length;
  }
  return bytes;
}

export function measureSync(log: (line: string) => void): Record<string, number> {
  const started = performance.now();
  const random = seededRandom(20_260_301);
  const common = Array.from({ length: N - 10 }, () => randomId(random));
  const a = side(1, common, 101);
  const b = side(2, common, 202);
  a.receiver.keys.add(NodeIdentity.fromSeed(new Uint8Array(32).fill(2)).publicKey);
  b.receiver.keys.add(NodeIdentity.fromSeed(new Uint8Array(32).fill(1)).publicKey);
  const clock = { now: START };

  const equal = runTrials(a, b, random, 0, 1, clock)[0]!;
  const announceFrame = a.sender.encode({ type: 'index-announce', version: 0, blockCount: 0, rootHash: '00'.repeat(32) }, clock.now).frames[0]!.length;
  log(`d = 0: ${equal.bytes} bytes (one announce frame is ${announceFrame}), ${equal.roundTrips} round trip(s)`);

  const d20 = describe('n = 10,000, d = 20 (10 each way)', runTrials(a, b, random, 10, 200, clock), log);
  log(`d = 20: mean ${(d20.mean / LOWER_BOUND_BYTES).toFixed(2)}x and p95 ${(d20.p95 / LOWER_BOUND_BYTES).toFixed(2)}x the ~${LOWER_BOUND_BYTES}-byte lower bound`);
  const d200 = describe('n = 10,000, d = 200 (100 each way)', runTrials(a, b, random, 100, 20, clock), log);
  const tenMore = Array.from({ length: N - a.index.size }, () => randomId(random));
  a.index.merge(tenMore);
  const full = fullIndexBytes(a.sender, a.index, clock.now);
  log(`baseline: the whole index of ${a.index.size} ids as sync messages is ${full} bytes (${(full / d20.mean).toFixed(0)}x the d = 20 sync)`);
  log(`measured in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return {
    'lora.sync.bytes_n10000_d20': d20.mean,
    'lora.sync.bytes_n10000_d20_p95': d20.p95,
    'lora.sync.round_trips_n10000_d20': d20.maxRoundTrips,
    'lora.sync.bytes_n10000_d200': d200.mean,
    'lora.sync.bytes_d0': equal.bytes,
    'lora.sync.full_index_bytes': full,
  };
}

/** bench/run.ts treats every file here as a suite: `npm run bench -- lora-sync` runs this one alone. */
export async function run(log: (line: string) => void): Promise<Record<string, number>> {
  return measureSync(log);
}
