// The merged peer list: one entry per identity across IP and LoRa, ordered, filtered by reputation.
import { describe, expect, it } from 'vitest';
import { mergePeers, loraPeersOf, selectPeers, type IpSighting, type PeerSources } from '../../../electron/node/api/mesh-view.ts';
import { keyIdOf } from '../../../electron/node/lora/keys.ts';
import { NodeIdentity } from '../../../electron/node/identity/index.ts';
import type { EmergencyRecord } from '../../../electron/node/lora/emergency-desk.ts';
import { emptyNode, type MeshNode as RadioNode } from '../../../electron/node/radio/session.ts';
import { peerKeyOf, ReputationBook } from '../../../electron/node/reputation/index.ts';

const clock = { now: () => 1_800_000_000_000 };
const idOf = () => peerKeyOf(NodeIdentity.generate().publicKey);
const radio = (nodeNum: number, extra: Partial<RadioNode> = {}): RadioNode => ({ ...emptyNode(nodeNum), ...extra });
const sighting = (peerId: string, extra: Partial<IpSighting> = {}): IpSighting => ({ peerId, transports: ['ip'], addresses: ['/ip4/10.0.0.2/tcp/7777'], storageCapacity: undefined, lastSeen: 1000, ...extra });

function sources(reputation: ReputationBook, extra: Partial<PeerSources>): PeerSources {
  return { ip: [], lora: [], known: [], connected: new Set(), ownPeerId: 'self', reputation, threshold: 0.3, ...extra };
}

describe('mergePeers', () => {
  it('makes one peer of an identity heard on IP and LoRa, with both transports, its radio name and the newest sighting', () => {
    const book = new ReputationBook(clock);
    const both = idOf();
    const peers = mergePeers(
      sources(book, {
        ip: [sighting(both, { lastSeen: 5000, storageCapacity: 1_000_000 })],
        lora: [{ radio: radio(0xa1, { longName: 'Ridge relay', lastHeard: 9000 }), peerKey: both }],
        connected: new Set([both]),
      }),
    );
    expect(peers).toEqual([
      {
        id: both,
        peerId: both,
        radioNodeId: '!000000a1',
        name: 'Ridge relay',
        keyId: expect.stringMatching(/^[0-9a-f]{16}$/),
        fingerprint: expect.stringMatching(/^[A-Z2-7]{4}(-[A-Z2-7]{4}){3}$/),
        transports: ['ip', 'lora'],
        addresses: ['/ip4/10.0.0.2/tcp/7777'],
        reputation: { score: 0.5, reasons: [] },
        lastSeen: 9000,
        storageCapacity: 1_000_000,
        connected: true,
        filtered: false,
      },
    ]);
  });

  it('keeps a radio whose key is unknown under its radio id, and lists identities only the reputation book knows', () => {
    const book = new ReputationBook(clock);
    const rated = idOf();
    book.report(rated, 'block_served');
    const peers = mergePeers(sources(book, { lora: [{ radio: radio(0xb2, { shortName: 'B2' }), peerKey: undefined }], known: [rated, '!000000b2'] }));
    expect(peers.map((peer) => [peer.id, peer.peerId, peer.name, peer.transports])).toEqual([
      [rated, rated, undefined, []],
      ['!000000b2', undefined, 'B2', ['lora']],
    ]);
  });

  it('flags peers below the threshold, puts them last, orders the rest by reputation then last seen, and never lists itself', () => {
    const book = new ReputationBook(clock);
    const [good, fresh, stale, forger] = [idOf(), idOf(), idOf(), idOf()];
    book.report(good, 'block_served', 3);
    book.report(forger, 'signature_invalid');
    const peers = mergePeers(
      sources(book, {
        ip: [sighting(forger, { lastSeen: 9999 }), sighting(stale, { lastSeen: 10 }), sighting(fresh, { lastSeen: 20 }), sighting(good), sighting('self')],
        ownPeerId: 'self',
      }),
    );
    expect(peers.map((peer) => peer.id)).toEqual([good, fresh, stale, forger]);
    expect(peers.map((peer) => peer.filtered)).toEqual([false, false, false, true]);
    expect(peers[3]!.reputation.reasons[0]).toMatchObject({ kind: 'signature_invalid', effect: 'bad', count: 1 });
    // A stricter threshold filters more.
    expect(mergePeers(sources(book, { ip: [sighting(fresh)], threshold: 0.6 }))[0]!.filtered).toBe(true);
  });
});

describe('selectPeers', () => {
  it('caps usable peers at maxPeers and adds filtered ones only when asked', () => {
    const book = new ReputationBook(clock);
    const ids = [idOf(), idOf(), idOf()];
    const forger = idOf();
    book.report(forger, 'signature_invalid');
    const merged = mergePeers(sources(book, { ip: [...ids, forger].map((id) => sighting(id)) }));
    expect(selectPeers(merged, 2, false)).toHaveLength(2);
    expect(selectPeers(merged, 2, false).some((peer) => peer.filtered)).toBe(false);
    expect(selectPeers(merged, 2, true).map((peer) => peer.filtered)).toEqual([false, false, true]);
  });
});

describe('loraPeersOf', () => {
  it('names a radio’s identity from a verified emergency it sent and the key ring; unverified ones prove nothing', () => {
    const signer = NodeIdentity.generate();
    const keys = new Map([['k1', signer.publicKey]]);
    const record = (fromNode: string, verified: boolean, signerKey = 'k1'): EmergencyRecord => ({
      id: `${fromNode}-${signerKey}`,
      direction: 'received',
      text: 'x',
      priority: 'urgent',
      at: 1,
      fromNode,
      signer: signerKey,
      verified,
      hops: 0,
      ackedBy: [],
      acknowledged: false,
    });
    const peers = loraPeersOf([radio(1), radio(2), radio(3)], new Map(), [record('!00000001', true), record('!00000002', false), record('!00000003', true, 'unknown')], (keyId) => keys.get(keyId));
    expect(peers.map((peer) => peer.peerKey)).toEqual([peerKeyOf(signer.publicKey), undefined, undefined]);
  });

  it('ties a radio to the key it announced, and lists every id of that one identity', () => {
    const owner = NodeIdentity.generate();
    const keyId = keyIdOf(owner.publicKey);
    const lora = loraPeersOf([radio(2)], new Map([[2, keyId]]), [], (id) => (id === keyId ? owner.publicKey : undefined));
    const [peer] = mergePeers(sources(new ReputationBook(clock), { lora }));
    expect(peer).toMatchObject({ id: peerKeyOf(owner.publicKey), peerId: peerKeyOf(owner.publicKey), radioNodeId: '!00000002', keyId, fingerprint: owner.fingerprint });
  });
});
