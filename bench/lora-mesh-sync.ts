// Index sync on a mesh (issue 12): 20 real nodes, each on its own simulated radio over TCP, on a
// random geometric mesh (radios at random in a 12 km square, in range within 5 km: several hops
// across), LONG_FAST EU_868, 5 % of receptions lost, node and radio time TIME_SCALE x the wall
// clock. The nodes connect with empty stores and settle; then each stores 5 blocks of its own.
//   lora.mesh.sync_converge_s: radio seconds from those stores until all 20 mesh index roots are
//     equal (every node knows all 100 new ids).
//   lora.mesh.sync_bytes_per_node: payload bytes of every Pakit frame on air in that time (index
//     and key announces, sync messages, fragments, every relay's copy, the firmware's acks of
//     them), divided by 20.
// The log compares the bytes with a naive flood measured from the same mesh: every new id (33 bytes)
// sent once by every node.
import { Portnums } from '@meshtastic/protobufs';
import { randomBytes } from 'node:crypto';
import { builtinTypeOf } from '../electron/node/lora/messages.ts';
import type { PakitNode } from '../electron/node/node.ts';
import { createSimMesh, ScaledRealTimeScheduler, serveDeviceOverTcp } from '../electron/sim/index.ts';
import { watchAir } from '../test/helpers/air.ts';
import { connectNodesToRadios, scaledClock } from '../test/helpers/test-node.ts';

const NODES = 20;
const IDS_PER_NODE = 5;
const TIME_SCALE = 50;
const LAYOUT = { areaM: 12_000, rangeM: 5_000 } as const;
const LOSS = 0.05;
/** Radio time the mesh gets to converge before the run counts as failed. */
const CONVERGE_LIMIT_MS = 6 * 3_600_000;
const ID_BYTES = 33;

const PROGRESS_EVERY_MS = 5 * 60_000;

/** Where the mesh stands: distinct roots, the spread of known ids, sessions by state and why they failed. */
function progress(nodes: readonly PakitNode[], seconds: number): string {
  const views = nodes.map((node) => node.lora.syncView());
  const counts = views.map((view) => view.summary.block_count);
  const states = new Map<string, number>();
  for (const peer of views.flatMap((view) => view.peers)) {
    const key = peer.error ? `${peer.state}:${peer.error.reason}` : peer.state;
    states.set(key, (states.get(key) ?? 0) + 1);
  }
  const behind = views[counts.indexOf(Math.min(...counts))]!;
  const behindPeers = behind.peers.map((peer) => `${peer.peer}:${peer.state}${peer.error ? `(${peer.error.detail})` : ''}:${peer.learned}`).join(' ');
  return `after ${(seconds / 60).toFixed(0)} min: ${roots(nodes)} roots, ids known ${Math.min(...counts)}..${Math.max(...counts)}, peers ${JSON.stringify(Object.fromEntries(states))}; furthest behind: ${behindPeers}`;
}

const roots = (nodes: readonly PakitNode[]) => new Set(nodes.map((node) => node.lora.syncView().summary.root_hash)).size;

