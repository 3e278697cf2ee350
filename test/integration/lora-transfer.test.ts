// File transfer end to end: real nodes, each on its own simulated radio over TCP (like port 4403),
// radio time running 50 times faster than the wall clock for the simulator and the nodes alike.
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Clock } from '../../electron/node/clock.ts';
import { frameTypeCode } from '../../electron/node/lora/index.ts';
import { BUILTIN_CODES } from '../../electron/node/lora/messages.ts';
import type { PakitNode } from '../../electron/node/node.ts';
import { NEUTRAL_SCORE, peerKeyOf } from '../../electron/node/reputation/index.ts';
import { createSimMesh, ScaledRealTimeScheduler, serveDeviceOverTcp, type DeviceTcpServer, type SimMesh } from '../../electron/sim/index.ts';
import { createTestNode, scaledClock } from '../helpers/test-node.ts';

const TIME_SCALE = 50;

type Rig = { scheduler: ScaledRealTimeScheduler; clock: Clock; mesh: SimMesh; servers: DeviceTcpServer[]; nodes: PakitNode[] };
let rig: Rig | undefined;

/** Nodes on one simulated mesh (every radio hears every other), no duty-cycle limit. */
async function startRig(count: number): Promise<Rig> {
  const scheduler = new ScaledRealTimeScheduler(TIME_SCALE);
  const epochMs = Date.now();
  const clock = scaledClock(scheduler, epochMs);
  const mesh = createSimMesh({ nodes: count, scheduler, topology: 'full', region: 'US', epochMs, announceWithinMs: false, seed: 3 });
  const servers = await Promise.all(mesh.devices.map((device) => serveDeviceOverTcp(device)));
  const nodes: PakitNode[] = [];
  rig = { scheduler, clock, mesh, servers, nodes };
  for (const server of servers) {
    const node = await createTestNode({ clock });
    nodes.push(node);
    const started = await node.radio.connect({ kind: 'tcp', host: '127.0.0.1', port: server.port });
    expect(started.ok).toBe(true);
  }
  // Every node has heard every other's key before files move, so manifests verify at once. A node
  // whose radio came up after another's first key announce hears it at the next one, 10 min of
  // radio time (12 s here) later.
  await expect.poll(() => nodes.every((node) => node.lora.receiver.keys.size >= count - 1), { timeout: 20_000 }).toBe(true);
  return rig;
}

afterEach(async () => {
  if (!rig) return;
  for (const node of rig.nodes) await node.stop();
  await Promise.all(rig.servers.map((server) => server.close()));
  rig.scheduler.stop();
  rig = undefined;
});

const incoming = (node: PakitNode, id: string) => node.lora.transfers().find((view) => view.id === id);

