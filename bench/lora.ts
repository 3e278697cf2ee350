// The off-grid protocol, measured (issue 5): emergency, file transfer, and index sync (the lora.sync.*
// figures of the protocol itself come from bench/lora-sync.ts, which describes them).
//   lora.sync.radio_bytes_n10000_d20: the same exchange through real nodes, the radio link and the
//     simulator (LONG_FAST, no loss): every announce, sync and fragment frame from connecting until
//     both nodes hold the same root, both nodes' announces and the firmware's acks of the sync
//     frames (direct messages with want_ack) included; mean and max of three meshes (seeds 31-33).
//   lora.emergency.frames_before: with 200 file chunks queued and one frame on air, how many other
//     frames the scheduler hands to the radio between the emergency call and the emergency frame.
//   lora.emergency.delivered_ratio: five real nodes, each on its own simulated radio (TCP), in a line
//     (the sender at one end, the farthest receiver 4 hops away, LONG_FAST EU_868, node and radio
//     time 50x the wall clock), right after they connect (their key announces are still on air):
//     share of the four receivers that show the emergency, verified, within 120 s of radio time,
//     over five meshes (seeds 7-11).
//   lora.file.*: two real nodes on simulated radios over TCP (LONG_FAST, region US: no duty cycle),
//     simulated and node time both 40x faster than the wall clock. One node asks the other for a
//     50 KB file (51,200 random bytes).
//     efficiency_loss0 / _loss10: file bytes divided by every file-protocol (and routing) payload byte
//       the simulated medium put on air, both directions, from the request until the holder has
//       the final ack, key announces and key requests included, at 0 % and 10 % random loss per
//       reception (10 %: six runs, seeds 22-27, bytes summed).
//     time_ratio_loss10 (_worst): radio time from the request until the file is verified and
//       stored, at 10 % loss, over the ideal lossless time (file bytes / 231 x one full frame
//       interval at our airtime share); mean (and worst) of the six runs.
//     baseline_goodput_ratio: our goodput (file bytes per radio second, lossless) over a naive
//       design's, measured the same way in the same run: JSON messages with base64 chunks, an
//       Ed25519 signature on each chunk, stop-and-wait acks. It gets the same airtime share as we
//       do (the same scheduler paces both sides), so the ratio compares protocols, not greed.
import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Portnums } from '@meshtastic/protobufs';
import type { Clock } from '../electron/node/clock.ts';
import { NodeIdentity, verifySignature } from '../electron/node/identity/index.ts';
import { MeshIndex } from '../electron/node/lora/mesh-index.ts';
import { DEFAULT_AIRTIME_SHARE, DEVICE_QUEUE_SLOTS, LoraScheduler, frameAirtimeMs, type TrafficClass } from '../electron/node/lora/scheduler.ts';
import type { PakitNode } from '../electron/node/node.ts';
import { MODEM_PRESETS } from '../electron/node/radio/airtime.ts';
import { RadioLink } from '../electron/node/radio/link.ts';
import { contentIdFor, RAW_CODEC } from '../electron/node/storage/content-id.ts';
import { createSimMesh, ScaledRealTimeScheduler, seededRandom, serveDeviceOverTcp, type DeviceTcpServer, type SimMesh } from '../electron/sim/index.ts';
import { watchAir } from '../test/helpers/air.ts';
import { connectNodesToRadios, createTestNode, scaledClock } from '../test/helpers/test-node.ts';
import { measureSync } from './lora-sync.ts';

function framesBeforeEmergency(): number {
  const scheduler = new LoraScheduler({ preset: 'LONG_FAST', region: 'EU_868' });
  for (let chunk = 0; chunk < 200; chunk += 1) scheduler.enqueue(new Uint8Array(231).fill(chunk), 'bulk', 'file');
  let now = 0;
  let sent = 0;
  // Let some chunks go out, then call the emergency while one is on air.
  while (sent < 3) {
    const decision = scheduler.next(now);
    if (decision.kind === 'send') sent += 1;
    else if (decision.kind === 'wait') now = decision.until;
  }
  scheduler.enqueue(new TextEncoder().encode('EMERGENCY'), 'emergency');
  let before = 0;
  for (;;) {
    const decision = scheduler.next(now);
    if (decision.kind === 'send') {
      if (decision.frame.trafficClass === 'emergency') return before;
      before += 1;
    } else if (decision.kind === 'wait') now = decision.until;
    else throw new Error(`scheduler stalled: ${decision.kind}`);
  }
}

