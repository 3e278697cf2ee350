// Radio set-up from the contract, as an operator does it on a fresh radio: the simulator (as `npm run
// sim` runs it) with two radios that have no region, each with its own headless node over TCP.
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ContractClient } from '../../shared/contract/index.ts';
import { connect } from '../../cli/connect.ts';
import { targetOf } from '../../cli/target.ts';
import { startHeadlessNode, type RunningNode } from '../helpers/headless-node.ts';
import { startSimulatorProcess } from '../helpers/sim-radios.ts';

describe('radio set-up through the contract', { timeout: 120_000 }, () => {
  let sim: ChildProcess;
  const devices: { id: string; port: number }[] = [];
  const nodes: RunningNode[] = [];
  const clients: ContractClient[] = [];

  beforeAll(async () => {
    const started = await startSimulatorProcess(['--nodes', '2', '--region', 'UNSET', '--preset', 'SHORT_FAST']);
    sim = started.process;
    devices.push(...started.devices);
    for (const device of devices) {
      const node = await startHeadlessNode(['--api', '127.0.0.1:0', '--radio', `tcp://127.0.0.1:${device.port}`]);
      nodes.push(node);
      clients.push(await connect(targetOf({ url: node.consoleUrl })));
    }
  });
  afterAll(async () => {
    clients.forEach((client) => client.close());
    for (const node of nodes) expect(await node.stop()).toBe(0);
    sim?.kill('SIGTERM');
  });

  const state = async (index: number) => {
    const result = await clients[index]!.call('radio.state', {});
    if (!result.ok) throw new Error(result.error.message);
    return result.value;
  };

  it('a radio with no region cannot send; choosing one (confirmed) restarts it on the band, and sends work', async () => {
    for (const index of [0, 1]) {
      await expect.poll(async () => (await state(index)).phase, { timeout: 20_000 }).toBe('ready');
      expect((await state(index)).device).toMatchObject({ region: 'UNSET', sendBlockedBy: { code: 'unavailable', reason: 'region_unset' } });
    }
    const unconfirmed = await clients[0]!.call('radio.setRegion', { region: 'EU_868' } as never);
    expect(unconfirmed).toMatchObject({ ok: false, error: { code: 'invalid_input', issues: [{ path: 'confirm' }] } });

    for (const index of [0, 1]) {
      const set = await clients[index]!.call('radio.setRegion', { region: 'EU_868', confirm: true });
      expect(set).toMatchObject({ ok: true, value: { device: { region: 'EU_868' } } });
    }
    // Firmware 2.6 restarts 7 s after a region change; the node reconnects by itself.
    for (const index of [0, 1]) {
      await expect.poll(() => nodes[index]!.stderr(), { timeout: 30_000, interval: 250 }).toMatch(/The radio at 127\.0\.0\.1:\d+ restarted/);
      await expect.poll(async () => (await state(index)).phase, { timeout: 30_000, interval: 250 }).toBe('ready');
      expect((await state(index)).device).toMatchObject({ region: 'EU_868' });
      expect((await state(index)).device?.sendBlockedBy).toBeUndefined();
    }
    expect(nodes[0]!.stderr()).toMatch(/LoRa region is now EU_868/);
    const sent = await clients[0]!.call('messages.send', { text: 'On the air at last' });
    expect(sent.ok).toBe(true);
    await expect
      .poll(async () => {
        const list = await clients[0]!.call('messages.list', {});
        return list.ok ? list.value.find((message) => message.text === 'On the air at last')?.state : undefined;
      }, { timeout: 20_000, interval: 250 })
      .toMatch(/^(sent|relayed)$/);
    // Pakit's own LoRa traffic, queued while the radio had no region, goes out too: an emergency reaches the other node.
    expect(await clients[0]!.call('emergency.send', { text: 'Bridge at km 4 is down', priority: 'urgent' })).toMatchObject({ ok: true });
    await expect
      .poll(async () => {
        const history = await clients[1]!.call('emergency.history', {});
        return history.ok && history.value.some((record) => record.direction === 'received' && record.text === 'Bridge at km 4 is down');
      }, { timeout: 30_000, interval: 500 })
      .toBe(true);
  });

  it('renames the radio; the other radio’s node learns the new names from the air', async () => {
    const renamed = await clients[0]!.call('radio.setOwner', { longName: 'Puesto Norte', shortName: 'PN' });
    expect(renamed).toMatchObject({ ok: true, value: { device: { longName: 'Puesto Norte', shortName: 'PN' } } });
    await expect
      .poll(async () => {
        const list = await clients[1]!.call('radio.nodes', {});
        return list.ok ? list.value.find((node) => node.nodeId === devices[0]!.id)?.longName : undefined;
      }, { timeout: 30_000, interval: 500 })
      .toBe('Puesto Norte');

    const tooLong = await clients[0]!.call('radio.setOwner', { longName: 'Ñandú ñandú ñandú ñandú ñandú ñandú', shortName: 'Ñ' });
    expect(tooLong).toMatchObject({ ok: false, error: { message: expect.stringMatching(/bytes; the radio keeps at most 39/) } });
  });

  it('lists the radio’s channels and refuses a Pakit channel the radio does not have', async () => {
    expect((await state(0)).device?.channels).toEqual([{ index: 0, role: 'PRIMARY', name: '', encryption: 'default' }]);
    const missing = await clients[0]!.call('radio.setChannel', { index: 3 });
    expect(missing).toMatchObject({ ok: false, error: { reason: 'channel_missing' } });
    expect(await clients[0]!.call('radio.setChannel', { index: 0 })).toMatchObject({ ok: true });
  });
});
