// The mesh runner on virtual time with a stand-in gossip service: health samples and rates, start
// failures as operator errors, the peer list (filtered peers kept), the discovery loop.
import { describe, expect, it } from 'vitest';
import type { EventPayload } from '../../../shared/contract/index.ts';
import { MeshRunner, type GossipPort } from '../../../electron/node/api/mesh-runner.ts';
import type { LoraPeer } from '../../../electron/node/api/mesh-view.ts';
import { defaultMeshSettings } from '../../../electron/node/config.ts';
import { EventHub } from '../../../electron/node/event-hub.ts';
import { GossipError, type GossipHealth, type PeerSummary, type ReceivedAnnouncement } from '../../../electron/node/gossip/index.ts';
import { emptyNode } from '../../../electron/node/radio/session.ts';
import { ReputationBook } from '../../../electron/node/reputation/index.ts';
import { VirtualScheduler } from '../../../electron/sim/index.ts';
import { virtualClock } from '../radio/radio-fakes.ts';

const CID = 'bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku';

/** What the runner sees of a gossip service: a directory, connections and counters set by the test. */
class FakeGossip implements GossipPort {
  running = false;
  failStart: Error | undefined;
  stats = { messagesIn: 0, messagesOut: 0, messagesRejected: 0, messagesIgnored: 0, lastGossipAt: null as number | null };
  directory: PeerSummary[] = [];
  connected: string[] = [];
  requestOutcome: Error | Uint8Array = new Uint8Array(10);
  readonly listeners = new Set<(message: ReceivedAnnouncement) => void>();
  readonly reputation: ReputationBook;

  constructor(reputation: ReputationBook) {
    this.reputation = reputation;
  }