const EMERGENCY_SEEDS = [7, 8, 9, 10, 11];
/** An emergency that takes longer than this to reach a node has failed it. */
const EMERGENCY_DEADLINE_MS = 120_000;

async function deliveredOverLine(seed: number, log: (line: string) => void): Promise<{ verified: number; receivers: number }> {
  const scheduler = new ScaledRealTimeScheduler(50);
  const epochMs = Date.now();
  const clock = scaledClock(scheduler, epochMs);
  const mesh = createSimMesh({ nodes: 5, scheduler, topology: 'line', epochMs, announceWithinMs: false, seed });
  const servers = await Promise.all(mesh.devices.map((device) => serveDeviceOverTcp(device)));
  const nodes: PakitNode[] = [];
  try {
    await connectNodesToRadios(servers, clock, nodes);
    const [sender, ...receivers] = nodes;
    const sent = sender!.lora.emergencies.send({ text: 'Benchmark: flood warning, move to high ground', priority: 'urgent', confirmedAgain: false });
    if (!sent.ok) throw new Error('the emergency was refused');
    const deadline = clock.now() + EMERGENCY_DEADLINE_MS;
    const got = () => receivers.filter((node) => node.lora.emergencies.history().some((record) => record.id === sent.record.id && record.verified)).length;
    while (clock.now() < deadline && got() < receivers.length) await new Promise((resolve) => setTimeout(resolve, 50));
    log(`emergency (seed ${seed}): ${got()} of ${receivers.length} receivers verified it within ${EMERGENCY_DEADLINE_MS / 1000} s of radio time; medium ${JSON.stringify(mesh.medium.stats)}`);
    return { verified: got(), receivers: receivers.length };
  } finally {
    for (const node of nodes) await node.stop();
    await Promise.all(servers.map((server) => server.close()));
    scheduler.stop();
  }
}

/** Over several line meshes (seeds), so one lucky or unlucky collision pattern does not decide the figure. */
async function deliveredRatio(log: (line: string) => void): Promise<number> {
  let verified = 0;
  let receivers = 0;
  for (const seed of EMERGENCY_SEEDS) {
    const run = await deliveredOverLine(seed, log);
    verified += run.verified;
    receivers += run.receivers;
  }
  return verified / receivers;
}

// ---- file transfer ----

const TIME_SCALE = 40;
const LOSSY_SEEDS = [22, 23, 24, 25, 26, 27];
const FILE_BYTES = 50 * 1024;
const PAYLOAD_LIMIT = 231;
/** One full frame at our airtime share: the pace of a lossless transfer. */
const FRAME_INTERVAL_MS = Math.ceil(frameAirtimeMs(MODEM_PRESETS.LONG_FAST, PAYLOAD_LIMIT)) / DEFAULT_AIRTIME_SHARE;
const IDEAL_MS = (FILE_BYTES / PAYLOAD_LIMIT) * FRAME_INTERVAL_MS;
const BROADCAST = 0xffffffff;
/**
 * What the file protocol puts on air: key-announces and key-requests (a holder announces its key
 * before its manifest; the hourly backstop announce counts too when it falls in the run), request,
 * manifest, chunks, acks and nacks. Not the index traffic every node sends anyway: the periodic
 * index announces (about one per 5 min, ~2 % of a 20-minute transfer's bytes) and the sync that
 * follows the asker storing the file (its fragments and their acks, when they fall before the
 * holder has the final ack). No file message is ever fragmented (each fits one frame).
 */
const FILE_FRAME_CODES = new Set([0x03, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b]);

