// Emergencies at mesh scale (issue 12), `npm run bench -- lora-mesh-emergency`; part of `lora-mesh`.
// Real nodes, each on its own simulated radio over TCP, on a random geometric mesh of
// 20 radios (LONG_FAST, EU_868, 5 % random loss per reception), node and radio time both TIME_SCALE
// times the wall clock.
//   lora.mesh.emergency_reach: share of the 19 other nodes that show the emergency, verified, within
//     EMERGENCY_DEADLINE_MS of radio time; over the seeds.
//   lora.mesh.emergency_p95_s: 95th percentile of the radio time from the send until a node shows it.
//   lora.mesh.emergency_reach_vs_stock / p95_vs_stock: the same against the baseline measured in the
//     same run, the firmware's own flood of the stock ALERT_APP copy sent with it (what a stock app
//     would get): when each radio delivered that copy to its node.
//   lora.mesh.roll_call_answered: share of the radios in the sender's roll-call (those it heard) whose
//     "received" reached it within ROLL_CALL_READ_MS, repeats included.
import type { PakitNode } from '../electron/node/node.ts';
import { createSimMesh, ScaledRealTimeScheduler, serveDeviceOverTcp } from '../electron/sim/index.ts';
import { connectNodesToRadios, scaledClock } from '../test/helpers/test-node.ts';

const TIME_SCALE = 10;
const RADIOS = 20;
/** 20 radios in a 10 km square, 4 km of range: a mesh 3-5 hops across. */
const LAYOUT = { areaM: 10_000, rangeM: 4_000 } as const;
const LOSS = 0.05;
const SEEDS = [41, 42];
const SWITCH_ON_SPACING_MS = 10_000;
/** The radios announce themselves at switch-on (NodeInfo floods): the sender's roll-call lists those it heard. */
const SETTLE_MS = RADIOS * SWITCH_ON_SPACING_MS + 5 * 60_000;
const EMERGENCY_DEADLINE_MS = 5 * 60_000;
/** The roll-call is read later: its repeats ask the silent at 1, 3, 7 and 15 min. */
const ROLL_CALL_READ_MS = 10 * 60_000;

type Arrival = { node: number; radioMs: number };
type MeshRun = { receivers: number; pakit: Arrival[]; stock: Arrival[]; answered: number; listed: number; hopsAcross: number };

async function emergencyOverMesh(seed: number, log: (line: string) => void): Promise<MeshRun> {
  const scheduler = new ScaledRealTimeScheduler(TIME_SCALE);
  const epochMs = Date.now();
  const clock = scaledClock(scheduler, epochMs);
  // Switched on 10 s apart, as a site powers up: switched on at once, their NodeInfo floods would collide.
  const mesh = createSimMesh({ nodes: RADIOS, scheduler, geometric: LAYOUT, preset: 'LONG_FAST', region: 'EU_868', lossRate: LOSS, epochMs, seed, switchedOnAtMs: (index) => index * SWITCH_ON_SPACING_MS });
  const servers = await Promise.all(mesh.devices.map((device) => serveDeviceOverTcp(device)));
  const nodes: PakitNode[] = [];
  try {
    await connectNodesToRadios(servers, clock, nodes);
    await waitRadio(clock, SETTLE_MS);
    const [sender, ...receivers] = nodes as [PakitNode, ...PakitNode[]];
    const stock: Arrival[] = [];
    const onRadio: Arrival[] = [];
    const sentAt = clock.now();
    receivers.forEach((node, index) =>
      node.radio.on('packet', (packet) => {
        if (packet.payload[4] === 0x01 && !onRadio.some((arrival) => arrival.node === index)) onRadio.push({ node: index, radioMs: clock.now() - sentAt });
      }),
    );
    receivers.forEach((node, index) =>
      node.radio.on('alert', (alert) => {
        if (alert.text.includes('Benchmark') && !stock.some((arrival) => arrival.node === index)) stock.push({ node: index, radioMs: clock.now() - sentAt });
      }),
    );
    const sent = sender.lora.emergencies.send({ text: 'Benchmark: flash flood in the valley, move to high ground', priority: 'life_threatening', confirmedAgain: false });
    if (!sent.ok) throw new Error('the emergency was refused');
    const pakit: Arrival[] = [];
    const deadline = sentAt + EMERGENCY_DEADLINE_MS;
    while (clock.now() < deadline) {
      receivers.forEach((node, index) => {
        if (pakit.some((arrival) => arrival.node === index)) return;
        if (node.lora.emergencies.history().some((record) => record.id === sent.record.id && record.verified)) pakit.push({ node: index, radioMs: clock.now() - sentAt });
      });
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await waitRadio(clock, sentAt + ROLL_CALL_READ_MS - clock.now());
    const members = sender.lora.emergencies.history().find((record) => record.id === sent.record.id)?.rollCall?.members ?? [];
    const answered = members.filter((member) => member.answer === 'received' || member.answer === 'seen').length;
    const hopsAcross = Math.max(...receivers.flatMap((node) => node.lora.emergencies.history().filter((record) => record.id === sent.record.id).map((record) => record.hops ?? 0)));
    log(`  signed frame first at each radio (s): ${onRadio.map((arrival) => (arrival.radioMs / 1000).toFixed(0)).join(' ')}; verified: ${pakit.map((arrival) => (arrival.radioMs / 1000).toFixed(0)).join(' ')}`);
    log(
      `emergency over ${RADIOS} radios (seed ${seed}): ${pakit.length}/${receivers.length} verified, stock copy at ${stock.length}/${receivers.length}, ` +
        `${answered} answered in the roll-call of ${members.length}, up to ${hopsAcross} relays; medium ${JSON.stringify(mesh.medium.stats)}`,
    );
    return { receivers: receivers.length, pakit, stock, answered, listed: members.length, hopsAcross };
  } finally {
    for (const node of nodes) await node.stop();
    await Promise.all(servers.map((server) => server.close()));
    scheduler.stop();
  }
}

/** Waits `ms` of radio time. */
function waitRadio(clock: { setTimeout(callback: () => void, ms: number): unknown }, ms: number): Promise<void> {
  return new Promise((resolve) => clock.setTimeout(resolve, ms));
}

function p95(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.95) - 1)] ?? Number.NaN;
}

export const run = emergencyFigures;

export async function emergencyFigures(log: (line: string) => void): Promise<Record<string, number>> {
  const runs: MeshRun[] = [];
  for (const seed of SEEDS) runs.push(await emergencyOverMesh(seed, log));
  const receivers = runs.reduce((sum, one) => sum + one.receivers, 0);
  const reached = runs.reduce((sum, one) => sum + one.pakit.length, 0);
  const stockReached = runs.reduce((sum, one) => sum + one.stock.length, 0);
  const pakitP95 = p95(runs.flatMap((one) => one.pakit.map((arrival) => arrival.radioMs))) / 1000;
  const stockP95 = p95(runs.flatMap((one) => one.stock.map((arrival) => arrival.radioMs))) / 1000;
  return {
    'lora.mesh.emergency_reach': reached / receivers,
    'lora.mesh.emergency_p95_s': pakitP95,
    'lora.mesh.emergency_reach_vs_stock': reached / Math.max(1, stockReached),
    'lora.mesh.emergency_p95_vs_stock': pakitP95 / stockP95,
    'lora.mesh.roll_call_answered': runs.reduce((sum, one) => sum + one.answered, 0) / Math.max(1, runs.reduce((sum, one) => sum + one.listed, 0)),
  };
}
