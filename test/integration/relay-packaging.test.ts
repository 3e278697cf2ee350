// The relay's packaging checked without Docker or systemd (neither runs here): the compose file is
// interpolated and its settings validated by the node's own parser, the image's file set is laid
// out in a clean folder and started with the image's command, and the systemd unit runs the same.
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { parseHeadlessConfig } from '../../electron/headless/config.ts';
import { withSecretFiles } from '../../electron/headless/secret-files.ts';
import { repoRoot } from '../helpers/headless-node.ts';

type Instruction = { keyword: string; args: string };

/** Dockerfile instructions of the last stage (the image that runs), continuation lines joined. */
function finalStage(dockerfile: string): Instruction[] {
  const joined = dockerfile.replace(/\\\n\s*/g, ' ');
  const lines = joined.split('\n').map((line) => line.trim()).filter((line) => line && !line.startsWith('#'));
  const stages: Instruction[][] = [];
  for (const line of lines) {
    const [keyword = '', ...rest] = line.split(/\s+/);
    if (keyword.toUpperCase() === 'FROM') stages.push([]);
    stages.at(-1)?.push({ keyword: keyword.toUpperCase(), args: rest.join(' ') });
  }
  return stages.at(-1) ?? [];
}

/** Compose's `${NAME:-default}` interpolation, from an empty .env: what `docker compose config` resolves. */
const interpolate = (value: string, env: Record<string, string>) =>
  value.replace(/\$\{(\w+)(?::-([^}]*))?\}/g, (_, name: string, fallback = '') => env[name] || fallback);

type Compose = {
  services: Record<string, { ports: string[]; environment: Record<string, string>; volumes: string[]; devices: string[]; secrets: string[]; group_add: string[]; healthcheck: { test: string[] } }>;
  volumes: Record<string, unknown>;
  secrets: Record<string, { file: string }>;
};

const dockerfile = readFileSync(join(repoRoot, 'Dockerfile'), 'utf8');
const compose = parseYaml(readFileSync(join(repoRoot, 'compose.yaml'), 'utf8')) as Compose;
const relay = compose.services.relay!;
const stage = finalStage(dockerfile);
const imageEnv = Object.fromEntries(
  stage.filter((step) => step.keyword === 'ENV').flatMap((step) => [...step.args.matchAll(/(\w+)=(\S+)/g)].map((match) => [match[1]!, match[2]!])),
);
const command = JSON.parse(stage.find((step) => step.keyword === 'CMD')!.args) as string[];