export type Run = { fileBytes: number; bytesOnAir: number; radioMs: number };

/**
 * Simulated radios over TCP in a line (two: neighbours; three: the middle one a plain relay), one
 * clock TIME_SCALE times faster for nodes and simulator, and a meter on the air.
 */
async function radiosInLine(radios: number, seed: number, counts?: (code: number) => boolean) {
  const scheduler = new ScaledRealTimeScheduler(TIME_SCALE);
  const epochMs = Date.now();
  const clock = scaledClock(scheduler, epochMs);
  const mesh = createSimMesh({ nodes: radios, scheduler, topology: radios === 2 ? 'full' : 'line', region: 'US', epochMs, announceWithinMs: false, seed });
  const meter = meterOnAir(mesh, scheduler, counts);
  const servers = await Promise.all(mesh.devices.map((device) => serveDeviceOverTcp(device)));
  return { scheduler, clock, mesh, meter, servers };
}

/**
 * Payload bytes of the frames the medium transmits while `counting` is on: the PRIVATE_APP frames
 * whose message type code (wire.ts frameTypeCode) `counts` picks, and the firmware's routing frames
 * (acks) of those.
 */
function meterOnAir(mesh: SimMesh, scheduler: ScaledRealTimeScheduler, counts: (code: number) => boolean = () => true) {
  const meter = { counting: false, bytes: 0, frames: 0, lastAt: 0 };
  const countedIds = new Set<number>();
  watchAir(mesh, ({ frame, data, code }) => {
    meter.lastAt = scheduler.now();
    if (!meter.counting) return;
    const ours = code !== undefined && counts(code);
    if (ours) countedIds.add(frame.id);
    if (ours || (data.portnum === Portnums.PortNum.ROUTING_APP && countedIds.has(data.requestId))) {
      meter.bytes += data.payload.length;
      meter.frames += 1;
    }
  });
  return meter;
}

const sameRoot = (nodes: PakitNode[]) => new Set(nodes.map((node) => node.lora.syncView().summary.root_hash)).size === 1;

// ---- index sync through the radio link and the simulator ----

/** Message type codes: fragments (sync replies may span frames), index-announce, sync. */
const SYNC_FRAME_CODES = new Set([0x00, 0x04, 0x05]);

/**
 * Two nodes whose mesh indexes (seeded on disk before they start) hold `n` ids each, `d` of them
 * differing, split both ways. Counts every announce, sync and fragment frame on air from connecting
 * until both hold the same root (their periodic announces included when they fall in that window).
 */
async function syncOverRadio(n: number, d: number, seed: number, log: (line: string) => void): Promise<number> {
  const scheduler = new ScaledRealTimeScheduler(TIME_SCALE);
  const epochMs = Date.now();
  const clock = scaledClock(scheduler, epochMs);
  const mesh = createSimMesh({ nodes: 2, scheduler, topology: 'full', region: 'US', epochMs, announceWithinMs: false, seed });
  const meter = meterOnAir(mesh, scheduler, (code) => SYNC_FRAME_CODES.has(code));
  const servers = await Promise.all(mesh.devices.map((device) => serveDeviceOverTcp(device)));
  const random = seededRandom(seed);
  const randomId = () => contentIdFor(RAW_CODEC, Uint8Array.from({ length: 32 }, () => Math.floor(random() * 256))).toString();
  const shared = Array.from({ length: n - d / 2 }, randomId);
  const nodes: PakitNode[] = [];
  try {
    for (const server of servers) {
      const dataDir = mkdtempSync(join(tmpdir(), 'pakit-bench-sync-'));
      const { meshIndex } = MeshIndex.open(join(dataDir, 'lora-mesh-index.bin'));
      meshIndex.learn([...shared, ...Array.from({ length: d / 2 }, randomId)]);
      meshIndex.save();
      const node = await createTestNode({ clock, dataDir });
      nodes.push(node);
      meter.counting = true;
      const started = await node.radio.connect({ kind: 'tcp', host: '127.0.0.1', port: server.port });
      if (!started.ok) throw new Error(`node could not connect: ${started.error.message}`);
    }
    await until(() => sameRoot(nodes), 60_000, 'the two indexes to converge');
    meter.counting = false;
    log(`sync over the radio, n=${n} d=${d}: ${meter.frames} frames, ${meter.bytes} payload bytes on air (announces included)`);
    return meter.bytes;
  } finally {
    for (const node of nodes) await node.stop();
    await Promise.all(servers.map((server) => server.close()));
    scheduler.stop();
  }
}

