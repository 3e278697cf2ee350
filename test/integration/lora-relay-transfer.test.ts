// File transfer across a relay: real nodes at the two ends of a simulated 3-radio line, each on its
// radio over TCP (like port 4403); the middle radio is a plain Meshtastic device that relays, and the
// ends cannot hear each other. Radio time runs 50 times faster than the wall clock, for all alike.
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { frameTypeCode } from '../../electron/node/lora/index.ts';
import { BUILTIN_CODES } from '../../electron/node/lora/messages.ts';
import type { PakitNode } from '../../electron/node/node.ts';
import { createSimMesh, ScaledRealTimeScheduler, serveDeviceOverTcp, type DeviceTcpServer } from '../../electron/sim/index.ts';
import { createTestNode, scaledClock } from '../helpers/test-node.ts';

const TIME_SCALE = 50;

type Line = { scheduler: ScaledRealTimeScheduler; servers: DeviceTcpServer[]; asker: PakitNode; holder: PakitNode; chunkHopLimits: number[] };
let line: Line | undefined;

async function startLine(): Promise<Line> {
  const scheduler = new ScaledRealTimeScheduler(TIME_SCALE);
  const epochMs = Date.now();
  const clock = scaledClock(scheduler, epochMs);
  const mesh = createSimMesh({ nodes: 3, scheduler, topology: 'line', region: 'US', epochMs, announceWithinMs: false, seed: 5 });
  const servers = await Promise.all(mesh.devices.map((device) => serveDeviceOverTcp(device)));
  const asker = await createTestNode({ clock });
  const holder = await createTestNode({ clock });
  line = { scheduler, servers, asker, holder, chunkHopLimits: [] };
  // The hop limit every chunk goes out with, as the holder hands it to its radio.
  const enqueue = holder.radio.enqueue.bind(holder.radio);
  holder.radio.enqueue = (packet) => {
    if (frameTypeCode(packet.payload) === BUILTIN_CODES['file-chunk']) line?.chunkHopLimits.push(packet.hopLimit ?? -1);
    return enqueue(packet);
  };
  for (const [node, server] of [[asker, servers[0]!], [holder, servers[2]!]] as const) {
    expect((await node.radio.connect({ kind: 'tcp', host: '127.0.0.1', port: server.port })).ok).toBe(true);
  }
  return line;
}

afterEach(async () => {
  if (!line) return;
  await line.asker.stop();
  await line.holder.stop();
  await Promise.all(line.servers.map((server) => server.close()));
  line.scheduler.stop();
  line = undefined;
});

const incoming = (node: PakitNode, id: string) => node.lora.transfers().find((view) => view.id === id);

describe('LoRa file transfer across a relay', { timeout: 120_000 }, () => {
  it('finds a holder one relay away, fetches the file end to end under its name, and both sides show it done', async () => {
    const { asker, holder, chunkHopLimits } = await startLine();
    const file = randomBytes(6_000);
    const contentId = await holder.store.store(file);
    holder.fileNames.set(contentId, 'report.txt');

    // The device's own hop limit (3, the firmware default) bounds the request.
    const asked = asker.lora.requestFile({ contentId });
    if (!asked.ok) throw new Error(asked.message);
    expect(asked.transfer).toMatchObject({ state: 'requesting', hopLimit: 3, hops: null });
    await expect.poll(() => incoming(asker, asked.transfer.id)?.state, { timeout: 60_000 }).toBe('done');

    expect(Buffer.from(await asker.store.readFile(contentId)).equals(file)).toBe(true);
    // Two transmissions between them: the holder's and the relay's.
    expect(incoming(asker, asked.transfer.id)).toMatchObject({ hops: 2, size: file.length, bytesDone: file.length, error: null, name: 'report.txt', mediaType: 'text/plain' });
    // Every hop carries every frame: twice the airtime of one hop.
    const perHop = asker.lora.estimateFile(file.length).airtimeMsPerHop;
    expect(perHop).toBeGreaterThan(0);
    expect(incoming(asker, asked.transfer.id)!.airtimeMs! / perHop).toBeCloseTo(2, 1);
    // The name came with the manifest and stays with the file: report.txt, not bafkrei….bin.
    expect(asker.fileNames.get(contentId)).toEqual({ name: 'report.txt', mediaType: 'text/plain' });
    expect(await asker.api.call('storage.download', { id: contentId })).toMatchObject({ ok: true, value: { name: 'report.txt', size: file.length } });
    // The serving side shows what the receiver has: all of it, done.
    const served = holder.lora.transfers().find((view) => view.direction === 'outgoing' && view.contentId === contentId);
    await expect.poll(() => holder.lora.transfers().find((view) => view.id === served?.id)?.state, { timeout: 30_000 }).toBe('done');
    const done = holder.lora.transfers().find((view) => view.id === served!.id)!;
    expect(done).toMatchObject({ chunksDone: done.chunksTotal, bytesDone: file.length, hops: 2, hopLimit: 1 });
    // Chunks cross exactly the one relay between them, no further.
    expect(chunkHopLimits.length).toBeGreaterThanOrEqual(done.chunksTotal!);
    expect(new Set(chunkHopLimits)).toEqual(new Set([1]));
  });

  it('asked of radio neighbours only, says nobody answered; widened past the relay, it finds the holder', async () => {
    const { asker, holder } = await startLine();
    const file = randomBytes(2_000);
    const contentId = await holder.store.store(file);

    const asked = asker.lora.requestFile({ contentId, hopLimit: 0 });
    if (!asked.ok) throw new Error(asked.message);
    // The first request goes unanswered, so the next one says for how long nobody answered.
    await expect.poll(() => incoming(asker, asked.transfer.id)?.unansweredMs ?? null, { timeout: 30_000 }).toBeGreaterThan(0);
    expect(incoming(asker, asked.transfer.id)).toMatchObject({ state: 'requesting', hopLimit: 0, hops: null });
    expect(holder.lora.transfers()).toEqual([]);

    // Asking again for the same file, one relay further: the same transfer, asked at once.
    const widened = asker.lora.requestFile({ contentId, hopLimit: 1 });
    expect(widened).toMatchObject({ ok: true, transfer: { id: asked.transfer.id, hopLimit: 1, unansweredMs: null } });
    await expect.poll(() => incoming(asker, asked.transfer.id)?.state, { timeout: 60_000 }).toBe('done');
    expect(Buffer.from(await asker.store.readFile(contentId)).equals(file)).toBe(true);
    expect(incoming(asker, asked.transfer.id)?.hops).toBe(2);
  });
});
