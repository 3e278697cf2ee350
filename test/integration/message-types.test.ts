// The one extension point: a message type declared once reaches the other node over the IP mesh
// and over LoRa (simulated radio), validated by the same schema, and the handler sees the transport.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { MessageOrigin, NodeMessageType } from '../../electron/node/extensions.ts';
import { peerKeyOf } from '../../electron/node/reputation/index.ts';
import { createSimMesh, serveDeviceOverTcp } from '../../electron/sim/index.ts';
import { simulatedRadios } from '../helpers/sim-radios.ts';
import { createTestNode, testMeshSettings, scaledClock } from '../helpers/test-node.ts';

const Reading = z.object({ site: z.string().min(1).max(32), waterLevelCm: z.number().int().min(0).max(10_000) }).strict();
type Reading = z.infer<typeof Reading>;

function weatherType(received: Array<{ value: Reading; origin: MessageOrigin }>): NodeMessageType<unknown> {
  const type: NodeMessageType<Reading> = {
    name: 'water-level',
    schema: Reading,
    lora: {
      code: 0x41,
      signed: true,
      codec: {
        encode: (value) => new TextEncoder().encode(`${value.waterLevelCm}|${value.site}`),
        decode: (bytes) => {
          const [level, ...site] = new TextDecoder().decode(bytes).split('|');
          return { site: site.join('|'), waterLevelCm: Number(level) };
        },
      },
    },
    handle: (value, origin) => received.push({ value, origin }),
  };
  return type as NodeMessageType<unknown>;
}

describe('custom message types over both transports', { timeout: 60_000 }, () => {
  const { scheduler, servers, nodes } = simulatedRadios(50);

  it('a water-level reading sent once arrives over IP and over LoRa, checked by one schema', async () => {
    const epochMs = Date.now();
    const clock = scaledClock(scheduler, epochMs);
    const mesh = createSimMesh({ nodes: 2, scheduler, topology: 'full', epochMs, announceWithinMs: false, seed: 9 });
    for (const device of mesh.devices) servers.push(await serveDeviceOverTcp(device));
    const received: Array<{ value: Reading; origin: MessageOrigin }> = [];
    const sender = await createTestNode({ clock, messageTypes: [weatherType([])] });
    nodes.push(sender);
    await sender.start();
    const receiver = await createTestNode({ clock, messageTypes: [weatherType(received)], mesh: { ...testMeshSettings, bootstrap: sender.gossip!.addresses() } });
    nodes.push(receiver);
    await receiver.start();
    for (const [index, node] of nodes.entries()) expect((await node.radio.connect({ kind: 'tcp', host: '127.0.0.1', port: servers[index]!.port })).ok).toBe(true);
    await expect.poll(() => receiver.gossip!.connectedPeers().length, { timeout: 15_000 }).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 1_500)); // a gossipsub heartbeat to graft the topic mesh

    const reading = { site: 'ford at km 12', waterLevelCm: 182 };
    await expect(sender.sendMessage('water-level', reading)).resolves.toEqual({ ip: true, lora: true });
    await expect.poll(() => received.map((entry) => entry.origin.transport).sort(), { timeout: 20_000 }).toEqual(['ip', 'lora']);
    for (const entry of received) expect(entry.value).toEqual(reading);
    expect(received.find((entry) => entry.origin.transport === 'ip')!.origin).toEqual({ transport: 'ip', peer: peerKeyOf(sender.identity.publicKey), verified: true });
    expect(received.find((entry) => entry.origin.transport === 'lora')!.origin).toMatchObject({ peer: sender.lora.sender.keyId, verified: true });

    // What the schema refuses is not sent at all.
    await expect(sender.sendMessage('water-level', { site: '', waterLevelCm: -1 })).rejects.toThrow(RangeError);
    await expect(sender.sendMessage('no-such-type', {})).rejects.toThrow(/no message type/);
  });
});
