// A relay comes up with its radio by itself: the headless node started with --radio (or
// MESH_LORA_PORT) connects at start, with no click and no contract call.
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '../../cli/connect.ts';
import { targetOf } from '../../cli/target.ts';
import { startHeadlessNode, type RunningNode } from '../helpers/headless-node.ts';
import { startSimulatorProcess } from '../helpers/sim-radios.ts';

describe('radio named at start', { timeout: 60_000 }, () => {
  let sim: ChildProcess;
  const devices: { id: string; port: number }[] = [];
  beforeAll(async () => {
    // The simulator as an operator runs it (`npm run sim`): two devices on loopback TCP.
    const started = await startSimulatorProcess(['--nodes', '2']);
    sim = started.process;
    devices.push(...started.devices);
  });
  afterAll(() => {
    sim?.kill('SIGTERM');
  });

  const radioOf = async (node: RunningNode) => {
    const client = await connect(targetOf({ url: node.consoleUrl }));
    try {
      const state = await client.call('radio.state', {});
      return state.ok ? state.value : undefined;
    } finally {
      client.close();
    }
  };

  it('a fresh node started with --radio tcp://… connects to that device by itself', async () => {
    const device = devices[0]!;
    const node = await startHeadlessNode(['--api', '127.0.0.1:0', '--radio', `tcp://127.0.0.1:${device.port}`]);
    try {
      await expect.poll(async () => (await radioOf(node))?.phase, { timeout: 20_000, interval: 250 }).toBe('ready');
      expect((await radioOf(node))?.device?.nodeId).toBe(device.id);
    } finally {
      expect(await node.stop()).toBe(0);
    }
  });

  it('MESH_LORA_PORT=auto with no Meshtastic board on USB says it is waiting, and the node runs on', async () => {
    const node = await startHeadlessNode(['--api', '127.0.0.1:0'], { MESH_LORA_PORT: 'auto' });
    try {
      await expect.poll(() => node.stderr(), { timeout: 10_000 }).toMatch(/Waiting for a Meshtastic radio on USB/);
      expect((await radioOf(node))?.phase).toBe('disconnected');
    } finally {
      expect(await node.stop()).toBe(0);
    }
  });

  it('a radio value that is none of the forms stops start-up with exit code 2, naming it', async () => {
    const node = startHeadlessNode(['--api', '127.0.0.1:0'], { MESH_LORA_PORT: 'ttyUSB0' });
    await expect(node).rejects.toThrow(/MESH_LORA_PORT="ttyUSB0"/);
  });
});
