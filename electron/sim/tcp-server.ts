// Serves one simulated device over TCP like the firmware's API server on port 4403.
import { createServer, type Server, type Socket } from 'node:net';
import type { SimDevice } from './device.ts';

/** The firmware drops a TCP client that sent nothing for this long (wall time, as clients count it). */
export const TCP_IDLE_TIMEOUT_MS = 60_000;

export type DeviceTcpServer = {
  readonly port: number;
  readonly host: string;
  /** Resets every connected socket (the device stays up and accepts new ones). */
  dropClients(): void;
  close(): Promise<void>;
};

export type DeviceTcpServerOptions = { host?: string; port?: number; idleTimeoutMs?: number };

export async function serveDeviceOverTcp(device: SimDevice, options: DeviceTcpServerOptions = {}): Promise<DeviceTcpServer> {
  const host = options.host ?? '127.0.0.1';
  const idleTimeoutMs = options.idleTimeoutMs ?? TCP_IDLE_TIMEOUT_MS;
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.setNoDelay(true);
    socket.setTimeout(idleTimeoutMs, () => socket.destroy());
    if (!device.isAlive) {
      socket.destroy();
      return;
    }
    const session = device.connect({
      write: (bytes) => {
        if (!socket.destroyed) socket.write(bytes);
      },
      close: () => socket.destroy(),
    });
    socket.on('data', (chunk: Buffer) => session.receive(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength)));
    socket.on('close', () => {
      sockets.delete(socket);
      session.close();
    });
    socket.on('error', () => socket.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('TCP server has no port');
  return {
    port: address.port,
    host,
    dropClients() {
      for (const socket of sockets) socket.destroy();
    },
    close() {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
