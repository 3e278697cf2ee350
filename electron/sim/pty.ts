// Exposes a device's TCP port as a serial pseudo-terminal through socat, so serial clients
// (serialport, the Meshtastic CLI) can open it like a USB radio.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';

export type DevicePty = {
  readonly path: string;
  /** Stops socat: the serial port disappears as if the cable were pulled. */
  close(): Promise<void>;
};

export async function exposeTcpAsPty(tcpPort: number, linkPath: string, options: { socat?: string; timeoutMs?: number } = {}): Promise<DevicePty> {
  const socat: ChildProcess = spawn(
    options.socat ?? 'socat',
    [`pty,raw,echo=0,link=${linkPath}`, `tcp:127.0.0.1:${tcpPort}`],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  socat.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<void>((resolve) => socat.once('exit', () => resolve()));
  const deadline = Date.now() + (options.timeoutMs ?? 5_000);
  while (!existsSync(linkPath)) {
    if (socat.exitCode !== null || Date.now() > deadline) {
      socat.kill();
      throw new Error(`socat did not create ${linkPath}: ${stderr.trim() || `exit ${socat.exitCode}`}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return {
    path: linkPath,
    async close() {
      if (socat.exitCode === null) socat.kill('SIGTERM');
      await exited;
    },
  };
}
