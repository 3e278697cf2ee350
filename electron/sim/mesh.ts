// A whole simulated mesh: one medium, N devices linked by a topology. Used by the CLI and tests.
import { DEFAULT_MODEM_PRESET, MODEM_PRESETS, type ModemPresetName, type RegionName } from '../node/radio/index.ts';
import type { Scheduler } from './clock.ts';
import { SimDevice, type MeshAirFrame, type SimDeviceOptions } from './device.ts';
import { RadioMedium, applyTopology, type Topology } from './medium.ts';
import { DEFAULT_MESH_ORIGIN, meshPositions, type SimBattery, type SimPosition, type SimRole } from './node-data.ts';
import { randomUint32, seededRandom } from './random.ts';
import { geometricMesh, type GeometricLayout } from './geometric.ts';

export type SimMeshOptions = {
  nodes: number;
  scheduler: Scheduler;
  preset?: ModemPresetName;
  region?: RegionName;
  lossRate?: number;
  topology?: Topology;
  /** Same seed, same node numbers, same losses and backoffs. */
  seed?: number;
  epochMs?: number;
  /** Devices broadcast their NodeInfo within this radio time after start (false: never). */
  announceWithinMs?: number | false;
  /**
   * When device `index` is switched on (radio time; all at 0 by default): it announces within
   * `announceWithinMs` of that. On a line, ends announcing together collide at the middle, and
   * NodeInfo is not repeated for hours, so a demo switches its radios on one after another.
   */
  switchedOnAtMs?: (index: number) => number;
  /** Where the first radio stands; the others are placed to match the topology (a line: 4 km apart). */
  origin?: SimPosition;
  /** Moves radios from the place the topology gave them (a mesh whose links the caller changes). */
  placeAt?: (index: number, placed: readonly SimPosition[]) => SimPosition | undefined;
  /** Bits of position the radios share on their channel (firmware default 13, about 3 km; 32 exact). */
  positionPrecisionBits?: number;
  /** Position and telemetry broadcast intervals of every radio (the firmware's defaults when absent). */
  positionIntervalMs?: number;
  telemetryIntervalMs?: number;
  /** Each radio's role (CLIENT by default). */
  role?: (index: number) => SimRole;
  /** The same secondary channels on every radio (index 1, 2, ...), as if set from one channel URL. */
  secondaryChannels?: SimDeviceOptions['secondaryChannels'];
  /** Radios at random in a square, linked when in range (geometric.ts): takes the place of `topology`. */
  geometric?: GeometricLayout;
};

/** The first radio runs on external power like a base station; the others on batteries that drain slowly. */
function batteryOf(index: number, random: () => number): SimBattery | undefined {
  if (index === 0) return undefined;
  return { percent: 60 + Math.round(random() * 40), drainPercentPerHour: 0.5 + Math.round(random() * 15) / 10 };
}

export type SimMesh = {
  readonly medium: RadioMedium<MeshAirFrame>;
  readonly devices: readonly SimDevice[];
  device(nodeNum: number): SimDevice;
};

export function createSimMesh(options: SimMeshOptions): SimMesh {
  const random = seededRandom(options.seed ?? 1);
  const medium = new RadioMedium<MeshAirFrame>({
    scheduler: options.scheduler,
    random,
    modem: MODEM_PRESETS[options.preset ?? DEFAULT_MODEM_PRESET],
    lossRate: options.lossRate ?? 0,
    jitterDb: 1,
  });
  const nodeNums = new Set<number>();
  while (nodeNums.size < options.nodes) nodeNums.add(randomUint32(random));
  const topology = options.topology ?? 'full';
  // Places and batteries draw from their own sequence, so a seed's losses and backoffs stay as they were.
  const placement = seededRandom((options.seed ?? 1) ^ 0x5eed);
  const layout = options.geometric && geometricMesh(options.nodes, options.geometric, options.origin ?? DEFAULT_MESH_ORIGIN, placement);
  const positions = layout?.positions ?? meshPositions(options.nodes, topology, options.origin ?? DEFAULT_MESH_ORIGIN, placement);
  const devices = [...nodeNums].map((nodeNum, index) => {
    const battery = batteryOf(index, placement);
    return new SimDevice({
      nodeNum,
      medium,
      scheduler: options.scheduler,
      random,
      region: options.region ?? 'EU_868',
      longName: `Sim node ${index + 1}`,
      shortName: `S${index + 1}`,
      ...(options.epochMs === undefined ? {} : { epochMs: options.epochMs }),
      ...(options.announceWithinMs === undefined ? {} : { announceWithinMs: options.announceWithinMs }),
      announceAfterMs: options.switchedOnAtMs?.(index) ?? 0,
      position: options.placeAt?.(index, positions) ?? positions[index]!,
      ...(options.positionPrecisionBits === undefined ? {} : { positionPrecisionBits: options.positionPrecisionBits }),
      role: options.role?.(index) ?? 'CLIENT',
      ...(options.positionIntervalMs === undefined ? {} : { positionIntervalMs: options.positionIntervalMs }),
      ...(options.telemetryIntervalMs === undefined ? {} : { telemetryIntervalMs: options.telemetryIntervalMs }),
      ...(battery ? { battery } : {}),
      ...(options.secondaryChannels ? { secondaryChannels: options.secondaryChannels } : {}),
    });
  });
  const nums = [...nodeNums];
  if (layout) for (const [a, b, quality] of layout.links) medium.link(nums[a]!, nums[b]!, quality);
  else applyTopology(medium, nums, topology);
  return {
    medium,
    devices,
    device(nodeNum) {
      const found = devices.find((device) => device.nodeNum === nodeNum);
      if (!found) throw new Error(`no simulated device ${nodeNum}`);
      return found;
    },
  };
}