describe('LoRa file transfer over the simulated radio', { timeout: 90_000 }, () => {
  it('moves a file between two nodes and stores it', async () => {
    const { nodes } = await startRig(2);
    const [holder, asker] = nodes as [PakitNode, PakitNode];
    const file = randomBytes(10_000);
    const contentId = await holder.store.store(file);
    const events: string[] = [];
    asker.lora.on('transfers', (views) => events.push(views[0]!.state));
    // The asker's final ack is lost once: the holder has to find out by itself.
    const enqueue = asker.radio.enqueue.bind(asker.radio);
    let ackLost = false;
    asker.radio.enqueue = (packet) => {
      if (frameTypeCode(packet.payload) !== BUILTIN_CODES.ack || ackLost) return enqueue(packet);
      ackLost = true;
      return { ok: true, duplicate: false };
    };

    const asked = asker.lora.requestFile({ contentId });
    expect(asked).toMatchObject({ ok: true, transfer: { direction: 'incoming', state: 'requesting', contentId } });
    if (!asked.ok) return;
    await expect.poll(() => incoming(asker, asked.transfer.id)?.state, { timeout: 30_000 }).toBe('done');

    expect(Buffer.from(await asker.store.readFile(contentId)).equals(file)).toBe(true);
    expect(incoming(asker, asked.transfer.id)).toMatchObject({ size: file.length, bytesDone: file.length, peers: [holder.lora.sender.keyId], badPeers: [], error: null });
    expect(events).toContain('receiving');
    // A holder whose signed manifest proved true earns credit for it.
    const served = asker.reputation.explain(peerKeyOf(holder.identity.publicKey));
    expect(served.reasons.map((reason) => reason.kind)).toContain('block_served');
    expect(served.score).toBeGreaterThan(NEUTRAL_SCORE);
    // Idle with an unconfirmed receiver, it sends its last chunk again; the asker acks again.
    await expect.poll(() => holder.lora.transfers()[0]?.state, { timeout: 10_000 }).toBe('done');
    expect(ackLost).toBe(true);
    expect(asker.lora.requestFile({ contentId })).toMatchObject({ ok: false, reason: 'already_stored' });
  });

  it('pauses when a radio is unplugged mid-transfer and completes after it is back', async () => {
    const { nodes, servers, mesh } = await startRig(2);
    const [holder, asker] = nodes as [PakitNode, PakitNode];
    const file = randomBytes(16_000);
    const contentId = await holder.store.store(file);
    const asked = asker.lora.requestFile({ contentId });
    if (!asked.ok) throw new Error(asked.message);
    await expect.poll(() => incoming(asker, asked.transfer.id)?.chunksDone ?? 0, { timeout: 30_000 }).toBeGreaterThan(15);

    // The asker's radio goes away (its TCP server stops), then comes back on the same port.
    const port = servers[1]!.port;
    await servers[1]!.close();
    await expect.poll(() => incoming(asker, asked.transfer.id)?.state, { timeout: 10_000 }).toBe('paused');
    await new Promise((resolve) => setTimeout(resolve, 1000)); // 50 s of radio time without it
    servers[1] = await serveDeviceOverTcp(mesh.devices[1]!, { port });

    // And the holder's connection drops for a moment too.
    await expect.poll(() => incoming(asker, asked.transfer.id)?.state, { timeout: 20_000 }).toBe('receiving');
    servers[0]!.dropClients();

    await expect.poll(() => incoming(asker, asked.transfer.id)?.state, { timeout: 60_000 }).toBe('done');
    expect(Buffer.from(await asker.store.readFile(contentId)).equals(file)).toBe(true);
  });

  it('catches a holder that serves corrupted chunks, lowers its reputation and completes from an honest one', async () => {
    const { nodes } = await startRig(3);
    const [liar, honest, asker] = nodes as [PakitNode, PakitNode, PakitNode];
    const file = randomBytes(8_000);
    const contentId = await liar.store.store(file);
    // The liar signs a true manifest, then flips a byte of every chunk it puts on the radio.
    const enqueue = liar.radio.enqueue.bind(liar.radio);
    liar.radio.enqueue = (packet) => {
      const isChunk = frameTypeCode(packet.payload) === BUILTIN_CODES['file-chunk'];
      return enqueue(isChunk ? { ...packet, payload: Uint8Array.from(packet.payload, (byte, i) => (i === packet.payload.length - 1 ? byte ^ 1 : byte)) } : packet);
    };
    const liarPeer = peerKeyOf(liar.identity.publicKey);

    const asked = asker.lora.requestFile({ contentId });
    if (!asked.ok) throw new Error(asked.message);
    await expect.poll(() => incoming(asker, asked.transfer.id)?.badPeers, { timeout: 30_000 }).toEqual([liar.lora.sender.keyId]);
    expect(asker.reputation.score(liarPeer)).toBeLessThan(NEUTRAL_SCORE);
    expect(asker.reputation.explain(liarPeer).reasons[0]).toMatchObject({ kind: 'block_corrupt' });

    // An honest holder comes into reach: the asker's next request finds it, not the liar.
    await honest.store.store(file);
    await expect.poll(() => incoming(asker, asked.transfer.id)?.state, { timeout: 60_000 }).toBe('done');
    expect(Buffer.from(await asker.store.readFile(contentId)).equals(file)).toBe(true);
    expect(incoming(asker, asked.transfer.id)).toMatchObject({ peers: [honest.lora.sender.keyId], badPeers: [liar.lora.sender.keyId] });
  });

  it('resumes after an app restart from its saved chunks, and discards a saved transfer it cannot read', async () => {
    const { nodes, servers, clock } = await startRig(2);
    const [holder, asker] = nodes as [PakitNode, PakitNode];
    const file = randomBytes(16_000);
    const contentId = await holder.store.store(file);
    const asked = asker.lora.requestFile({ contentId });
    if (!asked.ok) throw new Error(asked.message);
    await expect.poll(() => incoming(asker, asked.transfer.id)?.chunksDone ?? 0, { timeout: 30_000 }).toBeGreaterThan(30);

    // The app quits mid-transfer; a damaged save lies next to the real one.
    await asker.stop();
    const dataDir = asker.options.dataDir;
    writeFileSync(join(dataDir, 'lora-transfers', 'in-0badf11e.json'), '{"version":1,"id":"in-0badf11e","chunks":[{"offset":');
    const restarted = await createTestNode({ clock, dataDir });
    nodes[1] = restarted;
    const resumed = incoming(restarted, asked.transfer.id);
    expect(resumed).toMatchObject({ state: 'paused', contentId });
    expect(resumed!.chunksDone).toBeGreaterThan(30);
    expect(restarted.log.recent(50, 'warn').some((entry) => entry.message.includes('in-0badf11e.json') && entry.message.includes('discarded'))).toBe(true);
    expect(restarted.lora.transfers()).toHaveLength(1);

    const started = await restarted.radio.connect({ kind: 'tcp', host: '127.0.0.1', port: servers[1]!.port });
    expect(started.ok).toBe(true);
    await expect.poll(() => incoming(restarted, asked.transfer.id)?.state, { timeout: 60_000 }).toBe('done');
    expect(Buffer.from(await restarted.store.readFile(contentId)).equals(file)).toBe(true);
  });
});