async function until(condition: () => boolean, limitMs: number, now: () => number, what: string): Promise<void> {
  const deadline = now() + limitMs;
  while (!condition()) {
    if (now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export async function measureMeshSync(log: (line: string) => void, seed = 12): Promise<Record<string, number>> {
  const scheduler = new ScaledRealTimeScheduler(TIME_SCALE);
  const epochMs = Date.now();
  const clock = scaledClock(scheduler, epochMs);
  const mesh = createSimMesh({ nodes: NODES, scheduler, geometric: LAYOUT, lossRate: LOSS, epochMs, announceWithinMs: 60_000, seed });
  const nums = mesh.devices.map((device) => device.nodeNum);
  const links = nums.flatMap((a, i) => nums.slice(i + 1).filter((b) => mesh.medium.linkBetween(a, b)));
  log(`mesh: ${NODES} radios, ${links.length} links of ${(NODES * (NODES - 1)) / 2} pairs, ${LOSS * 100} % loss, LONG_FAST EU_868`);
  const meter = { counting: false, bytes: 0, frames: 0, byKind: new Map<string, number>() };
  const counted = new Set<number>();
  watchAir(mesh, ({ frame, data, code }) => {
    if (!meter.counting) return;
    const ours = code !== undefined;
    if (ours) counted.add(frame.id);
    if (ours || (data.portnum === Portnums.PortNum.ROUTING_APP && counted.has(data.requestId))) {
      meter.bytes += data.payload.length;
      meter.frames += 1;
      const kind = code === undefined ? 'routing' : (builtinTypeOf(code) ?? `0x${code.toString(16)}`);
      meter.byKind.set(kind, (meter.byKind.get(kind) ?? 0) + data.payload.length);
    }
  });
  const servers = await Promise.all(mesh.devices.map((device) => serveDeviceOverTcp(device)));
  const nodes: PakitNode[] = [];
  try {
    // The radios' own NodeInfo first (within a minute of radio time): each then knows who is beyond its neighbours.
    await until(() => scheduler.now() > 70_000, 60_000, () => Date.now(), 'the radios to announce themselves');
    await connectNodesToRadios(servers, clock, nodes);
    // Connect-time key and index announces (within 90 s) and the key requests they raise.
    await until(() => scheduler.now() > 70_000 + 150_000, 60_000, () => Date.now(), 'the connect-time announces');
    const startedAt = scheduler.now();
    meter.counting = true;
    for (const node of nodes) for (let i = 0; i < IDS_PER_NODE; i++) await node.store.store(randomBytes(64));
    let nextReport = scheduler.now() + PROGRESS_EVERY_MS;
    let lastAirtime = mesh.devices.map((device) => mesh.medium.airtimeUsedMs(device.nodeNum));
    await until(
      () => {
        if (scheduler.now() >= nextReport) {
          nextReport += PROGRESS_EVERY_MS;
          const airtime = mesh.devices.map((device) => mesh.medium.airtimeUsedMs(device.nodeNum));
          const busiest = Math.max(...airtime.map((ms, i) => ms - (lastAirtime[i] ?? 0)));
          lastAirtime = airtime;
          log(`${progress(nodes, (scheduler.now() - startedAt) / 1000)}; busiest radio on air ${((100 * busiest) / PROGRESS_EVERY_MS).toFixed(1)} % of the interval`);
        }
        return roots(nodes) === 1;
      },
      CONVERGE_LIMIT_MS,
      () => scheduler.now(),
      'all roots to be equal',
    );
    const convergeS = (scheduler.now() - startedAt) / 1000;
    meter.counting = false;
    const counts = nodes.map((node) => node.lora.syncView().summary.block_count);
    if (counts.some((count) => count !== NODES * IDS_PER_NODE)) throw new Error(`roots equal but block counts ${counts.join(',')}`);
    const perNode = meter.bytes / NODES;
    const naiveFlood = NODES * IDS_PER_NODE * ID_BYTES;
    log(`converged in ${convergeS.toFixed(0)} s of radio time (${(convergeS / 60).toFixed(1)} min); ${meter.frames} frames, ${meter.bytes} payload bytes on air = ${perNode.toFixed(0)} per node`);
    log(`naive flood (each of the ${NODES * IDS_PER_NODE} new ids, ${ID_BYTES} B, sent once by every node): ${naiveFlood} B per node; ours is ${(perNode / naiveFlood).toFixed(2)}x that`);
    log(`bytes by frame kind (fragments apart): ${JSON.stringify(Object.fromEntries(meter.byKind))}; medium: ${JSON.stringify(mesh.medium.stats)}`);
    return { 'lora.mesh.sync_converge_s': convergeS, 'lora.mesh.sync_bytes_per_node': perNode, 'lora.mesh.sync_naive_flood_bytes_per_node': naiveFlood };
  } finally {
    for (const node of nodes) await node.stop();
    await Promise.all(servers.map((server) => server.close()));
    scheduler.stop();
  }
}

/** `npm run bench -- lora-mesh-sync`; `LORA_MESH_SYNC_SEED=N` lays out another mesh (same seed, same mesh and losses). */
export async function run(log: (line: string) => void): Promise<Record<string, number>> {
  const seed = process.env.LORA_MESH_SYNC_SEED;
  return seed === undefined ? measureMeshSync(log) : measureMeshSync(log, Number(seed));
}