/** The key announcements (and their relays) of connecting are over: what follows is the transfer's. */
async function quietAir(meter: { lastAt: number }, scheduler: ScaledRealTimeScheduler): Promise<void> {
  await until(() => scheduler.now() - meter.lastAt > 30_000, 20_000, 'a quiet channel');
}

async function until(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function testFile(seed: number): Uint8Array {
  const random = seededRandom(seed);
  return Uint8Array.from({ length: FILE_BYTES }, () => Math.floor(random() * 256));
}

/**
 * Our protocol: real nodes at the two ends of a line of `radios`, `requestFile` on one, the file in
 * the other's store. Through a relay every frame is on air once more (the meter counts each transmission).
 */
export async function ourTransfer(lossRate: number, seed: number, log: (line: string) => void, radios = 2): Promise<Run> {
  const { scheduler, clock, mesh, meter, servers } = await radiosInLine(radios, seed, (code) => FILE_FRAME_CODES.has(code));
  const nodes: PakitNode[] = [];
  const neighbours = radios === 2;
  try {
    await connectNodesToRadios([servers[0]!, servers.at(-1)!], clock, nodes);
    const [holder, asker] = nodes as [PakitNode, PakitNode];
    // Key announces and index sync reach radio neighbours only: across a relay the manifest arrives unverified.
    if (neighbours) await until(() => nodes.every((node) => node.lora.receiver.keys.size >= 1), 10_000, 'key announcements');
    const file = testFile(seed);
    const contentId = await holder.store.store(file);
    // The holder's new block makes the index roots differ: the index sync that follows is not the transfer's.
    if (neighbours) await until(() => sameRoot(nodes), 20_000, 'the index sync after connecting');
    await quietAir(meter, scheduler);

    mesh.medium.setLossRate(lossRate);
    meter.counting = true;
    const asked = asker.lora.requestFile({ contentId });
    if (!asked.ok) throw new Error(asked.message);
    const view = () => asker.lora.transfers().find((transfer) => transfer.id === asked.transfer.id)!;
    await until(() => view().state === 'done' || view().state === 'failed', 150_000, 'the transfer');
    if (view().state !== 'done') throw new Error(`the transfer failed: ${view().error}`);
    // The final ack (and, if it was lost, the holder's probe and the ack again) belong to the transfer too.
    await until(() => holder.lora.transfers()[0]?.state !== 'sending', 20_000, "the holder's confirmation");
    meter.counting = false;
    const stored = await asker.store.readFile(contentId);
    if (!Buffer.from(stored).equals(file)) throw new Error('the stored file differs');
    const done = view();
    log(
      `file over ${radios - 1} hop(s), ${lossRate * 100} % loss: ${done.chunksTotal} chunks, ${meter.frames} frames / ${meter.bytes} payload bytes on air, ` +
        `${((done.updatedAt - done.startedAt) / 1000).toFixed(0)} s radio time (ideal ${(IDEAL_MS / 1000).toFixed(0)} s); medium ${JSON.stringify(mesh.medium.stats)}`,
    );
    return { fileBytes: file.length, bytesOnAir: meter.bytes, radioMs: done.updatedAt - done.startedAt };
  } finally {
    for (const node of nodes) await node.stop();
    await Promise.all(servers.map((server) => server.close()));
    scheduler.stop();
  }
}

/** A radio link paced by the same scheduler our nodes use (same airtime share), for the naive client. */
class PacedLink {
  readonly link: RadioLink;
  readonly #clock: Clock;
  readonly #scheduler = new LoraScheduler({ preset: 'LONG_FAST', region: 'US' });
  #timer: unknown;
  #sent = 0;

  constructor(clock: Clock) {
    this.#clock = clock;
    this.link = new RadioLink({ dataDir: mkdtempSync(join(tmpdir(), 'pakit-bench-naive-')), clock });
    this.link.on('outbox', ({ queued }) => {
      this.#scheduler.reportDeviceQueue(DEVICE_QUEUE_SLOTS - queued);
      this.#pump();
    });
  }

  send(message: object, trafficClass: TrafficClass): void {
    const payload = new TextEncoder().encode(JSON.stringify(message));
    if (payload.length > PAYLOAD_LIMIT) throw new Error(`naive message of ${payload.length} bytes`);
    this.#scheduler.enqueue(payload, trafficClass);
    this.#pump();
  }

  stop(): void {
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.link.disconnect();
  }

  #pump(): void {
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    const now = this.#clock.now();
    for (;;) {
      const decision = this.#scheduler.next(now);
      if (decision.kind === 'send') {
        this.link.enqueue({ messageId: `naive-${this.#sent++}`, to: BROADCAST, payload: decision.frame.payload, wantAck: false, hopLimit: 0 });
        continue;
      }
      if (decision.kind === 'wait') this.#timer = this.#clock.setTimeout(() => this.#pump(), Math.max(1, decision.until - now));
      return;
    }
  }
}

