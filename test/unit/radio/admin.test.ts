// Setting the owner and region of a radio, and what a channel mismatch looks like, through the real
// session against the simulator's firmware logic (AdminModule of firmware 2.6.11).
import { describe, expect, it } from 'vitest';
import { LORA_REGIONS } from '../../../shared/contract/index.ts';
import { channelEncryption, ownerProblem, REGION_NAMES } from '../../../electron/node/radio/admin.ts';
import { DeviceSession, PRIVATE_APP_PORT } from '../../../electron/node/radio/session.ts';
import { BROADCAST_NODE } from '../../../electron/node/radio/index.ts';
import { plugIntoSim, simMesh } from './radio-fakes.ts';

async function connected(devices: Parameters<typeof simMesh>[0], channelIndex = 0) {
  const mesh = simMesh(devices);
  let next = 1;
  const session = new DeviceSession({ transport: plugIntoSim(mesh.devices[0]!).transport, clock: mesh.clock, nextId: () => next++, channelIndex });
  const started = await session.start();
  if (!started.ok) throw new Error(started.error.message);
  return { ...mesh, session };
}

describe('radio admin (set owner, set region)', () => {
  it('renames the radio: the device takes the names, announces them, and another radio learns them', async () => {
    const { session, devices, scheduler } = await connected([{}, {}]);
    const result = await session.setOwner('Base camp 2', 'BC2');
    expect(result).toMatchObject({ ok: true, delivery: 'delivered' });
    expect(devices[0]!.user).toMatchObject({ longName: 'Base camp 2', shortName: 'BC2' });
    expect(session.device).toMatchObject({ longName: 'Base camp 2', shortName: 'BC2' });
    scheduler.advanceBy(10_000);
    // The other radio heard the NodeInfo the firmware sends after an owner change.
    const other = new DeviceSession({ transport: plugIntoSim(devices[1]!).transport, clock: virtualOf(scheduler), nextId: () => 500 });
    await other.start();
    expect(other.nodes().find((node) => node.nodeNum === devices[0]!.nodeNum)).toMatchObject({ longName: 'Base camp 2', shortName: 'BC2' });
  });

  it('refuses names the firmware cannot keep, before anything is sent', async () => {
    expect(ownerProblem('x'.repeat(40), 'ok')?.message).toMatch(/40 bytes; the radio keeps at most 39/);
    expect(ownerProblem('Água', 'ÁÁÁ')?.message).toMatch(/short name takes 6 bytes/);
    expect(ownerProblem('  ', 'A')?.message).toMatch(/both a long and a short name/);
    expect(ownerProblem('Ñandú relay 🚒', '🚒')).toBeUndefined();
    const { session, devices } = await connected([{}]);
    const before = devices[0]!.user.longName;
    expect(await session.setOwner('y'.repeat(60), 'Y')).toMatchObject({ ok: false, accepted: false });
    expect(devices[0]!.user.longName).toBe(before);
  });

  it('sets the region of a radio that has none: sends were blocked, the device restarts 7 s later on the new band, transmit on', async () => {
    const { session, devices, scheduler } = await connected([{ region: 'UNSET' }]);
    expect(session.device?.sendBlockedBy?.code).toBe('region_unset');
    expect(await session.send({ to: BROADCAST_NODE, payload: new Uint8Array(4), wantAck: false })).toMatchObject({ ok: false });
    const closed = new Promise((resolve) => session.on('closed', resolve));
    expect(await session.setRegion('EU_868')).toMatchObject({ ok: true });
    expect(session.device?.region).toBe('EU_868'); // shown at once, as the stock apps do
    expect(devices[0]!.region).toBe('EU_868'); // in the config at once; the radio restarts 7 s later
    scheduler.advanceBy(6_900);
    expect(session.state).toBe('ready');
    scheduler.advanceBy(100);
    expect((await closed as { code: string }).code).toBe('device_restarted');
    const again = new DeviceSession({ transport: plugIntoSim(devices[0]!).transport, clock: virtualOf(scheduler), nextId: () => 700 });
    expect(await again.start()).toMatchObject({ ok: true });
    expect(again.device).toMatchObject({ region: 'EU_868', sendBlockedBy: undefined });
  });

  it('refuses a region the firmware does not know, and knows every region the contract offers', async () => {
    expect([...LORA_REGIONS].sort()).toEqual([...REGION_NAMES].sort());
    const { session } = await connected([{}]);
    expect(await session.setRegion('MARS_433')).toMatchObject({ ok: false, error: { code: 'rejected' } });
  });
});

describe('channels', () => {
  it('lists the enabled channels with how each is encrypted', async () => {
    const { session } = await connected([{}]);
    expect(session.channels()).toEqual([{ index: 0, role: 'PRIMARY', name: '', encryption: 'default' }]);
    expect(channelEncryption(new Uint8Array())).toBe('none');
    expect(channelEncryption(Uint8Array.of(0))).toBe('none');
    expect(channelEncryption(Uint8Array.of(3))).toBe('default');
    expect(channelEncryption(new Uint8Array(32))).toBe('private');
  });

  it('reports Pakit traffic that arrives on a channel Pakit does not use, once per node', async () => {
    const pakitChannel = [{ name: 'pakit', encryption: 'private' as const }];
    const { session, devices, scheduler, clock } = await connected([{ secondaryChannels: pakitChannel }, { secondaryChannels: pakitChannel }]);
    expect(session.channels()).toEqual([
      { index: 0, role: 'PRIMARY', name: '', encryption: 'default' },
      { index: 1, role: 'SECONDARY', name: 'pakit', encryption: 'private' },
    ]);
    // The peer's Pakit uses channel 1; ours listens on 0.
    let nextId = 900;
    const peer = new DeviceSession({ transport: plugIntoSim(devices[1]!).transport, clock, nextId: () => nextId++, channelIndex: 1 });
    await peer.start();
    const heard: unknown[] = [];
    session.on('packet', (packet) => heard.push(packet));
    for (const id of [1, 2]) await peer.send({ to: BROADCAST_NODE, payload: Uint8Array.of(id), wantAck: false });
    scheduler.advanceBy(10_000);
    expect(heard).toEqual([]);
    expect(session.device?.otherChannelTraffic).toEqual([{ channel: 1, nodeIds: [peer.device!.nodeId], lastAt: expect.any(Number) }]);
  });

  it('hears the same peer on our channel, with no mismatch', async () => {
    const { session, devices, scheduler, clock } = await connected([{}, {}]);
    const peer = new DeviceSession({ transport: plugIntoSim(devices[1]!).transport, clock, nextId: () => 900 });
    await peer.start();
    const heard: unknown[] = [];
    session.on('packet', (packet) => heard.push(packet));
    await peer.send({ to: BROADCAST_NODE, payload: Uint8Array.of(1, 2, 3), wantAck: false, portnum: PRIVATE_APP_PORT });
    scheduler.advanceBy(5_000);
    expect(heard).toHaveLength(1);
    expect(session.device?.otherChannelTraffic).toEqual([]);
  });
});

function virtualOf(scheduler: { now(): number; setTimer(ms: number, task: () => void): number; clearTimer(id: number): void }) {
  return { setTimeout: (task: () => void, ms: number) => scheduler.setTimer(ms, task), clearTimeout: (id: unknown) => scheduler.clearTimer(id as number), now: () => scheduler.now() };
}
