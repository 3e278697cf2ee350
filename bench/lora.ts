// The off-grid protocol, measured (issue 5): emergency, file transfer, and index sync (the sync
// figures come from bench/lora-sync.ts, which describes them).
//   lora.emergency.frames_before: with 200 file chunks queued and one frame on air, how many other
//     frames the scheduler hands to the radio between the emergency call and the emergency frame.
//   lora.emergency.delivered_ratio: five real nodes, each on its own simulated radio (TCP), in a line
//     (the sender at one end, the farthest receiver 4 hops away, LONG_FAST, time scale 50): share of
//     the four receivers that show the emergency, verified, within 60 s of wall time.
//   lora.file.*: two real nodes on simulated radios over TCP (LONG_FAST, region US: no duty cycle),
//     simulated and node time both 40x faster than the wall clock. One node asks the other for a
//     50 KB file (51,200 random bytes).
//     efficiency_loss0 / _loss10: file bytes divided by every PRIVATE_APP (and routing) payload byte
//       the simulated medium put on air, both directions, from the request until the holder has
//       the final ack, at 0 % and 10 % random loss per reception.
//     time_ratio_loss10: radio time from the request until the file is verified and stored, at 10 %
//       loss, over the ideal lossless time (file bytes / 231 x one full frame interval at our
//       airtime share).
//     baseline_goodput_ratio: our goodput (file bytes per radio second, lossless) over a naive
//       design's, measured the same way in the same run: JSON messages with base64 chunks, an
//       Ed25519 signature on each chunk, stop-and-wait acks. It gets the same airtime share as we
//       do (the same scheduler paces both sides), so the ratio compares protocols, not greed.
import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Mesh, Portnums } from '@meshtastic/protobufs';
import type { Clock } from '../electron/node/clock.ts';
import { NodeIdentity, verifySignature } from '../electron/node/identity/index.ts';
import { DEFAULT_AIRTIME_SHARE, DEVICE_QUEUE_SLOTS, LoraScheduler, frameAirtimeMs, type TrafficClass } from '../electron/node/lora/scheduler.ts';
import type { PakitNode } from '../electron/node/node.ts';
import { MODEM_PRESETS } from '../electron/node/radio/airtime.ts';
import { RadioLink } from '../electron/node/radio/link.ts';
import { createSimMesh, ScaledRealTimeScheduler, seededRandom, serveDeviceOverTcp, type DeviceTcpServer, type SimMesh } from '../electron/sim/index.ts';
import { decodeMessage, type DataMessage } from '../electron/sim/messages.ts';
import { createTestNode } from '../test/helpers/test-node.ts';
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

async function deliveredOverLine(log: (line: string) => void): Promise<number> {
  const scheduler = new ScaledRealTimeScheduler(50);
  const mesh = createSimMesh({ nodes: 5, scheduler, topology: 'line', epochMs: Date.now(), announceWithinMs: false, seed: 7 });
  const servers = await Promise.all(mesh.devices.map((device) => serveDeviceOverTcp(device)));
  const nodes: PakitNode[] = [];
  try {
    for (const server of servers) {
      const node = await createTestNode();
      const started = await node.radio.connect({ kind: 'tcp', host: '127.0.0.1', port: server.port });
      if (!started.ok) throw new Error(`node could not connect: ${started.error.message}`);
      nodes.push(node);
    }
    const [sender, ...receivers] = nodes;
    const sent = sender!.lora.sendEmergency({ text: 'Benchmark: flood warning, move to high ground', priority: 'urgent', confirmedAgain: false });
    if (!sent.ok) throw new Error('the emergency was refused');
    const deadline = Date.now() + 60_000;
    const got = () => receivers.filter((node) => node.lora.history().some((record) => record.id === sent.record.id && record.verified)).length;
    while (Date.now() < deadline && got() < receivers.length) await new Promise((resolve) => setTimeout(resolve, 200));
    log(`emergency: ${got()} of ${receivers.length} receivers verified it; medium ${JSON.stringify(mesh.medium.stats)}`);
    return got() / receivers.length;
  } finally {
    for (const node of nodes) await node.stop();
    await Promise.all(servers.map((server) => server.close()));
    scheduler.stop();
  }
}

// ---- file transfer ----