type NaiveChunk = { t: 'chunk'; i: number; n: number; d: string; s: string };

/** Most file bytes a naive chunk carries: base64 data and a base64 signature in a JSON object. */
function naiveChunkBytes(): number {
  const signature = Buffer.alloc(64).toString('base64');
  const widest = 9999; // chunk numbers of up to four digits
  let bytes = 0;
  const fits = (n: number) => JSON.stringify({ t: 'chunk', i: widest, n: widest, d: Buffer.alloc(n).toString('base64'), s: signature }).length <= PAYLOAD_LIMIT;
  while (fits(bytes + 1)) bytes += 1;
  return bytes;
}

/** The naive design on the same radios: request, then chunk / ack, one at a time, resend on timeout. */
async function naiveTransfer(seed: number, log: (line: string) => void): Promise<Run> {
  const { scheduler, clock, meter, servers } = await radiosInLine(2, seed);
  const [holder, asker] = [new PacedLink(clock), new PacedLink(clock)];
  try {
    for (const [index, side] of [holder, asker].entries()) {
      const started = await side.link.connect({ kind: 'tcp', host: '127.0.0.1', port: servers[index]!.port });
      if (!started.ok) throw new Error(`naive client could not connect: ${started.error.message}`);
    }
    await quietAir(meter, scheduler);
    const file = testFile(seed);
    const id = createHash('sha256').update(file).digest('hex');
    const identity = NodeIdentity.generate();
    const perChunk = naiveChunkBytes();
    const count = Math.ceil(file.length / perChunk);
    const signed = (i: number, data: string) => new TextEncoder().encode(`${id}:${i}:${data}`);

    // Holder: send chunk `next`, wait for its ack, resend after three frame intervals of silence.
    let next = 0;
    let resend: unknown;
    const sendNext = () => {
      if (resend !== undefined) clock.clearTimeout(resend);
      if (next >= count) return;
      const d = Buffer.from(file.subarray(next * perChunk, (next + 1) * perChunk)).toString('base64');
      holder.send({ t: 'chunk', i: next, n: count, d, s: Buffer.from(identity.sign(signed(next, d))).toString('base64') }, 'bulk');
      resend = clock.setTimeout(sendNext, 3 * FRAME_INTERVAL_MS);
    };
    holder.link.on('packet', (packet) => {
      const message = JSON.parse(new TextDecoder().decode(packet.payload)) as { t: string; i?: number };
      if (message.t === 'get') sendNext();
      if (message.t === 'ack' && message.i === next) {
        next += 1;
        sendNext();
      }
    });

    // Asker: check each signature, keep the data, ack every chunk heard.
    const received = new Map<number, Buffer>();
    let doneAt: number | undefined;
    asker.link.on('packet', (packet) => {
      const chunk = JSON.parse(new TextDecoder().decode(packet.payload)) as NaiveChunk;
      if (chunk.t !== 'chunk' || !verifySignature(identity.publicKey, signed(chunk.i, chunk.d), Buffer.from(chunk.s, 'base64'))) return;
      received.set(chunk.i, Buffer.from(chunk.d, 'base64'));
      asker.send({ t: 'ack', i: chunk.i }, 'control');
      if (received.size === chunk.n && doneAt === undefined) doneAt = clock.now();
    });

    meter.counting = true;
    const startedAt = clock.now();
    asker.send({ t: 'get', id }, 'control');
    await until(() => doneAt !== undefined, 200_000, 'the naive transfer');
    meter.counting = false;
    if (resend !== undefined) clock.clearTimeout(resend);
    const assembled = Buffer.concat([...received.entries()].sort(([a], [b]) => a - b).map(([, data]) => data));
    if (!assembled.equals(Buffer.from(file))) throw new Error('the naive transfer assembled other bytes');
    const radioMs = doneAt! - startedAt;
    log(`naive baseline: ${count} chunks of ${perChunk} bytes, ${meter.frames} frames / ${meter.bytes} payload bytes on air, ${(radioMs / 1000).toFixed(0)} s radio time`);
    return { fileBytes: file.length, bytesOnAir: meter.bytes, radioMs };
  } finally {
    holder.stop();
    asker.stop();
    await Promise.all(servers.map((server: DeviceTcpServer) => server.close()));
    scheduler.stop();
  }
}