describe('relay packaging', { timeout: 60_000 }, () => {
  it('compose: ports, data volume, radio device, secrets as files, and settings the node accepts', () => {
    expect(relay.ports.map((port) => port.split(' ')[0]!.split(':').at(-1))).toEqual(['7777', '8080']);
    expect(relay.volumes).toContain('pakit-data:/data');
    expect(Object.keys(compose.volumes)).toContain('pakit-data');
    expect(relay.devices.map((device) => interpolate(device, {}))).toEqual(['/dev/ttyUSB0:/dev/ttyUSB0']);
    expect(relay.group_add).toContain('dialout');
    for (const secret of relay.secrets) expect(compose.secrets[secret]?.file, secret).toMatch(/^\.\/secrets\//);
    expect(relay.environment.PAKIT_KEY_PASSPHRASE_FILE).toBe('/run/secrets/pakit_key_passphrase');
    expect(relay.environment.PAKIT_API_TOKEN_FILE).toBe('/run/secrets/pakit_api_token');
    expect(relay.healthcheck.test.slice(1)).toEqual(JSON.parse(stage.find((step) => step.keyword === 'HEALTHCHECK')!.args.replace(/^.*?CMD\s+/, '')));

    // What the container gets, through the node's own validation (a bad default would exit 2 at start).
    const environment = Object.fromEntries(Object.entries(relay.environment).map(([name, value]) => [name, interpolate(String(value), {})]));
    const secrets = mkdtempSync(join(tmpdir(), 'pakit-secrets-'));
    writeFileSync(join(secrets, 'pakit_key_passphrase'), 'correct horse battery staple\n');
    writeFileSync(join(secrets, 'pakit_api_token'), 'compose-token-0123456789\n');
    const env = withSecretFiles({
      ...imageEnv,
      ...environment,
      PAKIT_KEY_PASSPHRASE_FILE: join(secrets, 'pakit_key_passphrase'),
      PAKIT_API_TOKEN_FILE: join(secrets, 'pakit_api_token'),
    });
    const config = parseHeadlessConfig([], env);
    expect(config).toMatchObject({ api: { host: '0.0.0.0', port: 8080 }, token: 'compose-token-0123456789', tokenFromEnv: true, dataDir: '/data' });
    expect(config.mesh).toMatchObject({ enabled: true, networkId: 'pakit-mesh', mdns: false, listen: { host: '0.0.0.0', port: 7777 } });
    expect(env.PAKIT_KEY_PASSPHRASE).toBe('correct horse battery staple');
  });

  it('the image’s files and command start a relay from a clean folder, and its health check passes', async () => {
    const app = mkdtempSync(join(tmpdir(), 'pakit-image-'));
    for (const step of stage.filter((instruction) => instruction.keyword === 'COPY')) {
      const parts = step.args.split(/\s+/).filter((part) => !part.startsWith('--'));
      const target = parts.at(-1)!;
      for (const source of parts.slice(0, -1)) {
        // `COPY --from=console /app/dist/console`: the console stage's build output, here `npm run build`'s.
        const from = step.args.includes('--from=console') ? join(repoRoot, source.replace(/^\/app\//, '')) : join(repoRoot, source);
        expect(existsSync(from), `${source} (COPY in the Dockerfile)`).toBe(true);
        const to = target.endsWith('/') || target === './' ? join(app, target, source.split('/').at(-1)!) : join(app, target);
        mkdirSync(dirname(to), { recursive: true });
        cpSync(from, to, { recursive: true });
      }
    }
    // `npm ci --omit=dev` is npm's business (CI runs `npm ci`); the image's packages are the project's.
    symlinkSync(join(repoRoot, 'node_modules'), join(app, 'node_modules'), 'dir');
    const data = join(app, 'data');
    const secrets = join(app, 'run-secrets');
    mkdirSync(secrets);
    writeFileSync(join(secrets, 'key'), 'a passphrase for the relay\n', { mode: 0o600 });
    writeFileSync(join(secrets, 'token'), 'relay-token-abcdefghijkl\n', { mode: 0o600 });

    const child = spawn(command[0] === 'node' ? process.execPath : command[0]!, command.slice(1), {
      cwd: app,
      env: {
        PATH: process.env.PATH ?? '',
        ...imageEnv,
        // The image listens on 0.0.0.0:8080 and :7777; here a free loopback port each, off the LAN.
        PAKIT_API: '127.0.0.1:0',
        MESH_LISTEN: '127.0.0.1:0',
        MESH_MDNS: 'false',
        PAKIT_DATA_DIR: data,
        PAKIT_KEY_PASSPHRASE_FILE: join(secrets, 'key'),
        PAKIT_API_TOKEN_FILE: join(secrets, 'token'),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    try {
      await expect.poll(() => /health:\s+(\S+)/.exec(stdout)?.[1], { timeout: 30_000, interval: 200 }).toBeDefined();
      const health = /health:\s+(\S+)/.exec(stdout)![1]!;
      expect(stdout).toContain('console:  http://127.0.0.1:');
      expect(stdout).toContain('<PAKIT_API_TOKEN>'); // a token from a file is never printed
      const answer = (await (await fetch(health)).json()) as { status: string };
      expect(answer.status).toBe('ok');
      expect(existsSync(join(data, 'identity.key'))).toBe(true);

      // The image's own health check, pointed at this port.
      const check = JSON.parse(stage.find((step) => step.keyword === 'HEALTHCHECK')!.args.replace(/^.*?CMD\s+/, '')) as string[];
      const probe = spawn(process.execPath, check.slice(1).map((arg) => arg.replace('http://127.0.0.1:8080/api/health', health)), { stdio: 'ignore' });
      expect(await new Promise((resolve) => probe.on('close', resolve))).toBe(0);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited, stderr).toBe(0);
  });

  it('systemd: the unit runs the image’s command with the same settings, secrets as credentials, no restart on a config error', async () => {
    const unit = readFileSync(join(repoRoot, 'deploy/pakit-relay.service'), 'utf8');
    const values = (key: string) => [...unit.matchAll(new RegExp(`^${key}=(.*)$`, 'gm'))].map((match) => match[1]!);
    expect(values('ExecStart')[0]).toMatch(new RegExp(`/node ${command.slice(1).join(' ')}$`));
    const environment = Object.fromEntries(values('Environment').map((line) => line.split(/=(.*)/s).slice(0, 2)));
    for (const name of ['PAKIT_DATA_DIR', 'PAKIT_API', 'MESH_LISTEN']) expect(environment[name], name).toBeDefined();
    expect(environment.PAKIT_KEY_PASSPHRASE_FILE).toBe('%d/key_passphrase');
    expect(environment.PAKIT_API_TOKEN_FILE).toBe('%d/api_token');
    expect(values('LoadCredential').map((line) => line.split(':')[0])).toEqual(['key_passphrase', 'api_token']);
    expect(values('SupplementaryGroups')).toEqual(['dialout']);

    // The status it will not restart on is the one the node exits with for a bad setting.
    expect(values('RestartPreventExitStatus')).toEqual(['2']);
    const bad = spawn(process.execPath, [join(repoRoot, command[1]!)], {
      env: { PATH: process.env.PATH ?? '', PAKIT_API: '0.0.0.0:8080', PAKIT_DATA_DIR: mkdtempSync(join(tmpdir(), 'pakit-bad-')) },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let said = '';
    bad.stderr.on('data', (chunk: Buffer) => (said += chunk.toString()));
    expect(await new Promise((resolve) => bad.on('close', resolve))).toBe(2);
    expect(said).toMatch(/PAKIT_API_TOKEN/);
  });
});
