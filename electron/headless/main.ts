// The headless node: `npm run node` / `npm run demo`. The same core as the desktop app, with the
// contract over an authenticated WebSocket and the console served to a browser.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../node/config.ts';
import { formatLogLine } from '../node/log.ts';
import { PakitNode } from '../node/node.ts';
import { HelpRequested, parseHeadlessConfig, type HeadlessConfig } from './config.ts';
import { HttpHost } from './http-host.ts';

const root = join(import.meta.dirname, '..', '..');
const version = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;

let config: HeadlessConfig;
try {
  config = parseHeadlessConfig(process.argv.slice(2), process.env);
} catch (error) {
  if (error instanceof HelpRequested) {
    process.stdout.write(error.message);
    process.exit(0);
  }
  if (error instanceof ConfigError) {
    process.stderr.write(`pakit: ${error.message}\n`);
    process.exit(2);
  }
  throw error;
}

const node = new PakitNode({
  host: 'headless',
  version,
  mesh: config.mesh,
  logSink: (entry) => {
    if (entry.level !== 'debug') process.stderr.write(`${formatLogLine(entry)}\n`);
  },
});
const host = new HttpHost({ node, token: config.token, consoleDir: join(root, 'dist', 'console'), version });

const address = await listen(config);
await node.start();

const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address === '0.0.0.0' ? '127.0.0.1' : address.address;
const base = `http://${shownHost}:${address.port}`;
process.stdout.write(
  [
    `Pakit Mesh ${version} headless node${config.demo ? ' (demo)' : ''}`,
    `  console: ${base}/#token=${config.tokenFromEnv ? '<PAKIT_API_TOKEN>' : config.token}`,
    `  health:  ${base}/api/health`,
    `  network: ${config.mesh.networkId}${config.mesh.enabled ? '' : ' (mesh disabled)'}`,
    '',
  ].join('\n'),
);

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    void (async () => {
      await host.close();
      await node.stop();
      process.exit(0);
    })();
  });
}

async function listen(config: HeadlessConfig) {
  try {
    return await host.listen(config.api.host, config.api.port);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE' && config.demo) {
      // The demo must start wherever it is run: take any free port rather than fail.
      return host.listen(config.api.host, 0);
    }
    const where = `${config.api.host}:${config.api.port}`;
    const reasons: Record<string, string> = {
      EADDRINUSE: `${where} is already in use by another program (or another Pakit node). Choose another with --api HOST:PORT.`,
      EACCES: `Not allowed to listen on ${where}. Ports below 1024 need privileges: choose a port above 1024.`,
      EADDRNOTAVAIL: `${config.api.host} is not an address of this machine. Use 127.0.0.1, 0.0.0.0 or one of its own addresses.`,
    };
    process.stderr.write(`pakit: ${reasons[code ?? ''] ?? `cannot listen on ${where}: ${(error as Error).message}`}\n`);
    process.exit(2);
  }
}