export async function run(log: (line: string) => void): Promise<Record<string, number>> {
  const sync = measureSync(log);
  const syncOverTheAir: number[] = [];
  for (const seed of [31, 32, 33]) syncOverTheAir.push(await syncOverRadio(10_000, 20, seed, log));
  const emergencyFramesBefore = framesBeforeEmergency();
  const delivered = await deliveredRatio(log);
  const lossless = await ourTransfer(0, 21, log);
  // Six lossy runs: which frames a 10 % loss hits (and so the repairs) swings one run by ±0.02.
  const lossyRuns: Run[] = [];
  for (const seed of LOSSY_SEEDS) lossyRuns.push(await ourTransfer(0.1, seed, log));
  const lossy: Run = {
    fileBytes: lossyRuns.reduce((sum, run) => sum + run.fileBytes, 0),
    bytesOnAir: lossyRuns.reduce((sum, run) => sum + run.bytesOnAir, 0),
    radioMs: lossyRuns.reduce((sum, run) => sum + run.radioMs, 0) / lossyRuns.length,
  };
  const naive = await naiveTransfer(23, log);
  const goodput = (run: Run) => run.fileBytes / run.radioMs;
  log(`goodput: ours ${(goodput(lossless) * 1000).toFixed(1)} B/s, naive ${(goodput(naive) * 1000).toFixed(1)} B/s of radio time`);
  return {
    'lora.emergency.frames_before': emergencyFramesBefore,
    'lora.emergency.delivered_ratio': delivered,
    'lora.file.efficiency_loss0': lossless.fileBytes / lossless.bytesOnAir,
    'lora.file.efficiency_loss10': lossy.fileBytes / lossy.bytesOnAir,
    'lora.file.time_ratio_loss10': lossy.radioMs / IDEAL_MS,
    'lora.file.time_ratio_loss10_worst': Math.max(...lossyRuns.map((run) => run.radioMs)) / IDEAL_MS,
    'lora.file.baseline_goodput_ratio': goodput(lossless) / goodput(naive),
    ...sync,
    'lora.sync.radio_bytes_n10000_d20': syncOverTheAir.reduce((sum, bytes) => sum + bytes, 0) / syncOverTheAir.length,
    'lora.sync.radio_bytes_n10000_d20_max': Math.max(...syncOverTheAir),
  };
}