  async start() {
    if (this.failStart) throw this.failStart;
    this.running = true;
  }
  async stop() {
    this.running = false;
  }
  addresses() {
    return ['/ip4/127.0.0.1/tcp/4001/p2p/self'];
  }
  health(): GossipHealth {
    return { running: this.running, connected: this.connected.length > 0, peerCount: this.connected.length, ...this.stats };
  }
  connectedPeers() {
    return [...this.connected];
  }
  discoverPeers(maxPeers = 50) {
    return this.directory.filter((peer) => !this.reputation.isFiltered(peer.peerId, 0.3)).slice(0, maxPeers);
  }
  discoverStoragePeers(maxPeers = 50) {
    return this.discoverPeers(maxPeers).filter((peer) => peer.storageCapacity !== undefined);
  }
  async findBlockPeers() {
    return this.directory.map((peer) => peer.peerId);
  }
  async requestBlockFromPeers() {
    if (this.requestOutcome instanceof Error) throw this.requestOutcome;
    return this.requestOutcome;
  }
  async announceBlock() {
    this.stats.messagesOut++;
    return {} as never;
  }
  async announceStorage() {}
  onAnnouncement(listener: (message: ReceivedAnnouncement) => void) {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

const peer = (peerId: string, extra: Partial<PeerSummary> = {}): PeerSummary => ({
  peerId,
  reputation: 0.5,
  transports: ['ip'],
  addresses: [`/ip4/127.0.0.1/tcp/1/p2p/${peerId}`],
  storageCapacity: undefined,
  lastSeen: 0,
  connected: true,
  ...extra,
});

function setup(options: { enabled?: boolean; discoveryIntervalS?: number; maxPeers?: number; radios?: LoraPeer[] } = {}) {
  const scheduler = new VirtualScheduler();
  const clock = virtualClock(scheduler);
  const reputation = new ReputationBook(clock);
  const gossip = new FakeGossip(reputation);
  const hub = new EventHub();
  const events: { name: string; payload: unknown }[] = [];
  hub.subscribe((name, payload) => events.push({ name, payload }));
  const logs: string[] = [];
  const runner = new MeshRunner({
    gossip: options.enabled === false ? undefined : gossip,
    settings: { ...defaultMeshSettings, discoveryIntervalS: options.discoveryIntervalS ?? 30, maxPeers: options.maxPeers ?? 50 },
    listen: { host: '0.0.0.0', port: 7777 },
    ownPeerId: 'self',
    reputation,
    loraPeers: () => options.radios ?? [],
    hub,
    clock,
    log: (level, message) => logs.push(`${level} ${message}`),
    historySize: 3,
  });
  const latest = <E extends 'mesh.health' | 'mesh.peers'>(name: E) => events.filter((event) => event.name === name).at(-1)?.payload as EventPayload<E> | undefined;
  return { scheduler, reputation, gossip, runner, events, logs, latest };
}

describe('MeshRunner', () => {
  it('samples health every 2 s with message rates from the counters, keeps a bounded history and publishes each sample', async () => {
    const { scheduler, gossip, runner, latest } = setup();
    await runner.open();
    expect(runner.health()).toMatchObject({ phase: 'running', running: true, peerId: 'self', addresses: ['/ip4/127.0.0.1/tcp/4001/p2p/self'] });
    gossip.connected = ['a', 'b'];
    gossip.stats.messagesIn = 10;
    gossip.stats.messagesOut = 4;
    scheduler.advanceBy(2000);
    expect(latest('mesh.health')).toMatchObject({ peerCount: 2, connected: true, messagesIn: 10, messagesInPerSecond: 5, messagesOutPerSecond: 2 });
    scheduler.advanceBy(2000);
    expect(latest('mesh.health')).toMatchObject({ messagesInPerSecond: 0, messagesOutPerSecond: 0 });
    scheduler.advanceBy(4000);
    expect(runner.history(100)).toHaveLength(3);
    expect(runner.history(100).map((sample) => sample.sampledAt)).toEqual([4000, 6000, 8000]);
    await runner.close();
    scheduler.advanceBy(10_000);
    expect(runner.history(100).at(-1)!.sampledAt).toBe(8000);
    expect(runner.phase).toBe('stopped');
  });

  it('turns a port in use into an operator error, keeps running without gossip, and starts once the port is free', async () => {
    const { gossip, runner, logs, latest } = setup();
    gossip.failStart = new Error('Some configured addresses failed to be listened on:\n  /ip4/0.0.0.0/tcp/7777: Error: listen EADDRINUSE: address already in use');
    await runner.open();
    const health = runner.health();
    expect(health).toMatchObject({ phase: 'failed', running: false, error: { code: 'unavailable', reason: 'listen_in_use' } });
    expect(health.error?.message).toContain('0.0.0.0:7777');
    expect(health.error?.fix).toContain('MESH_LISTEN');
    expect(latest('mesh.health')?.phase).toBe('failed');
    expect(logs.some((line) => line.startsWith('error Cannot listen for mesh peers on 0.0.0.0:7777'))).toBe(true);
    await expect(runner.announceBlock(CID, 1)).rejects.toMatchObject({ error: { reason: 'mesh_not_running' } });

    gossip.failStart = undefined;
    expect(await runner.start()).toMatchObject({ phase: 'running' });
    expect(runner.health().error).toBeUndefined();
    await runner.close();
  });

  it('with the IP mesh disabled, refuses its operations but still lists LoRa radios as peers', async () => {
    const radio = { ...emptyNode(0xc3), longName: 'Valley', shortName: 'VAL', snr: 6, lastHeard: 500, hopsAway: 1, batteryLevel: 80 };
    const { scheduler, runner, events, latest } = setup({ enabled: false, radios: [{ radio, peerKey: undefined }] });
    await runner.open();
    expect(runner.health()).toMatchObject({ phase: 'disabled', running: false, addresses: [] });
    await expect(runner.start()).rejects.toMatchObject({ error: { code: 'unavailable', reason: 'mesh_disabled' } });
    await expect(runner.findBlockPeers(CID, 5)).rejects.toMatchObject({ error: { reason: 'mesh_disabled' } });
    expect(latest('mesh.peers')).toMatchObject([{ id: '!000000c3', name: 'Valley', transports: ['lora'], lastSeen: 500 }]);
    scheduler.advanceBy(60_000);
    expect(events.filter((event) => event.name === 'mesh.health')).toEqual([]);
    await runner.close();
  });

  it('keeps a peer in the list, flagged, after it is filtered and gossip stops listing it; says why in the log', async () => {
    const { scheduler, gossip, reputation, runner, logs, latest } = setup();
    await runner.open();
    gossip.directory = [peer('honest', { storageCapacity: 5000 }), peer('forger')];
    gossip.connected = ['honest', 'forger'];
    scheduler.advanceBy(2000);
    scheduler.advanceBy(500);
    expect(latest('mesh.peers')?.map((entry) => entry.id).sort()).toEqual(['forger', 'honest']);

    reputation.report('forger', 'signature_invalid');
    scheduler.advanceBy(500);
    const peers = latest('mesh.peers')!;
    expect(peers.map((entry) => [entry.id, entry.filtered])).toEqual([
      ['honest', false],
      ['forger', true],
    ]);
    expect(peers[1]).toMatchObject({ addresses: ['/ip4/127.0.0.1/tcp/1/p2p/forger'], transports: ['ip'] });
    expect(peers[1]!.reputation.reasons[0]).toMatchObject({ kind: 'signature_invalid' });
    expect(logs).toContainEqual(expect.stringMatching(/^warn peer forger filtered \(reputation 0\.\d\d, below 0\.30\): forged or invalid signatures$/));
    expect(runner.peers().map((entry) => entry.id)).toEqual(['honest']);
    expect(runner.peers(50, true).map((entry) => entry.id)).toEqual(['honest', 'forger']);
    expect(runner.health().filteredCount).toBe(1);
    expect(runner.storagePeers().map((entry) => [entry.id, entry.storageCapacity])).toEqual([['honest', 5000]]);
    await runner.close();
  });

  it('says when a filtered peer leaves the filter as the evidence against it fades, and why', async () => {
    const { scheduler, gossip, reputation, runner, logs } = setup();
    await runner.open();
    gossip.directory = [peer('sloppy')];
    gossip.connected = ['sloppy'];
    reputation.report('sloppy', 'message_invalid', 2);
    scheduler.advanceBy(30_000);
    expect(logs).toContainEqual(expect.stringMatching(/^warn peer sloppy filtered \(reputation 0\.2\d, below 0\.30\): malformed or invalid messages$/));
    expect(logs.some((line) => line.includes('no longer filtered'))).toBe(false);
    // As they fade (half-life 30 min) the score climbs back over the threshold, and the log says so.
    scheduler.advanceBy(60 * 60_000);
    expect(runner.peers().map((entry) => entry.id)).toEqual(['sloppy']);
    expect(logs).toContainEqual(
      expect.stringMatching(/^info peer sloppy no longer filtered \(reputation 0\.\d\d, threshold 0\.30\): the malformed or invalid messages against it now weigh \d\.\d\d as they fade with time$/),
    );
    await runner.close();
  });

  it('a peer filtered the moment it speaks is still listed as connected over IP when it was filtered', async () => {
    const { scheduler, gossip, reputation, runner, latest } = setup();
    await runner.open();
    gossip.connected = ['sudden'];
    reputation.report('sudden', 'signature_invalid');
    scheduler.advanceBy(500);
    expect(latest('mesh.peers')).toMatchObject([{ id: 'sudden', transports: ['ip'], filtered: true, lastSeen: 0 }]);
    await runner.close();
  });

  it('runs the discovery loop every MESH_DISCOVERY_INTERVAL with at most MESH_MAX_PEERS peers, logging who joined', async () => {
    const { scheduler, gossip, runner, logs, latest } = setup({ discoveryIntervalS: 10, maxPeers: 2 });
    await runner.open();
    gossip.directory = [peer('a', { lastSeen: 3 }), peer('b', { lastSeen: 2 }), peer('c', { lastSeen: 1 })];
    scheduler.advanceBy(9999);
    expect(logs.filter((line) => line.includes('discovery'))).toEqual([]);
    scheduler.advanceBy(1);
    expect(logs.filter((line) => line.includes('discovery'))).toEqual(['info discovery: 2 peers (2 new)']);
    expect(latest('mesh.peers')?.map((entry) => entry.id)).toEqual(['a', 'b']);
    scheduler.advanceBy(10_000);
    expect(logs.filter((line) => line.includes('discovery'))).toHaveLength(1);
    await runner.close();
  });

  it('maps fetch failures to typed refusals: nobody served it, or the file did not match its id', async () => {
    const { gossip, runner } = setup();
    await runner.open();
    expect(await runner.requestBlock(CID)).toBe(10);
    gossip.requestOutcome = new GossipError('not_found', `no peer served ${CID} (asked 0)`);
    await expect(runner.requestBlock(CID)).rejects.toMatchObject({ error: { code: 'not_found', reason: 'no_holder' } });
    gossip.requestOutcome = new GossipError('file_mismatch', 'stored as bafkx, expected bafky');
    await expect(runner.requestBlock(CID)).rejects.toMatchObject({ error: { code: 'data_corrupt', reason: 'file_mismatch' } });
    await runner.close();
  });
});
