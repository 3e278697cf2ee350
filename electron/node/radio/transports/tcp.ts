// The firmware's stream API over TCP (Wi-Fi/Ethernet boards, the Linux-native daemon, our simulator).
import { connect, type Socket } from 'node:net';
import { radioErrors, type RadioError } from '../errors.ts';
import { StreamTransport, type RadioTransport } from './transport.ts';

export const DEFAULT_TCP_PORT = 4403;
const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;

export type TcpTarget = { host: string; port?: number; connectTimeoutMs?: number };

/** Connects to `host:port`; rejects only with a RadioError (`device_not_found`). */
export function openTcpTransport(target: TcpTarget): Promise<RadioTransport> {
  const port = target.port ?? DEFAULT_TCP_PORT;
  const label = `${target.host}:${port}`;
  return new Promise((resolve, reject) => {
    const socket: Socket = connect({ host: target.host, port });
    const timer = setTimeout(() => socket.destroy(new Error('connect timed out')), target.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS);
    const failOpen = (error: Error): void => {
      clearTimeout(timer);
      reject(radioErrors.deviceNotFound(label, error));
    };
    socket.once('error', failOpen);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.off('error', failOpen);
      socket.setNoDelay(true);
      let lostWith: RadioError | undefined;
      const transport = new StreamTransport('tcp', label, {
        write: (bytes) => {
          if (!socket.destroyed) socket.write(bytes);
        },
        destroy: () => socket.destroy(),
      });
      socket.on('data', (chunk: Buffer) => transport.receive(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength)));
      socket.on('error', (error) => {
        lostWith = radioErrors.unplugged(label, error);
      });
      // A close we did not ask for (the device reset the socket, Wi-Fi dropped) is an unplug.
      socket.on('close', () => transport.ended(lostWith ?? radioErrors.unplugged(label)));
      resolve(transport);
    });
  });
}
