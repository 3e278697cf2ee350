import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MeshSettings } from '../../shared/contract/index.ts';
import type { Clock } from '../../electron/node/clock.ts';
import type { ScaledRealTimeScheduler } from '../../electron/sim/index.ts';
import { defaultMeshSettings } from '../../electron/node/config.ts';
import { NodeIdentity } from '../../electron/node/identity/index.ts';
import { PakitNode, type PakitNodeOptions } from '../../electron/node/node.ts';
import { BlockStore } from '../../electron/node/storage/index.ts';

/**
 * The embedded defaults, except that the IP mesh listens on loopback on a free port and never uses
 * mDNS: tests never clash over port 7777 nor find each other (or a real node) on the LAN.
 */
export const testMeshSettings: MeshSettings = { ...defaultMeshSettings, listen: { host: '127.0.0.1', port: 0 }, mdns: false };

/** A real node on a fresh temp folder: real store, a generated identity (kept in memory). */
export async function createTestNode(overrides: Partial<PakitNodeOptions> = {}): Promise<PakitNode> {
  const dataDir = mkdtempSync(join(tmpdir(), 'pakit-test-node-'));
  return new PakitNode({
    host: 'headless',
    version: '9.9.9',
    mesh: testMeshSettings,
    dataDir,
    identity: NodeIdentity.generate(),
    protection: { level: 'passphrase', description: 'passphrase' },
    store: await BlockStore.open(join(dataDir, 'store')),
    ...overrides,
  });
}

/** Node time that runs with a scaled simulator, so airtime budgets and node timers are in radio time. */
export function scaledClock(scheduler: ScaledRealTimeScheduler, epochMs: number): Clock {
  return {
    now: () => epochMs + scheduler.now(),
    setTimeout: (callback, ms) => scheduler.setTimer(ms, callback),
    clearTimeout: (handle) => scheduler.clearTimer(handle as number),
  };
}

/**
 * A fresh test node on each simulated radio (TCP), connected; each is pushed to `nodes` as soon as it
 * exists, so the caller's cleanup stops it even when a later one fails to connect.
 */
export async function connectNodesToRadios(servers: readonly { port: number }[], clock: Clock, nodes: PakitNode[]): Promise<PakitNode[]> {
  for (const server of servers) {
    const node = await createTestNode({ clock });
    nodes.push(node);
    const started = await node.radio.connect({ kind: 'tcp', host: '127.0.0.1', port: server.port });
    if (!started.ok) throw new Error(`node could not connect: ${started.error.message}`);
  }
  return nodes;
}
