// The bridge's two checks: the gossip body carries the author's LoRa signature intact (anything
// altered is refused), and each message crosses at most once per bridge in each direction.
import { describe, expect, it } from 'vitest';
import { BRIDGE_MESSAGE_KIND, bridgeMessageType, LoraIpBridge, type BridgedDelivery } from '../../../electron/node/bridge/index.ts';
import type { ReceivedAnnouncement } from '../../../electron/node/gossip/index.ts';
import type { RelayedMessage } from '../../../electron/node/lora/relayed.ts';
import { identity, NETWORK, NOW, senderFor } from '../lora/lora-fixtures.ts';

const author = identity(1);
const emergency = senderFor(1).encode({ type: 'emergency', priority: 'urgent', hopLimit: 7, text: 'Flood at the ford' }, NOW).bytes;
const bodyOf = (bytes: Uint8Array, key = author.publicKey) => ({ message: Buffer.from(bytes).toString('base64'), key: Buffer.from(key).toString('base64') });

describe('bridge message type (gossip body check)', () => {
  const { check } = bridgeMessageType(NETWORK);

  it('accepts an author-signed emergency and returns it with the author key id and seq', () => {
    const checked = check(bodyOf(emergency)) as RelayedMessage;
    expect(checked).toMatchObject({ ok: true, type: 'emergency', keyId: senderFor(1).keyId });
    expect(Buffer.from(checked.bytes)).toEqual(Buffer.from(emergency));
  });

  it('accepts the message with its hop count raised (hops are outside the signature)', () => {
    const relayed = Uint8Array.from(emergency);
    relayed[1] = 3;
    expect(check(bodyOf(relayed))).toMatchObject({ ok: true });
  });

  it('refuses an altered text, another key, another network, unsigned types and junk', () => {
    const altered = Uint8Array.from(emergency);
    altered[20] = altered[20]! ^ 1;
    expect(check(bodyOf(altered))).toBeUndefined();
    expect(check(bodyOf(emergency, identity(2).publicKey))).toBeUndefined();
    expect(bridgeMessageType('another-net').check(bodyOf(emergency))).toBeUndefined();
    const ack = senderFor(1).encode({ type: 'emergency-ack', emergencyKeyId: '0011223344556677', emergencySeq: 5, acker: '8899aabbccddeeff' }, NOW).bytes;
    expect(check(bodyOf(ack))).toBeUndefined();
    expect(check({ message: 'not base64!', key: '' })).toBeUndefined();
    expect(check({ ...bodyOf(emergency), extra: 1 })).toBeUndefined();
    expect(check(bodyOf(new Uint8Array(400)))).toBeUndefined();
  });
});

function harness(acceptOutcome: BridgedDelivery = 'delivered') {
  const loraListeners: Array<(message: RelayedMessage) => void> = [];
  const gossipListeners: Array<(message: ReceivedAnnouncement) => void> = [];
  const published: unknown[] = [];
  const accepted: RelayedMessage[] = [];
  const bridge = new LoraIpBridge({
    lora: {
      onRelayable: (listener) => (loraListeners.push(listener), () => loraListeners.splice(loraListeners.indexOf(listener), 1)),
      acceptRelayed: (message) => (accepted.push(message), acceptOutcome),
    },
    gossip: {
      publish: async (kind, body) => published.push({ kind, body }),
      onAnnouncement: (listener) => (gossipListeners.push(listener), () => gossipListeners.splice(gossipListeners.indexOf(listener), 1)),
    },
  });
  bridge.start();
  const message = bridgeMessageType(NETWORK).check(bodyOf(emergency)) as RelayedMessage;
  const heardOnLora = () => loraListeners.forEach((listener) => listener(message));
  const heardOnIp = (kind = BRIDGE_MESSAGE_KIND) =>
    gossipListeners.forEach((listener) => listener({ kind, author: 'peer', body: message, announcement: {} as never, receivedAt: NOW }));
  return { bridge, published, accepted, heardOnLora, heardOnIp, loraListeners };
}

describe('LoraIpBridge', () => {
  it('passes a LoRa message to gossip once, with the original bytes and key', async () => {
    const { bridge, published, heardOnLora } = harness();
    heardOnLora();
    heardOnLora();
    await Promise.resolve();
    expect(published).toEqual([{ kind: BRIDGE_MESSAGE_KIND, body: bodyOf(emergency) }]);
    expect(bridge.stats.toIp).toBe(1);
  });

  it('hands an IP message to LoRa once, and never sends back out what came in', () => {
    const { bridge, published, accepted, heardOnIp, heardOnLora } = harness();
    heardOnIp();
    heardOnIp();
    heardOnLora();
    expect(accepted).toHaveLength(1);
    expect(published).toEqual([]);
    expect(bridge.stats).toMatchObject({ fromIp: 1, toIp: 0 });
  });

  it('ignores other gossip kinds and counts what the radio side had already heard', () => {
    const { bridge, accepted, heardOnIp } = harness('already_heard');
    heardOnIp('block');
    expect(accepted).toEqual([]);
    heardOnIp();
    expect(bridge.stats).toMatchObject({ fromIp: 0, alreadyHeard: 1 });
  });

  it('stop() unsubscribes from both sides', () => {
    const { bridge, loraListeners } = harness();
    bridge.stop();
    expect(loraListeners).toEqual([]);
  });
});
