import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import type { PakitNode } from '../../electron/node/node.ts';
import { ScaledRealTimeScheduler, type DeviceTcpServer } from '../../electron/sim/index.ts';
import { repoRoot } from './headless-node.ts';

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

/** The simulator as an operator runs it (`npm run sim -- ARGS`), in its own process: its devices once all are listening. */
export async function startSimulatorProcess(args: string[]): Promise<{ process: ChildProcess; devices: { id: string; port: number }[] }> {
  const count = Number(args[args.indexOf('--nodes') + 1] ?? 2);
  const child = spawn(process.execPath, [join(repoRoot, 'electron/sim/cli.ts'), '--base-port', '0', ...args], { stdio: ['pipe', 'pipe', 'inherit'] });
  const devices: { id: string; port: number }[] = [];
  let out = '';
  await new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the simulator exited with ${code}`)));
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      for (const match of out.matchAll(/^sim device (!\w+) tcp 127\.0\.0\.1:(\d+)/gm)) {
        if (!devices.some((device) => device.id === match[1])) devices.push({ id: match[1]!, port: Number(match[2]) });
      }
      if (devices.length === count) resolve();
    });
  });
  return { process: child, devices };
}
