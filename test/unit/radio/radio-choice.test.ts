import { describe, expect, it } from 'vitest';
import { parseHeadlessConfig } from '../../../electron/headless/config.ts';
import { ConfigError } from '../../../electron/node/config.ts';
import { AutoRadio, parseRadioChoice } from '../../../electron/node/radio/radio-choice.ts';
import type { SerialPortCandidate } from '../../../electron/node/radio/ports.ts';
import { ScaledRealTimeScheduler } from '../../../electron/sim/index.ts';
import { scaledClock } from '../../helpers/test-node.ts';

describe('radio choice (--radio / MESH_LORA_PORT)', () => {
  it('reads auto, serial paths and tcp addresses, and nothing else', () => {
    expect(parseRadioChoice('auto')).toEqual({ kind: 'auto' });
    expect(parseRadioChoice('/dev/ttyUSB0')).toEqual({ kind: 'serial', path: '/dev/ttyUSB0' });
    expect(parseRadioChoice('/dev/serial/by-id/usb-Silicon_Labs_CP2102-if00-port0')).toMatchObject({ kind: 'serial' });
    expect(parseRadioChoice('COM4')).toEqual({ kind: 'serial', path: 'COM4' });
    expect(parseRadioChoice('tcp://192.168.4.1')).toEqual({ kind: 'tcp', host: '192.168.4.1', port: 4403 });
    expect(parseRadioChoice('tcp://meshtastic.local:4404')).toEqual({ kind: 'tcp', host: 'meshtastic.local', port: 4404 });
    expect(parseRadioChoice('tcp://[::1]:4403')).toEqual({ kind: 'tcp', host: '::1', port: 4403 });
    for (const bad of ['', 'ttyUSB0', 'tcp://', 'tcp://host:99999', 'tcp://host/path', 'http://host:4403', 'automatic']) expect(parseRadioChoice(bad), bad).toBeUndefined();
  });

  it('the headless node takes --radio over MESH_LORA_PORT and refuses a bad value by name', () => {
    expect(parseHeadlessConfig(['--radio', 'tcp://127.0.0.1:4410'], { MESH_LORA_PORT: 'auto' }).radio).toEqual({ kind: 'tcp', host: '127.0.0.1', port: 4410 });
    expect(parseHeadlessConfig([], { MESH_LORA_PORT: '/dev/ttyACM0' }).radio).toEqual({ kind: 'serial', path: '/dev/ttyACM0' });
    expect(parseHeadlessConfig([], {}).radio).toBeUndefined();
    expect(() => parseHeadlessConfig([], { MESH_LORA_PORT: 'usb' })).toThrow(ConfigError);
    expect(() => parseHeadlessConfig([], { MESH_LORA_PORT: 'usb' })).toThrow(/MESH_LORA_PORT="usb".*tcp:\/\/HOST/);
    expect(() => parseHeadlessConfig(['--demo', '--radio', 'auto'], {})).toThrow(/--radio.*simulated radio/);
  });
});

describe('AutoRadio', () => {
  const tBeam: SerialPortCandidate = { path: '/dev/serial/by-id/usb-T-Beam', devicePath: '/dev/ttyACM0', board: 'T-Beam / Heltec (CH9102)' };
  const modem: SerialPortCandidate = { path: '/dev/ttyS0', devicePath: '/dev/ttyS0' };

  it('waits, saying so once, until a board is plugged in, then connects to it and stops looking', async () => {
    // 5 s looks pass in 5 wall ms.
    const clock = scaledClock(new ScaledRealTimeScheduler(1000), 0);
    let plugged: SerialPortCandidate[] = [modem];
    const looks: number[] = [];
    const connected: unknown[] = [];
    const said: string[] = [];
    const auto = new AutoRadio({
      clock,
      listPorts: async () => (looks.push(clock.now()), plugged),
      connect: (port) => connected.push(port),
      log: (level, message) => said.push(`${level}: ${message}`),
      intervalMs: 5_000,
    });
    auto.start();
    await expect.poll(() => looks.length).toBeGreaterThanOrEqual(3);
    expect(connected).toEqual([]);
    expect(said).toHaveLength(1);
    expect(said[0]).toMatch(/^warn: Waiting for a Meshtastic radio on USB \(1 serial port, none a known Meshtastic board\)/);
    plugged = [modem, tBeam];
    await expect.poll(() => connected).toEqual([{ kind: 'serial', path: tBeam.path }]);
    const looked = looks.length;
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(looks.length).toBe(looked);
    expect(said.at(-1)).toBe(`info: Found a T-Beam / Heltec (CH9102) at ${tBeam.path}: connecting to it.`);
    auto.stop();
  });
});
