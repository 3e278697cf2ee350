import { afterAll } from 'vitest';
import type { PakitNode } from '../../electron/node/node.ts';
import { ScaledRealTimeScheduler, type DeviceTcpServer } from '../../electron/sim/index.ts';

/**
 * One describe block's simulated radio time (`timeScale` x the wall clock), and the device servers
 * and nodes its tests push here: all stopped after the block.
 */
export function simulatedRadios(timeScale: number): { scheduler: ScaledRealTimeScheduler; servers: DeviceTcpServer[]; nodes: PakitNode[] } {
  const rig = { scheduler: new ScaledRealTimeScheduler(timeScale), servers: [] as DeviceTcpServer[], nodes: [] as PakitNode[] };
  afterAll(async () => {
    for (const node of rig.nodes) await node.stop();
    await Promise.all(rig.servers.map((server) => server.close()));
    rig.scheduler.stop();
  });
  return rig;
}
