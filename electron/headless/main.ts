// The headless node: `npm run node` / `npm run demo`. The same core as the desktop app, with the
// contract over an authenticated WebSocket and the console served to a browser.
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../node/config.ts';
import { askPassphrase, IdentityError, importBackup, keyFileExists, passphraseProtector } from '../node/identity/index.ts';
import { formatLogLine } from '../node/log.ts';
import { identityKeyFile, openNodeState, type NodeState } from '../node/node-state.ts';
import { PakitNode } from '../node/node.ts';
import { StorageError } from '../node/storage/index.ts';
import { HelpRequested, parseHeadlessConfig, type HeadlessConfig } from './config.ts';
import { demoNodeMesh, startDemoMesh, type DemoHeldFile, type DemoMesh } from './demo-mesh.ts';
import { HttpHost } from './http-host.ts';
import { withSecretFiles } from './secret-files.ts';

const root = join(import.meta.dirname, '..', '..');
const version = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;

// Stop cleanly on SIGINT/SIGTERM at any point of start-up too: close what exists, then exit 0.
const shutdownSteps: (() => Promise<void> | void)[] = [];
let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    void (async () => {
      for (const step of shutdownSteps.toReversed()) await step();
      process.exit(0);
    })();
  });
}

const fail = (message: string, fix?: string): never => {
  process.stderr.write(`pakit: ${message}\n${fix ? `       ${fix}\n` : ''}`);
  process.exit(2);
};

let config: HeadlessConfig;
let env: NodeJS.ProcessEnv;
try {
  env = withSecretFiles(process.env);
  config = parseHeadlessConfig(process.argv.slice(2), env);
} catch (error) {
  if (error instanceof HelpRequested) {
    process.stdout.write(error.message);
    process.exit(0);
  }
  if (error instanceof ConfigError) fail(error.message);
  throw error;
}

// The demo runs on a throw-away identity and store, whose passphrase lives only in this process.
const dataDir = config.dataDir ?? mkdtempSync(join(tmpdir(), 'pakit-demo-'));
mkdirSync(dataDir, { recursive: true, mode: 0o700 });
const passphrase = config.dataDir === undefined ? randomBytes(24).toString('base64url') : await keyPassphrase(dataDir);

let state: NodeState;
try {
  if (config.importIdentity) {
    const backupPassphrase = env.PAKIT_BACKUP_PASSPHRASE || (await askPassphrase('Passphrase of the identity backup: '));
    const imported = await importBackup(readFileSync(config.importIdentity, 'utf8'), backupPassphrase, {
      keyFile: identityKeyFile(dataDir),
      protector: passphraseProtector(passphrase),
      backupName: config.importIdentity,
    });
    process.stderr.write(`pakit: installed identity ${imported.fingerprint} from ${config.importIdentity}\n`);
  }
  state = await openNodeState(dataDir, passphraseProtector(passphrase), config.quotaBytes === undefined ? {} : { quotaBytes: config.quotaBytes });
} catch (error) {
  if (error instanceof IdentityError || error instanceof StorageError) fail(error.message, error.fix);
  if ((error as NodeJS.ErrnoException).code === 'ENOENT' && config.importIdentity) fail(`Cannot read the identity backup ${config.importIdentity}: no such file.`);
  throw error;
}

const storeStep = shutdownSteps.push(() => state.store.close()) - 1;
const demoMesh: DemoMesh | undefined = config.demo ? await startDemoMesh({ networkId: config.mesh.networkId, version }) : undefined;
if (demoMesh) shutdownSteps.push(() => demoMesh.close());
const node = new PakitNode({
  host: 'headless',
  version,
  mesh: demoMesh ? demoNodeMesh(config.mesh, demoMesh) : config.mesh,
  dataDir,
  identity: state.identity,
  protection: { level: 'passphrase', description: config.dataDir === undefined ? 'passphrase (throw-away demo identity)' : 'passphrase' },
  store: state.store,
  ...(demoMesh ? { extraRadioPorts: () => demoMesh.ports } : {}),
  resumeRadio: !config.demo,
  ...(config.radio ? { radio: config.radio } : {}),
  ...(config.tiles ? { tiles: config.tiles } : {}),
  historyDays: config.historyDays,
  logSink: (entry) => {
    if (entry.level !== 'debug') process.stderr.write(`${formatLogLine(entry)}\n`);
  },
});
const host = new HttpHost({ node, token: config.token, consoleDir: join(root, 'dist', 'console'), version });
shutdownSteps.push(() => host.close());

const address = await listen(config);
await node.start();
// Once started, the node stops its services and closes the store itself.
shutdownSteps[storeStep] = () => node.stop();
if (state.created) node.log.info('identity', `created a new node identity ${state.identity.fingerprint} in ${identityKeyFile(dataDir)}`);
const firstSimulated = demoMesh?.ports[0];
if (demoMesh && firstSimulated) void demoMesh.announced.then(() => node.radio.connect(firstSimulated.port));

const mesh = node.mesh.health();
const meshLine =
  mesh.phase === 'running' ? mesh.addresses.join(' ') : mesh.phase === 'disabled' ? 'disabled (MESH_ENABLED=false)' : `not running: ${mesh.error?.message ?? mesh.phase}`;
const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address === '0.0.0.0' ? '127.0.0.1' : address.address;
const base = `http://${shownHost}:${address.port}`;
process.stdout.write(
  [
    `Pakit Mesh ${version} headless node${config.demo ? ' (demo: simulated mesh of 4 radios with 2 other Pakit nodes, 3 IP peers on loopback)' : ''}`,
    `  console:  ${base}/#token=${config.tokenFromEnv ? '<PAKIT_API_TOKEN>' : config.token}`,
    `  health:   ${base}/api/health`,
    `  identity: ${state.identity.fingerprint}`,
    `  data:     ${dataDir}`,
    `  mesh:     ${meshLine}`,
    `  network:  ${config.mesh.networkId}${config.mesh.enabled ? '' : ' (mesh disabled)'}`,
    ...(demoMesh ? ['  files the demo\'s other Pakit nodes hold (request them over LoRa in Files):', ...demoMesh.files.map(describeDemoFile)] : []),
    '',
  ].join('\n'),
);


function describeDemoFile(file: DemoHeldFile): string {
  const where = file.hopsAway === 0 ? 'a radio neighbour' : `${file.hopsAway + 1} hops away`;
  return `    ${file.name.padEnd(16)} ${file.contentId}  ${file.size} B, ${file.holder} (${where})`;
}

async function keyPassphrase(dir: string): Promise<string> {
  const fromEnv = env.PAKIT_KEY_PASSPHRASE;
  if (fromEnv) return fromEnv;
  try {
    if (keyFileExists(identityKeyFile(dir))) return await askPassphrase('Passphrase of the node key: ');
    const first = await askPassphrase('New node identity. Choose a passphrase to protect its key: ');
    if (first.length < 8) fail('That passphrase is too short.', 'Use at least 8 characters.');
    if ((await askPassphrase('Type it again: ')) !== first) fail('The two passphrases differ; nothing was created.');
    return first;
  } catch (error) {
    if (error instanceof IdentityError) fail(error.message, error.fix);
    throw error;
  }
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
    return fail(reasons[code ?? ''] ?? `cannot listen on ${where}: ${(error as Error).message}`);
  }
}
