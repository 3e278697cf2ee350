// The demo's radios: a simulated mesh in this process, each device served on loopback TCP exactly
// like a Wi-Fi node's port 4403, so the node connects to it through its real radio link.
import type { RadioPortInfo } from '../../shared/contract/index.ts';
import { nodeIdOf } from '../node/radio/session.ts';
import { createSimMesh, ScaledRealTimeScheduler, serveDeviceOverTcp, type DeviceTcpServer } from '../sim/index.ts';

export type DemoMesh = { ports: RadioPortInfo[]; close(): Promise<void> };

export async function startDemoMesh(nodes = 3): Promise<DemoMesh> {
  const scheduler = new ScaledRealTimeScheduler(1);
  const mesh = createSimMesh({ nodes, scheduler, preset: 'LONG_FAST', region: 'EU_868', topology: 'line', epochMs: Date.now(), announceWithinMs: 5_000 });
  const servers: DeviceTcpServer[] = [];
  for (const device of mesh.devices) servers.push(await serveDeviceOverTcp(device, { host: '127.0.0.1', port: 0 }));
  return {
    ports: servers.map((server, index) => ({
      port: { kind: 'tcp', host: server.host, port: server.port },
      label: `Sim node ${index + 1} ${nodeIdOf(mesh.devices[index]?.nodeNum ?? 0)} — ${server.host}:${server.port}`,
      simulated: true,
    })),
    async close() {
      await Promise.all(servers.map((server) => server.close()));
      scheduler.stop();
    },
  };
}
