// The demo's mesh, all in this process: simulated radios, each served on loopback TCP exactly like a
// Wi-Fi node's port 4403 (the node connects through its real radio link), two other full Pakit nodes
// on those radios (demo-nodes.ts), a stock Meshtastic app on another, and libp2p peers on
// loopback that gossip like real nodes: two honest ones, and one that forges its signatures so the
// console shows a peer being filtered.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MeshSettings, RadioPort, RadioPortInfo } from '../../shared/contract/index.ts';
import { defaultMeshSettings } from '../node/config.ts';
import { GossipService } from '../node/gossip/index.ts';
import { NodeIdentity } from '../node/identity/index.ts';
import { nodeIdOf } from '../node/radio/session.ts';
import { BlockStore } from '../node/storage/index.ts';
import { createSimMesh, ScaledRealTimeScheduler, serveDeviceOverTcp, type DeviceTcpServer } from '../sim/index.ts';
import { LINE_SPACING_M, offsetPosition } from '../sim/node-data.ts';
import { answerDirectMessages, StockClient } from '../sim/stock-client.ts';
import { demoFiles, startDemoPakitNodes, type DemoStoredFile } from './demo-nodes.ts';

export type DemoMesh = {
  ports: RadioPortInfo[];
  /** Multiaddrs of the demo's IP peers, for the node's bootstrap list. */
  gossipPeers: string[];
  /** The files the demo's other Pakit nodes hold, and where they stand from the operator's radio. */
  files: DemoHeldFile[];
  /**
   * The radios have announced themselves. The node connects after this: its own first frames
   * would otherwise meet the far radio's announcement at the middle of the line.
   */
  announced: Promise<void>;
  close(): Promise<void>;
};

export type DemoHeldFile = DemoStoredFile & { holder: string; hopsAway: number };

/** Each demo peer announces every few seconds, so the health charts and the peer list move. */
const ANNOUNCE_EVERY_MS = 4000;
/** Every fifth announcement of an honest peer is its storage offer, the others new blocks. */
const STORAGE_EVERY = 5;
const SWITCH_ON_SPACING_MS = 3_000;
/** After the last radio's switch-on: its announcement and the relays of it (simulated: done by 6.6 s of 8 in 1,000 meshes). */
const ANNOUNCED_MARGIN_MS = 2_000;
/** After that, the stock app greets: the node has connected (a TCP handshake, no airtime) and heard the others. */
const GREETING_AFTER_MS = 4_000;
/** How long the far node's operator takes to read an alert and press "Seen". */
const DEMO_READER_MS = 15_000;
export const DEMO_GREETING = 'Hello from the far end of the demo mesh! I am a stock Meshtastic app. Send me a direct message and I will answer.';

/**
 * The demo's radios, by index. A line (operator – relay – stock app) with a branch: the far Pakit
 * node hears only the relay, so it and the stock app are both two hops (one relay) from the operator.
 */
const RADIO = { operator: 0, relay: 1, stockApp: 2, farNode: 3 } as const;
const RADIOS = 4;
/** The branch leaves the relay at this bearing (the line runs at 70°), 4 km like the line's spacing. */
const BRANCH_BEARING_DEG = 160;

