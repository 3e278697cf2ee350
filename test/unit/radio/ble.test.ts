// BLE packet handling against an in-memory GATT stand-in: no Bluetooth library is installed and
// our machines have no Bluetooth adapter, so a real peripheral cannot be reached from these tests.
import { create, fromBinary, toBinary, type DescMessage } from '@bufbuild/protobuf';
import { Mesh } from '@meshtastic/protobufs';
import { describe, expect, it } from 'vitest';
import { MESHTASTIC_BLE, openBleTransport, type GattAdapter, type GattConnection } from '../../../electron/node/radio/transports/ble.ts';
import type { RadioError } from '../../../electron/node/radio/errors.ts';
import { DeviceSession } from '../../../electron/node/radio/session.ts';
import { VirtualScheduler } from '../../../electron/sim/index.ts';
import { virtualClock } from './radio-fakes.ts';

const msg = (schema: unknown, init: object) => create(schema as DescMessage, init as never);
const fromRadio = (payloadVariant: object) => toBinary(Mesh.FromRadioSchema as DescMessage, msg(Mesh.FromRadioSchema, { payloadVariant }) as never);
const flush = () => new Promise((resolve) => setImmediate(resolve));

/** A Meshtastic peripheral's GATT table: fromRadio is a queue read one message at a time. */
class FakePeripheral implements GattConnection {
  readonly written: Uint8Array[] = [];
  readonly fromRadioQueue: Uint8Array[] = [];
  readonly listeners = new Map<string, (value: Uint8Array) => void>();
  disconnectListener: (() => void) | undefined;
  disconnected = false;
  failReads = false;
  /** Called on every ToRadio write, like the firmware's PhoneAPI. */
  onToRadio: (bytes: Uint8Array) => void = () => undefined;
  busy = false;
  overlapped = false;

  async read(characteristic: string): Promise<Uint8Array> {
    expect(characteristic).toBe(MESHTASTIC_BLE.fromRadio);
    this.#enter();
    await Promise.resolve();
    this.busy = false;
    if (this.failReads) throw new Error('GATT read failed: not connected');
    return this.fromRadioQueue.shift() ?? new Uint8Array(0);
  }

  async write(characteristic: string, value: Uint8Array): Promise<void> {
    expect(characteristic).toBe(MESHTASTIC_BLE.toRadio);
    this.#enter();
    await Promise.resolve();
    this.busy = false;
    this.written.push(value);
    this.onToRadio(value);
  }

  async subscribe(characteristic: string, listener: (value: Uint8Array) => void): Promise<void> {
    this.listeners.set(characteristic, listener);
  }

  onDisconnect(listener: () => void): void {
    this.disconnectListener = listener;
  }

  async disconnect(): Promise<void> {
    this.disconnected = true;
  }

  /** The device has new FromRadio messages: queue them and notify fromNum. */
  push(...messages: Uint8Array[]): void {
    this.fromRadioQueue.push(...messages);
    this.listeners.get(MESHTASTIC_BLE.fromNum)?.(Uint8Array.of(this.fromRadioQueue.length));
  }

  #enter(): void {
    if (this.busy) this.overlapped = true;
    this.busy = true;
  }
}

const adapterFor = (peripheral: FakePeripheral): GattAdapter => ({
  connect: async (deviceId, service) => {
    expect(service).toBe(MESHTASTIC_BLE.service);
    if (deviceId !== 'AA:BB:CC:DD:EE:FF') throw new Error('peripheral not found');
    return peripheral;
  },
});