const TIME_SCALE = 40;
const FILE_BYTES = 50 * 1024;
const PAYLOAD_LIMIT = 231;
/** One full frame at our airtime share: the pace of a lossless transfer. */
const FRAME_INTERVAL_MS = Math.ceil(frameAirtimeMs(MODEM_PRESETS.LONG_FAST, PAYLOAD_LIMIT)) / DEFAULT_AIRTIME_SHARE;
const IDEAL_MS = (FILE_BYTES / PAYLOAD_LIMIT) * FRAME_INTERVAL_MS;
const BROADCAST = 0xffffffff;
const COUNTED_PORTS = new Set<number>([Portnums.PortNum.PRIVATE_APP, Portnums.PortNum.ROUTING_APP]);

type Run = { fileBytes: number; bytesOnAir: number; radioMs: number };

/** Two simulated radios over TCP, one clock TIME_SCALE times faster for nodes and simulator, and a meter on the air. */
async function twoRadios(seed: number) {
  const scheduler = new ScaledRealTimeScheduler(TIME_SCALE);
  const epochMs = Date.now();
  const clock: Clock = {
    now: () => epochMs + scheduler.now(),
    setTimeout: (callback, ms) => scheduler.setTimer(ms, callback),
    clearTimeout: (handle) => scheduler.clearTimer(handle as number),
  };
  const mesh = createSimMesh({ nodes: 2, scheduler, topology: 'full', region: 'US', epochMs, announceWithinMs: false, seed });
  const meter = meterOnAir(mesh, scheduler);
  const servers = await Promise.all(mesh.devices.map((device) => serveDeviceOverTcp(device)));
  return { scheduler, clock, mesh, meter, servers };
}

/** Payload bytes of every application frame the medium transmits, while `counting` is on. */
function meterOnAir(mesh: SimMesh, scheduler: ScaledRealTimeScheduler) {
  const meter = { counting: false, bytes: 0, frames: 0, lastAt: 0 };
  const transmit = mesh.medium.transmit.bind(mesh.medium);
  mesh.medium.transmit = (from, frame) => {
    meter.lastAt = scheduler.now();
    if (meter.counting) {
      const data = decodeMessage<DataMessage>(Mesh.DataSchema, frame.data);
      if (COUNTED_PORTS.has(data.portnum)) {
        meter.bytes += data.payload.length;
        meter.frames += 1;
      }
    }
    return transmit(from, frame);
  };
  return meter;
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

/** Our protocol: real nodes, `requestFile` on one, the file in the other's store. */
async function ourTransfer(lossRate: number, seed: number, log: (line: string) => void): Promise<Run> {
  const { scheduler, clock, mesh, meter, servers } = await twoRadios(seed);
  const nodes: PakitNode[] = [];
  try {
    for (const server of servers) {
      const node = await createTestNode({ clock });
      nodes.push(node);
      const started = await node.radio.connect({ kind: 'tcp', host: '127.0.0.1', port: server.port });
      if (!started.ok) throw new Error(`node could not connect: ${started.error.message}`);
    }
    const [holder, asker] = nodes as [PakitNode, PakitNode];
    await until(() => nodes.every((node) => node.lora.receiver.keys.size >= 1), 10_000, 'key announcements');
    const file = testFile(seed);
    const contentId = await holder.store.store(file);
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
      `file, ${lossRate * 100} % loss: ${done.chunksTotal} chunks, ${meter.frames} frames / ${meter.bytes} payload bytes on air, ` +
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
  const { scheduler, clock, meter, servers } = await twoRadios(seed);
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
  const emergencyFramesBefore = framesBeforeEmergency();
  const delivered = await deliveredOverLine(log);
  const lossless = await ourTransfer(0, 21, log);
  const lossy = await ourTransfer(0.1, 22, log);
  const naive = await naiveTransfer(23, log);
  const goodput = (run: Run) => run.fileBytes / run.radioMs;
  log(`goodput: ours ${(goodput(lossless) * 1000).toFixed(1)} B/s, naive ${(goodput(naive) * 1000).toFixed(1)} B/s of radio time`);
  return {
    'lora.emergency.frames_before': emergencyFramesBefore,
    'lora.emergency.delivered_ratio': delivered,
    'lora.file.efficiency_loss0': lossless.fileBytes / lossless.bytesOnAir,
    'lora.file.efficiency_loss10': lossy.fileBytes / lossy.bytesOnAir,
    'lora.file.time_ratio_loss10': lossy.radioMs / IDEAL_MS,
    'lora.file.baseline_goodput_ratio': goodput(lossless) / goodput(naive),
    ...sync,
  };
}