export async function startDemoMesh(options: { networkId: string; version: string }): Promise<DemoMesh> {
  const scheduler = new ScaledRealTimeScheduler(1);
  const mesh = createSimMesh({
    nodes: RADIOS,
    scheduler,
    preset: 'LONG_FAST',
    region: 'EU_868',
    topology: 'line',
    epochMs: Date.now(),
    // Switched on 3 s apart from the far end, so the node's radio hears all others within about
    // 10 s (announcing together, the ends would collide at the relay, which hears them all).
    announceWithinMs: 200,
    switchedOnAtMs: (index) => (RADIOS - 1 - index) * SWITCH_ON_SPACING_MS,
    placeAt: (index, placed) => (index === RADIO.farNode ? offsetPosition(placed[RADIO.relay]!, LINE_SPACING_M, BRANCH_BEARING_DEG) : undefined),
    // Exact positions, as on a private channel, so the table's distances and the map are true to
    // the metre; the node's own radio (the first) has one, like a T-Beam with a GPS fix.
    positionPrecisionBits: 32,
    // Position and telemetry every 3 min, as an operator may set them on a private channel: one
    // broadcast lost to a collision is made good within minutes, not the firmware defaults' hour.
    positionIntervalMs: 3 * 60_000,
    telemetryIntervalMs: 3 * 60_000,
    // Every radio but the relay is an end, CLIENT_MUTE: an end's rebroadcast reaches only the relay,
    // which already has the packet, and while the node's radio sends that useless copy it cannot hear
    // the relay's own broadcasts (half duplex), whose telemetry then waits an hour for its next turn.
    role: (index) => (index === RADIO.relay ? 'CLIENT' : 'CLIENT_MUTE'),
  });
  const nodeNum = (index: number) => mesh.devices[index]!.nodeNum;
  // The line gave the far node's radio a link to the stock app's; the branch hangs off the relay instead.
  mesh.medium.unlink(nodeNum(RADIO.stockApp), nodeNum(RADIO.farNode));
  mesh.medium.link(nodeNum(RADIO.relay), nodeNum(RADIO.farNode));
  const announced = new Promise<void>((resolve) => scheduler.setTimer((RADIOS - 1) * SWITCH_ON_SPACING_MS + ANNOUNCED_MARGIN_MS, resolve));
  const servers: DeviceTcpServer[] = [];
  for (const device of mesh.devices) servers.push(await serveDeviceOverTcp(device, { host: '127.0.0.1', port: 0 }));
  const tcpPort = (index: number): RadioPort => ({ kind: 'tcp', host: servers[index]!.host, port: servers[index]!.port });
  const files = demoFiles();
  const pakitPlans = [
    { radio: RADIO.relay, hopsAway: 0, plan: { name: 'Pakit relay', port: tcpPort(RADIO.relay), files: [files.waterPoints] } },
    // Someone at the far node reads the operator's emergencies: the roll-call shows "seen by a person".
    { radio: RADIO.farNode, hopsAway: 1, plan: { name: 'Pakit far node', port: tcpPort(RADIO.farNode), files: [files.report, files.sketch], seesAlertsAfterMs: DEMO_READER_MS } },
  ];
  const pakitNodes = await startDemoPakitNodes({ networkId: options.networkId, version: options.version, plans: pakitPlans.map((entry) => entry.plan) });
  void announced.then(() => pakitNodes.connect());
  const gossip = await startDemoGossip(options.networkId);
  // A stock Meshtastic app on the far radio: someone to chat with, through the relay.
  const chatServer = servers[RADIO.stockApp]!;
  let stockApp: StockClient | undefined;
  let closing = false;
  const greeting = scheduler.setTimer((RADIOS - 1) * SWITCH_ON_SPACING_MS + ANNOUNCED_MARGIN_MS + GREETING_AFTER_MS, () => {
    void StockClient.connect(chatServer).then(
      (client) => {
        if (closing) return client.close();
        stockApp = client;
        answerDirectMessages(client);
        client.sendText(DEMO_GREETING);
      },
      () => undefined, // the demo goes on without its chat partner
    );
  });
  const userOf = (index: number): string | undefined => {
    if (index === RADIO.stockApp) return 'a stock Meshtastic app is using it';
    const pakit = pakitPlans.find((entry) => entry.radio === index);
    return pakit && `the demo’s ${pakit.plan.name} is using it`;
  };
  return {
    ports: servers.map((server, index) => ({
      port: { kind: 'tcp', host: server.host, port: server.port },
      label: `Sim node ${index + 1} ${nodeIdOf(nodeNum(index))} — ${server.host}:${server.port}${userOf(index) ? ` (${userOf(index)})` : ''}`,
      simulated: true,
    })),
    gossipPeers: gossip.addresses,
    files: pakitNodes.nodes.flatMap((node, index) => node.files.map((file) => ({ ...file, holder: node.name, hopsAway: pakitPlans[index]!.hopsAway }))),
    announced,
    async close() {
      closing = true;
      scheduler.clearTimer(greeting);
      stockApp?.close();
      await pakitNodes.close();
      await gossip.close();
      await Promise.all(servers.map((server) => server.close()));
      scheduler.stop();
    },
  };
}