describe('BLE transport', () => {
  it('reports bluetooth_unavailable plainly when no Bluetooth stack is present', async () => {
    await expect(openBleTransport('AA:BB:CC:DD:EE:FF', undefined)).rejects.toMatchObject({
      code: 'bluetooth_unavailable',
      message: 'Bluetooth is not available on this system.',
    });
  });

  it('reports device_not_found for a peripheral it cannot reach', async () => {
    await expect(openBleTransport('11:22:33:44:55:66', adapterFor(new FakePeripheral()))).rejects.toMatchObject({ code: 'device_not_found' });
  });

  it('writes one ToRadio per write and reads fromRadio until empty, one GATT operation at a time', async () => {
    const peripheral = new FakePeripheral();
    const transport = await openBleTransport('AA:BB:CC:DD:EE:FF', adapterFor(peripheral));
    const received: Uint8Array[] = [];
    transport.attach({ fromRadio: (bytes) => received.push(bytes), log: () => undefined, closed: () => undefined });

    transport.send(Uint8Array.of(1, 2, 3));
    transport.send(Uint8Array.of(4));
    peripheral.push(Uint8Array.of(9), Uint8Array.of(8));
    peripheral.push(Uint8Array.of(7)); // notified while a drain runs
    await flush();
    expect(peripheral.written).toEqual([Uint8Array.of(1, 2, 3), Uint8Array.of(4)]); // no framing, no wake bytes
    expect(received).toEqual([Uint8Array.of(9), Uint8Array.of(8), Uint8Array.of(7)]);
    expect(peripheral.overlapped).toBe(false);
  });

  it('turns logRadio LogRecords into log lines', async () => {
    const peripheral = new FakePeripheral();
    const transport = await openBleTransport('AA:BB:CC:DD:EE:FF', adapterFor(peripheral));
    const lines: string[] = [];
    transport.attach({ fromRadio: () => undefined, log: (line) => lines.push(line), closed: () => undefined });
    const record = toBinary(Mesh.LogRecordSchema as DescMessage, msg(Mesh.LogRecordSchema, { message: 'Booting', level: 20 }) as never);
    peripheral.listeners.get(MESHTASTIC_BLE.logRadio)?.(record);
    expect(lines).toEqual(['Booting']);
  });

  it('closes as unplugged when the link drops or a GATT operation fails', async () => {
    const peripheral = new FakePeripheral();
    const transport = await openBleTransport('AA:BB:CC:DD:EE:FF', adapterFor(peripheral));
    const closed: (RadioError | undefined)[] = [];
    transport.attach({ fromRadio: () => undefined, log: () => undefined, closed: (error) => closed.push(error) });
    peripheral.failReads = true;
    peripheral.push(Uint8Array.of(1));
    await flush();
    expect(closed).toEqual([expect.objectContaining({ code: 'unplugged' })]);
    expect(peripheral.disconnected).toBe(true);
    peripheral.disconnectListener?.(); // reported once only
    expect(closed).toHaveLength(1);
  });

  it('carries a whole session handshake', async () => {
    const peripheral = new FakePeripheral();
    peripheral.onToRadio = (bytes) => {
      const toRadio = fromBinary(Mesh.ToRadioSchema as DescMessage, bytes) as unknown as { payloadVariant: { case: string; value: number } };
      if (toRadio.payloadVariant.case !== 'wantConfigId') return;
      // Like the firmware: the answers wait in fromRadio; the client reads them after its write.
      peripheral.fromRadioQueue.push(
        fromRadio({ case: 'myInfo', value: msg(Mesh.MyNodeInfoSchema, { myNodeNum: 0x42 }) }),
        fromRadio({ case: 'metadata', value: msg(Mesh.DeviceMetadataSchema, { firmwareVersion: '2.7.15.567b8ea' }) }),
        fromRadio({ case: 'configCompleteId', value: toRadio.payloadVariant.value }),
      );
    };
    const transport = await openBleTransport('AA:BB:CC:DD:EE:FF', adapterFor(peripheral));
    const scheduler = new VirtualScheduler();
    const session = new DeviceSession({ transport, clock: virtualClock(scheduler), nextId: () => 77 });
    const result = await session.start();
    expect(result).toMatchObject({ ok: true, device: { nodeId: '!00000042', firmware: '2.7.15.567b8ea', transport: 'ble', address: 'BLE AA:BB:CC:DD:EE:FF' } });
    session.close();
    expect(peripheral.disconnected).toBe(true);
  });
});
