// `node electron/sim/cli.ts --nodes 3 [--pty DIR] [--preset LONG_FAST] [--region EU_868]
//   [--channel NAME]... [--loss 0.1] [--topology line|full|star] [--time-scale 100] [--base-port 4403|0] [--seed 1]`
// Runs a simulated mesh; each device is served on TCP like port 4403 (and optionally a PTY).
// stdin commands: unplug N | kill N | loss P | partition 1,2/3 | heal | stats  (N = device 1..n)
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { isModemPresetName } from '../node/radio/index.ts';
import { ScaledRealTimeScheduler } from './clock.ts';
import { nodeIdOf } from './device.ts';
import { createSimMesh } from './mesh.ts';
import type { Topology } from './medium.ts';
import { exposeTcpAsPty, type DevicePty } from './pty.ts';
import { serveDeviceOverTcp, type DeviceTcpServer } from './tcp-server.ts';

const { values } = parseArgs({
  options: {
    nodes: { type: 'string', default: '2' },
    pty: { type: 'string' },
    preset: { type: 'string', default: 'LONG_FAST' },
    region: { type: 'string', default: 'EU_868' },
    loss: { type: 'string', default: '0' },
    topology: { type: 'string', default: 'full' },
    'time-scale': { type: 'string', default: '1' },
    'base-port': { type: 'string', default: '0' },
    seed: { type: 'string', default: '1' },
    /** A private secondary channel on every radio (index 1, 2, ... in the order given). */
    channel: { type: 'string', multiple: true },
  },
});

function fail(message: string): never {
  console.error(`sim: ${message}`);
  process.exit(2);
}

const nodes = Number(values.nodes);
if (!Number.isInteger(nodes) || nodes < 1 || nodes > 64) fail('--nodes must be 1..64');
const preset = values.preset;
if (!isModemPresetName(preset)) fail(`unknown --preset ${preset}`);
const topology = values.topology as Topology;
if (!['line', 'full', 'star'].includes(topology)) fail('--topology must be line, full or star');
const basePort = Number(values['base-port']);
const scheduler = new ScaledRealTimeScheduler(Number(values['time-scale']));
const mesh = createSimMesh({
  nodes,
  scheduler,
  preset,
  region: values.region,
  lossRate: Number(values.loss),
  topology,
  seed: Number(values.seed),
  epochMs: Date.now(),
  ...(values.channel ? { secondaryChannels: values.channel.map((name) => ({ name, encryption: 'private' as const })) } : {}),
});

const servers: DeviceTcpServer[] = [];
const ptys: (DevicePty | undefined)[] = [];
if (values.pty) mkdirSync(values.pty, { recursive: true });
for (const [index, device] of mesh.devices.entries()) {
  const server = await serveDeviceOverTcp(device, { port: basePort === 0 ? 0 : basePort + index });
  servers.push(server);
  const pty = values.pty ? await exposeTcpAsPty(server.port, join(values.pty, `sim-${index + 1}`)) : undefined;
  ptys.push(pty);
  console.log(`sim device ${nodeIdOf(device.nodeNum)} tcp ${server.host}:${server.port}${pty ? ` pty ${pty.path}` : ''}`);
}

const deviceAt = (text: string | undefined): number => {
  const index = Number(text) - 1;
  if (!Number.isInteger(index) || !mesh.devices[index]) throw new Error(`no device ${text}`);
  return index;
};

function command(line: string): string {
  const [verb, argument] = line.trim().split(/\s+/);
  switch (verb) {
    case 'unplug': {
      const index = deviceAt(argument);
      mesh.devices[index]!.dropClient();
      servers[index]!.dropClients();
      return `unplugged device ${index + 1}`;
    }
    case 'kill': {
      const index = deviceAt(argument);
      mesh.devices[index]!.kill();
      return `killed device ${index + 1}`;
    }
    case 'loss':
      mesh.medium.setLossRate(Number(argument));
      return `loss ${argument}`;
    case 'partition': {
      const groups = (argument ?? '').split('/').map((group) => group.split(',').map((n) => mesh.devices[deviceAt(n)]!.nodeNum));
      mesh.medium.partition(groups);
      return `partitioned ${argument}`;
    }
    case 'heal':
      mesh.medium.heal();
      return 'healed';
    case 'stats':
      return JSON.stringify(mesh.medium.stats);
    case '':
    case undefined:
      return '';
    default:
      return 'commands: unplug N | kill N | loss P | partition 1,2/3 | heal | stats';
  }
}

const input = createInterface({ input: process.stdin });
input.on('line', (line) => {
  try {
    const reply = command(line);
    if (reply) console.log(`sim: ${reply}`);
  } catch (error) {
    console.log(`sim: ${(error as Error).message}`);
  }
});

let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  input.close();
  await Promise.all(ptys.map((pty) => pty?.close()));
  await Promise.all(servers.map((server) => server.close()));
  scheduler.stop();
  process.exit(0);
}
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
