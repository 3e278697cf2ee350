import { Portnums } from '@meshtastic/protobufs';
import { afterEach, describe, expect, it } from 'vitest';
import { connect, type Socket } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SerialPort } from 'serialport';
import { Mesh } from '@meshtastic/protobufs';
import { FrameDecoder, encodeFrame } from '../../electron/node/radio/index.ts';
import {
  BROADCAST_NUM,
  ScaledRealTimeScheduler,
  createSimMesh,
  exposeTcpAsPty,
  serveDeviceOverTcp,
  type DevicePty,
  type DeviceTcpServer,
} from '../../electron/sim/index.ts';
import { decodeMessage, encodeMessage, makeMessage, type FromRadioMessage } from '../../electron/sim/messages.ts';

type Transport = { write(bytes: Uint8Array): void; close(): Promise<void> };

/** A raw stream-API client over any byte transport. */
class RawClient {
  readonly received: FromRadioMessage[] = [];
  readonly logLines: string[] = [];
  private readonly decoder = new FrameDecoder();
  private waiters: (() => void)[] = [];
  transport!: Transport;

  onBytes(bytes: Uint8Array): void {
    for (const item of this.decoder.push(bytes)) {
      if (item.type === 'log') this.logLines.push(item.line);
      else this.received.push(decodeMessage<FromRadioMessage>(Mesh.FromRadioSchema, item.payload));
    }
    this.waiters.forEach((wake) => wake());
  }

  send(init: object): void {
    this.transport.write(encodeFrame(encodeMessage(Mesh.ToRadioSchema, makeMessage(Mesh.ToRadioSchema, init))));
  }

  async until(predicate: (message: FromRadioMessage) => boolean, timeoutMs = 10_000): Promise<FromRadioMessage> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.received.find(predicate);
      if (found) return found;
      if (Date.now() > deadline) throw new Error('timed out waiting for a FromRadio');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 50);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
      this.waiters = [];
    }
  }

  async handshake(nonce: number): Promise<void> {
    this.transport.write(new Uint8Array(32).fill(0xc3)); // wake-up bytes, as real clients send
    this.send({ payloadVariant: { case: 'wantConfigId', value: nonce } });
    await this.until((m) => m.payloadVariant.case === 'configCompleteId' && m.payloadVariant.value === nonce);
  }

  sendData(to: number, id: number, payload: Uint8Array, portnum = 1): void {
    const packet = makeMessage(Mesh.MeshPacketSchema, {
      to,
      id,
      hopLimit: 3,
      payloadVariant: { case: 'decoded', value: makeMessage(Mesh.DataSchema, { portnum, payload }) },
    });
    this.send({ payloadVariant: { case: 'packet', value: packet } });
  }
}

async function tcpClient(port: number): Promise<RawClient> {
  const client = new RawClient();
  const socket: Socket = await new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => resolve(s));
    s.once('error', reject);
  });
  socket.on('data', (chunk: Buffer) => client.onBytes(new Uint8Array(chunk)));
  client.transport = {
    write: (bytes) => socket.write(bytes),
    close: () => new Promise((resolve) => socket.end(() => resolve())),
  };
  return client;
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function startMesh(nodes: number): Promise<{ mesh: ReturnType<typeof createSimMesh>; servers: DeviceTcpServer[] }> {
  const scheduler = new ScaledRealTimeScheduler(200); // a 2.2 s LONG_FAST frame takes 11 ms
  const mesh = createSimMesh({ nodes, scheduler, seed: 11, announceWithinMs: false });
  const servers = await Promise.all(mesh.devices.map((device) => serveDeviceOverTcp(device)));
  cleanups.push(async () => {
    await Promise.all(servers.map((server) => server.close()));
    scheduler.stop();
  });
  return { mesh, servers };
}

describe('simulated device over TCP (port 4403 protocol)', () => {
  it('does the handshake, carries a text to another device and drops an oversize payload silently', async () => {
    const { mesh, servers } = await startMesh(2);
    const alice = await tcpClient(servers[0]!.port);
    const bob = await tcpClient(servers[1]!.port);
    cleanups.push(() => alice.transport.close(), () => bob.transport.close());
    await alice.handshake(0x1234_5678);
    await bob.handshake(99);
    expect(alice.logLines.some((line) => line.includes('Meshtastic firmware'))).toBe(true);
    const complete = alice.received.find((m) => m.payloadVariant.case === 'configCompleteId');
    expect(complete?.payloadVariant.value).toBe(0x1234_5678);

    alice.sendData(mesh.devices[1]!.nodeNum, 1001, new TextEncoder().encode('hello over the air'));
    const text = await bob.until((m) => m.payloadVariant.case === 'packet' && m.payloadVariant.value.id === 1001);
    expect(text.payloadVariant.case === 'packet' && text.payloadVariant.value.from).toBe(mesh.devices[0]!.nodeNum);

    const before = alice.received.length;
    alice.sendData(BROADCAST_NUM, 1002, new Uint8Array(300), 256);
    await new Promise((resolve) => setTimeout(resolve, 500)); // 100 s of radio time
    // Nothing answers the oversize packet; only the device's minute-by-minute own telemetry arrives.
    const isOwnTelemetry = (m: (typeof alice.received)[number]) =>
      m.payloadVariant.case === 'packet' && (m.payloadVariant.value.payloadVariant.value as { portnum?: number } | undefined)?.portnum === Portnums.PortNum.TELEMETRY_APP;
    expect(alice.received.slice(before).filter((m) => !isOwnTelemetry(m))).toEqual([]);
    expect(bob.received.some((m) => m.payloadVariant.case === 'packet' && m.payloadVariant.value.id === 1002)).toBe(false);
  });

  it('serves the same device through a socat pseudo-terminal opened with serialport', async () => {
    const { mesh, servers } = await startMesh(2);
    const dir = mkdtempSync(join(tmpdir(), 'pakit-sim-pty-'));
    const pty: DevicePty = await exposeTcpAsPty(servers[0]!.port, join(dir, 'radio'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }), () => pty.close());
    const port = new SerialPort({ path: pty.path, baudRate: 115_200, hupcl: false, autoOpen: false });
    await new Promise<void>((resolve, reject) => port.open((error) => (error ? reject(error) : resolve())));
    const client = new RawClient();
    port.on('data', (chunk: Buffer) => client.onBytes(new Uint8Array(chunk)));
    client.transport = {
      write: (bytes) => port.write(Buffer.from(bytes)),
      close: () => new Promise((resolve) => (port.isOpen ? port.close(() => resolve()) : resolve())),
    };
    cleanups.push(() => client.transport.close());
    await client.handshake(4242);
    const myInfo = client.received.find((m) => m.payloadVariant.case === 'myInfo');
    expect((myInfo?.payloadVariant.value as { myNodeNum: number }).myNodeNum).toBe(mesh.devices[0]!.nodeNum);
  });
});