/**
 * The demo node's mesh: it joins the demo's peers on loopback (a free port unless --mesh-listen
 * says otherwise) and never looks for strangers on the LAN.
 */
export function demoNodeMesh(settings: MeshSettings, demo: Pick<DemoMesh, 'gossipPeers'>): MeshSettings {
  return { ...settings, listen: settings.listen ?? { host: '127.0.0.1', port: 0 }, mdns: false, bootstrap: demo.gossipPeers };
}

type DemoPeer = { service: GossipService; store: BlockStore; role: 'honest' | 'forger'; capacity: number };

async function startDemoGossip(networkId: string): Promise<{ addresses: string[]; close(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'pakit-demo-peers-'));
  const settings = { ...defaultMeshSettings, networkId };
  const roles = [
    { role: 'honest', capacity: 2 * 2 ** 30 },
    { role: 'honest', capacity: 500 * 2 ** 20 },
    { role: 'forger', capacity: 10 * 2 ** 30 },
  ] as const;
  const peers = await Promise.all(
    roles.map(async ({ role, capacity }, index): Promise<DemoPeer> => {
      const store = await BlockStore.open(join(dir, `peer-${index + 1}`));
      const identity = role === 'forger' ? forgingIdentity() : NodeIdentity.generate();
      const service = new GossipService({ identity, store, settings, listen: { host: '127.0.0.1', port: 0 }, mdns: false, dht: false });
      await service.start();
      return { service, store, role, capacity };
    }),
  );
  let closed = false;
  const timers = peers.map((peer, index) => {
    let round = 0;
    const announce = async () => {
      round += 1;
      if (peer.role === 'honest' && round % STORAGE_EVERY === 1) {
        await peer.service.announceStorage(peer.capacity, peer.store.list());
        return;
      }
      const report = new TextEncoder().encode(`Field report ${round} from demo peer ${index + 1}, ${new Date().toISOString()}: water point 3 is dry.`);
      const cid = await peer.store.store(peer.role === 'forger' ? randomBytes(200) : report);
      await peer.service.announceBlock(cid, peer.store.sizeOf(cid) ?? 0);
    };
    // Staggered, so the peers do not all speak at once.
    return setInterval(() => void announce().catch(() => closed || undefined), ANNOUNCE_EVERY_MS + index * 700);
  });
  return {
    addresses: peers.flatMap((peer) => peer.service.addresses()),
    async close() {
      closed = true;
      for (const timer of timers) clearInterval(timer);
      await Promise.all(peers.map((peer) => peer.service.stop()));
      for (const peer of peers) peer.store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A real libp2p key, so its connections and gossipsub envelopes are valid, but announcements signed
 * with a throw-away key: every receiver finds the signature forged and filters the author.
 */
function forgingIdentity(): NodeIdentity {
  const real = NodeIdentity.generate();
  const other = NodeIdentity.generate();
  const forger: Pick<NodeIdentity, 'publicKey' | 'fingerprint' | 'libp2pPrivateKey' | 'sign'> = {
    publicKey: real.publicKey,
    fingerprint: real.fingerprint,
    libp2pPrivateKey: () => real.libp2pPrivateKey(),
    sign: (bytes) => other.sign(bytes),
  };
  return forger as NodeIdentity;
}
