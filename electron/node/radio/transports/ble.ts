// Meshtastic over Bluetooth LE: no framing, one protobuf per GATT read or write (FIELD-NOTES §2).
// The host writes ToRadio to `toRadio`; the device signals waiting FromRadio messages by notifying
// `fromNum`, and the host reads `fromRadio` until a read comes back empty. `logRadio` notifies one
// LogRecord protobuf per device log line.
//
// No Bluetooth library is installed and our machines have no adapter, so GATT access comes in
// through `GattAdapter`, which a host fills from a real stack (Web Bluetooth in the renderer, or
// @stoprocent/noble). Without one, opening reports `bluetooth_unavailable`.
import { fromBinary, type DescMessage } from '@bufbuild/protobuf';
import { Mesh } from '@meshtastic/protobufs';
import { radioErrors, type RadioError } from '../errors.ts';
import { TransportOutlet, type RadioTransport, type TransportHandlers } from './transport.ts';

export const MESHTASTIC_BLE = {
  service: '6ba1b218-15a8-461f-9fa8-5dcae273eafd',
  toRadio: 'f75c76d2-129e-4dad-a1dd-7866124401e7',
  fromRadio: '2c55e69e-4993-11ed-b878-0242ac120002',
  fromNum: 'ed9da18c-a800-4f66-a670-aa7547e34453',
  logRadio: '5a3d6e49-06e6-4423-9944-e9de8cdf9547',
} as const;

/** One connected peripheral, as any GATT stack can offer it. */
export interface GattConnection {
  read(characteristic: string): Promise<Uint8Array>;
  write(characteristic: string, value: Uint8Array): Promise<void>;
  subscribe(characteristic: string, listener: (value: Uint8Array) => void): Promise<void>;
  /** The peripheral went away (out of range, switched off, link lost). */
  onDisconnect(listener: () => void): void;
  disconnect(): Promise<void>;
}

export interface GattAdapter {
  /** Connects to the peripheral `deviceId` and discovers `service`; rejects if it cannot. */
  connect(deviceId: string, service: string): Promise<GattConnection>;
}

/** Rejects only with a RadioError: `bluetooth_unavailable` without an adapter, else `device_not_found`. */
export async function openBleTransport(deviceId: string, adapter: GattAdapter | undefined): Promise<RadioTransport> {
  if (!adapter) throw radioErrors.bluetoothUnavailable();
  const label = `BLE ${deviceId}`;
  let connection: GattConnection;
  try {
    connection = await adapter.connect(deviceId, MESHTASTIC_BLE.service);
  } catch (error) {
    throw radioErrors.deviceNotFound(label, error);
  }
  const transport = new BleTransport(label, connection);
  try {
    await connection.subscribe(MESHTASTIC_BLE.fromNum, () => transport.drain());
    await connection.subscribe(MESHTASTIC_BLE.logRadio, (value) => transport.logRecord(value));
  } catch (error) {
    transport.close(radioErrors.deviceNotFound(label, error));
    throw radioErrors.deviceNotFound(label, error);
  }
  return transport;
}

type LogRecordView = { message: string };

export class BleTransport implements RadioTransport {
  readonly kind = 'ble' as const;
  readonly label: string;
  readonly #connection: GattConnection;
  readonly #outlet = new TransportOutlet();
  /** GATT allows one operation at a time: every read and write waits for the previous one. */
  #chain: Promise<void> = Promise.resolve();
  #draining = false;
  #drainAgain = false;

  constructor(label: string, connection: GattConnection) {
    this.label = label;
    this.#connection = connection;
    connection.onDisconnect(() => this.#outlet.closed(radioErrors.unplugged(label)));
  }

  attach(handlers: TransportHandlers): void {
    this.#outlet.attach(handlers);
  }

  send(toRadio: Uint8Array): void {
    if (this.#outlet.isClosed) return;
    this.#gatt(() => this.#connection.write(MESHTASTIC_BLE.toRadio, toRadio));
    // The answer (config, QueueStatus) is waiting in fromRadio now; not every firmware notifies it.
    this.drain();
  }

  close(error?: RadioError): void {
    if (!this.#outlet.closed(error)) return;
    this.#connection.disconnect().catch(() => undefined); // already gone is as good as closed
  }

  /** Reads fromRadio until it comes back empty; a request during a drain runs one more. */
  drain(): void {
    if (this.#outlet.isClosed) return;
    if (this.#draining) {
      this.#drainAgain = true;
      return;
    }
    this.#draining = true;
    this.#gatt(async () => {
      do {
        this.#drainAgain = false;
        for (;;) {
          const value = await this.#connection.read(MESHTASTIC_BLE.fromRadio);
          if (value.length === 0 || this.#outlet.isClosed) break;
          this.#outlet.fromRadio(value);
        }
      } while (this.#drainAgain && !this.#outlet.isClosed);
      this.#draining = false;
    });
  }

  /** A logRadio notification: one LogRecord protobuf. */
  logRecord(value: Uint8Array): void {
    try {
      const record = fromBinary(Mesh.LogRecordSchema as DescMessage, value) as unknown as LogRecordView;
      this.#outlet.log(record.message);
    } catch {
      this.#outlet.log(`(unreadable log record, ${value.length} bytes)`);
    }
  }

  #gatt(operation: () => Promise<void>): void {
    this.#chain = this.#chain.then(operation).catch((error: unknown) => {
      this.#draining = false;
      this.close(radioErrors.unplugged(this.label, error));
    });
  }
}
