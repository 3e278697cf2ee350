// Emergencies end to end: three real nodes, each on its own simulated radio (TCP, like port 4403),
// one simulated mesh between them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PakitNode } from '../../electron/node/node.ts';
import { NEUTRAL_SCORE, peerKeyOf } from '../../electron/node/reputation/index.ts';
import { createSimMesh, ScaledRealTimeScheduler, serveDeviceOverTcp, type DeviceTcpServer } from '../../electron/sim/index.ts';
import { createTestNode } from '../helpers/test-node.ts';

describe('emergency broadcast over the simulated mesh', { timeout: 150_000 }, () => {
  const scheduler = new ScaledRealTimeScheduler(50);
  const servers: DeviceTcpServer[] = [];
  let alice: PakitNode;
  let bob: PakitNode;
  let mallory: PakitNode;
  const bobHeard: Uint8Array[] = [];

  beforeAll(async () => {
    const mesh = createSimMesh({ nodes: 3, scheduler, topology: 'full', epochMs: Date.now(), announceWithinMs: false });
    for (const device of mesh.devices) servers.push(await serveDeviceOverTcp(device));
    [alice, bob, mallory] = await Promise.all([createTestNode(), createTestNode(), createTestNode()]);
    for (const [index, node] of [alice, bob, mallory].entries()) {
      const started = await node.radio.connect({ kind: 'tcp', host: '127.0.0.1', port: servers[index]!.port });
      expect(started.ok).toBe(true);
    }
    bob.radio.on('packet', (packet) => bobHeard.push(packet.payload));
  });

  afterAll(async () => {
    for (const node of [alice, bob, mallory]) await node?.stop();
    await Promise.all(servers.map((server) => server.close()));
    scheduler.stop();
  });

  it('reaches the other node verified, and the sender sees who acknowledged', async () => {
    const sent = alice.lora.emergencies.send({ text: 'Fire on the north ridge, evacuate camp 2', priority: 'life_threatening', confirmedAgain: false });
    expect(sent.ok).toBe(true);
    if (!sent.ok) return;
    await expect.poll(() => bob.lora.emergencies.history().find((record) => record.id === sent.record.id)?.verified, { timeout: 30_000 }).toBe(true);
    const received = bob.lora.emergencies.history()[0]!;
    expect(received).toMatchObject({ direction: 'received', text: 'Fire on the north ridge, evacuate camp 2', priority: 'life_threatening', acknowledged: false });
    expect(received.fromNode).toBe(alice.radio.device?.nodeId);
    // Bob spreads his ack over 2-10 s of real time; a lost one is asked for again a minute after the send.
    await expect.poll(() => alice.lora.emergencies.history().find((record) => record.id === sent.record.id)?.ackedBy, { timeout: 90_000 }).toContain(bob.lora.sender.keyId);
    expect(bob.lora.emergencies.acknowledge(received.id)).toBe(true);
    // What each did on LoRa counts in its reputation: Alice's signed emergency for her, Bob's ack for
    // him (credited to his radio, under his identity once his key announcement tied the two).
    const reasons = (book: PakitNode, peer: string) => book.reputation.explain(peer).reasons.map((reason) => reason.kind);
    expect(reasons(bob, peerKeyOf(alice.identity.publicKey))).toContain('message_valid');
    const credited = [peerKeyOf(bob.identity.publicKey), bob.radio.device!.nodeId].find((peer) => reasons(alice, peer).includes('request_answered'));
    expect(credited).toBeDefined();
    expect(alice.reputation.score(credited!)).toBeGreaterThan(NEUTRAL_SCORE);
  });

  it('holds a second emergency within the cool-down until the operator confirms again', () => {
    const again = alice.lora.emergencies.send({ text: 'Second alarm', priority: 'urgent', confirmedAgain: false });
    expect(again).toMatchObject({ ok: false, reason: 'cooling_down' });
    expect(alice.lora.emergencies.send({ text: 'Second alarm', priority: 'urgent', confirmedAgain: true }).ok).toBe(true);
  });

  it('refuses a replayed emergency and a forged one, sent from another radio', async () => {
    await expect.poll(() => bob.lora.emergencies.history().filter((record) => record.direction === 'received').length, { timeout: 30_000 }).toBe(2);
    const original = bobHeard.find((payload) => new TextDecoder().decode(payload).includes('Fire on the north ridge'));
    if (!original) throw new Error('bob never heard the emergency frame');
    // A forgery under Alice's key id: other words and a fresh sequence number (bytes 14-17, after
    // the frame header, type, hops and key id), so only the signature can give it away.
    const forged = Uint8Array.from(original);
    forged.set(new TextEncoder().encode('Fake'), Buffer.from(original).indexOf('Fire')); // a byte offset, not a character index
    new DataView(forged.buffer).setUint32(14, new DataView(forged.buffer).getUint32(14) + 100);

    // Bob knows Mallory's radio by her key-announce, so he can tell whose radio sends the forgery.
    await expect.poll(() => bob.lora.receiver.keys.has(mallory.lora.sender.keyId), { timeout: 30_000 }).toBe(true);
    const refusalsBefore = bob.lora.receiver.rejectionsOf(mallory.radio.device!.nodeNum);
    // Let the acks of the earlier emergencies clear the air first.
    const pending = (node: PakitNode) => node.radio.outbox().length + Object.values(node.lora.queueDepth()).reduce((sum, depth) => sum + depth, 0);
    await expect.poll(() => pending(alice) + pending(bob), { timeout: 30_000 }).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 300)); // 15 s of radio time for the last frames on air
    // Sent to Bob's radio with want_ack, one at a time on a quiet channel: the device retransmits
    // until Bob's radio confirms, so a collision cannot hide the frame from him.
    const refusals = () => bob.lora.receiver.rejectionsOf(mallory.radio.device!.nodeNum) as Record<string, number>;
    expect(mallory.radio.enqueue({ messageId: 'replay', to: bob.radio.device!.nodeNum, payload: original, wantAck: true, hopLimit: 3 }).ok).toBe(true);
    await expect.poll(() => (refusals().duplicate ?? 0) + (refusals().replay ?? 0), { timeout: 30_000 }).toBeGreaterThan(
      ((refusalsBefore as Record<string, number>).duplicate ?? 0) + ((refusalsBefore as Record<string, number>).replay ?? 0),
    );
    expect(mallory.radio.enqueue({ messageId: 'forgery', to: bob.radio.device!.nodeNum, payload: forged, wantAck: true, hopLimit: 3 }).ok).toBe(true);
    await expect.poll(() => refusals().bad_signature ?? 0, { timeout: 30_000 }).toBeGreaterThan(0);
    // The forgery names Alice's key; the blame goes to the radio that sent it, Mallory's identity.
    const reasonsAgainst = (node: PakitNode) => bob.reputation.explain(peerKeyOf(node.identity.publicKey)).reasons.map((reason) => reason.kind);
    expect(reasonsAgainst(mallory)).toContain('signature_invalid');
    expect(bob.reputation.score(peerKeyOf(mallory.identity.publicKey))).toBeLessThan(NEUTRAL_SCORE);
    expect(reasonsAgainst(alice)).not.toContain('signature_invalid');
    expect(bob.lora.emergencies.history().filter((record) => record.direction === 'received')).toHaveLength(2);
    expect(bob.lora.emergencies.history().some((record) => record.text.startsWith('Fake'))).toBe(false);
  });
});
