import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { CloseCodes, createContractClient, createWebSocketTransport, PROTOCOL, tokenProtocol, type ContractClient } from '../../shared/contract/index.ts';
import { runHeadlessNode, startHeadlessNode, type RunningNode } from '../helpers/headless-node.ts';

let node: RunningNode;

beforeAll(async () => {
  node = await startHeadlessNode();
});

afterAll(async () => {
  expect(await node.stop()).toBe(0);
});

const wsUrl = () => `${node.base.replace('http', 'ws')}/api/ws`;

/** Opens a raw socket and reports how it ended: HTTP refusal, close code, or open. */
function attempt(protocols: string[], headers: Record<string, string> = {}): Promise<{ opened: boolean; closeCode?: number; httpStatus?: number; socket: WebSocket }> {
  return new Promise((resolve) => {
    const socket = new WebSocket(wsUrl(), protocols, { headers });
    let opened = false;
    socket.on('open', () => (opened = true));
    socket.on('unexpected-response', (_request, response) => resolve({ opened, httpStatus: response.statusCode, socket }));
    socket.on('close', (code) => resolve({ opened, closeCode: code, socket }));
    socket.on('error', () => undefined);
  });
}

function rawSession(): Promise<{ send(data: string | Buffer): void; next(): Promise<Record<string, unknown>>; close(): void }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(wsUrl(), [PROTOCOL, tokenProtocol(node.token)]);
    const inbox: Record<string, unknown>[] = [];
    const waiters: ((message: Record<string, unknown>) => void)[] = [];
    socket.on('message', (data) => {
      const message = JSON.parse(data.toString()) as Record<string, unknown>;
      if (message.kind !== 'response') return;
      const waiter = waiters.shift();
      if (waiter) waiter(message);
      else inbox.push(message);
    });
    socket.on('open', () =>
      resolve({
        send: (data) => socket.send(data),
        next: () => {
          const queued = inbox.shift();
          return queued ? Promise.resolve(queued) : new Promise((done) => waiters.push(done));
        },
        close: () => socket.close(),
      }),
    );
    socket.on('error', reject);
  });
}

describe('headless node HTTP', () => {
  it('answers /api/health without a token', async () => {
    const response = await fetch(`${node.base}/api/health`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ status: 'ok', version: '0.1.0' });
    expect(typeof body.uptime_s).toBe('number');
  });

  it('serves the console with its CSP and security headers', async () => {
    const response = await fetch(`${node.base}/`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(response.headers.get('x-frame-options')).toBe('DENY');
    expect(await response.text()).toContain('<div id="root">');
  });

  it('refuses paths that escape the console folder', async () => {
    for (const path of ['/../package.json', '/%2e%2e/package.json', '/assets/%2e%2e/%2e%2e/package.json']) {
      const response = await fetch(`${node.base}${path}`);
      expect(await response.text(), path).not.toContain('"name": "pakit-mesh"');
    }
  });

  it('refuses a host name it is not (DNS rebinding)', async () => {
    const port = new URL(node.base).port;
    const { request } = await import('node:http');
    const status = await new Promise<number | undefined>((resolve) => {
      request({ host: '127.0.0.1', port, path: '/api/health', headers: { Host: `attacker.example:${port}` } }, (response) => resolve(response.statusCode)).end();
    });
    expect(status).toBe(421);
  });
});

describe('headless node WebSocket', () => {
  it('refuses a missing token', async () => {
    const result = await attempt([PROTOCOL]);
    expect(result.closeCode).toBe(CloseCodes.unauthorized);
  });

  it('refuses a wrong token', async () => {
    const result = await attempt([PROTOCOL, tokenProtocol('x'.repeat(32))]);
    expect(result.closeCode).toBe(CloseCodes.unauthorized);
  });

  it('refuses a page from a foreign origin even with the right token', async () => {
    const result = await attempt([PROTOCOL, tokenProtocol(node.token)], { Origin: 'http://evil.example' });
    expect(result.httpStatus).toBe(403);
  });

  it('accepts the right token from its own origin', async () => {
    const result = await new Promise<boolean>((resolve) => {
      const socket = new WebSocket(wsUrl(), [PROTOCOL, tokenProtocol(node.token)], { headers: { Origin: node.base } });
      socket.on('open', () => (socket.close(), resolve(true)));
      socket.on('close', () => resolve(false));
    });
    expect(result).toBe(true);
  });

  it('answers invalid input, unknown methods and malformed messages with typed errors, and keeps serving', async () => {
    const session = await rawSession();
    session.send(JSON.stringify({ kind: 'request', id: 1, method: 'log.recent', params: { limit: 'all' } }));
    expect(await session.next()).toMatchObject({ id: 1, ok: false, error: { code: 'invalid_input', issues: [{ path: 'limit' }] } });
    session.send(JSON.stringify({ kind: 'request', id: 2, method: 'radio.meltdown', params: {} }));
    expect(await session.next()).toMatchObject({ id: 2, ok: false, error: { code: 'unknown_method' } });
    session.send('{not json');
    expect(await session.next()).toMatchObject({ id: null, ok: false, error: { code: 'malformed_message' } });
    session.send(Buffer.from([0x94, 0xc3, 0x00]));
    expect(await session.next()).toMatchObject({ id: null, ok: false, error: { code: 'malformed_message' } });
    session.send(JSON.stringify({ kind: 'request', id: 3, method: 'node.info', params: {} }));
    expect(await session.next()).toMatchObject({ id: 3, ok: true, result: { host: 'headless' } });
    session.close();
    expect((await fetch(`${node.base}/api/health`)).status).toBe(200);
  });

  it('drives the typed client over the same protocol, with live events', async () => {
    const client: ContractClient = createContractClient(createWebSocketTransport({ url: wsUrl(), token: node.token }));
    await new Promise<void>((resolve) => client.onState((state) => state.phase === 'open' && resolve()));
    const info = await client.call('node.info', {});
    expect(info.ok && info.value.mesh.networkId).toBe('pakit-mesh');
    const samples = await new Promise<number>((resolve) => client.on('node.status', (items) => resolve(items.length)));
    expect(samples).toBe(1);
    client.close();
  });
});

describe('headless node start-up', () => {
  it('stops on an invalid MESH_* value, naming the variable, the value and what is allowed', async () => {
    const result = await runHeadlessNode(['--api', '127.0.0.1:0'], { MESH_BYZANTINE_THRESHOLD: '2' });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('MESH_BYZANTINE_THRESHOLD="2"');
    expect(result.stderr).toContain('0.0 to 1.0');
    expect(result.stdout).not.toContain('console:');
  });

  it('refuses to listen beyond loopback without a chosen token', async () => {
    const result = await runHeadlessNode(['--api', '0.0.0.0:0']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('PAKIT_API_TOKEN');
  });

  it('keeps its identity across restarts, and says so plainly on a wrong passphrase or a corrupt key file', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'pakit-identity-'));
    const first = await startHeadlessNode(['--api', '127.0.0.1:0'], { PAKIT_DATA_DIR: dataDir, PAKIT_KEY_PASSPHRASE: 'first passphrase' });
    const fingerprint = /identity:\s+(\S+)/.exec(first.stdout())?.[1];
    expect(await first.stop()).toBe(0);
    const again = await startHeadlessNode(['--api', '127.0.0.1:0'], { PAKIT_DATA_DIR: dataDir, PAKIT_KEY_PASSPHRASE: 'first passphrase' });
    expect(/identity:\s+(\S+)/.exec(again.stdout())?.[1]).toBe(fingerprint);
    expect(await again.stop()).toBe(0);

    const keyFile = join(dataDir, 'identity.key');
    const original = readFileSync(keyFile, 'utf8');
    const wrong = await runHeadlessNode(['--api', '127.0.0.1:0'], { PAKIT_DATA_DIR: dataDir, PAKIT_KEY_PASSPHRASE: 'not the passphrase' });
    expect(wrong.code).toBe(2);
    expect(wrong.stderr.toLowerCase()).toContain('wrong passphrase');
    expect(readFileSync(keyFile, 'utf8')).toBe(original);

    writeFileSync(keyFile, original.slice(0, original.length / 2));
    const corrupt = await runHeadlessNode(['--api', '127.0.0.1:0'], { PAKIT_DATA_DIR: dataDir, PAKIT_KEY_PASSPHRASE: 'first passphrase' });
    expect(corrupt.code).toBe(2);
    expect(corrupt.stderr).toMatch(/damaged|corrupt/i);
    expect(readFileSync(keyFile, 'utf8')).toBe(original.slice(0, original.length / 2));
  });

  it('moves an identity to another node with an encrypted backup, and never over an existing one', async () => {
    const client = createContractClient(createWebSocketTransport({ url: wsUrl(), token: node.token }));
    await new Promise<void>((resolve) => client.onState((state) => state.phase === 'open' && resolve()));
    const [identity, backup] = await Promise.all([client.call('identity.get', {}), client.call('identity.exportBackup', { passphrase: 'backup passphrase' })]);
    client.close();
    if (!identity.ok || !backup.ok) throw new Error('export failed');
    expect(statSync(backup.value.path).mode & 0o777).toBe(0o600);

    const env = { PAKIT_DATA_DIR: mkdtempSync(join(tmpdir(), 'pakit-import-')), PAKIT_BACKUP_PASSPHRASE: 'backup passphrase' };
    const moved = await startHeadlessNode(['--api', '127.0.0.1:0', '--import-identity', backup.value.path], env);
    expect(/identity:\s+(\S+)/.exec(moved.stdout())?.[1]).toBe(identity.value.fingerprint);
    expect(await moved.stop()).toBe(0);

    const again = await runHeadlessNode(['--api', '127.0.0.1:0', '--import-identity', backup.value.path], env);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/already/i);
  });

  it('asks for a passphrase it cannot get, instead of starting without one', async () => {
    const result = await runHeadlessNode(['--api', '127.0.0.1:0'], { PAKIT_KEY_PASSPHRASE: '' });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('PAKIT_KEY_PASSPHRASE');
  });

  it('says plainly when its port is taken', async () => {
    const port = new URL(node.base).port;
    const result = await runHeadlessNode(['--api', `127.0.0.1:${port}`]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('already in use');
  });
});

describe('headless nodes on the IP mesh', () => {
  async function openClient(running: RunningNode): Promise<ContractClient> {
    const client = createContractClient(createWebSocketTransport({ url: `${running.base.replace('http', 'ws')}/api/ws`, token: running.token }));
    await new Promise<void>((resolve) => client.onState((state) => state.phase === 'open' && resolve()));
    return client;
  }

  async function ask<T>(promise: Promise<{ ok: true; value: T } | { ok: false; error: { message: string } }>): Promise<T> {
    const result = await promise;
    if (!result.ok) throw new Error(result.error.message);
    return result.value;
  }

  async function until<T>(probe: () => Promise<T | undefined | false>, what: string): Promise<T> {
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline) {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    throw new Error(`timed out waiting for ${what}`);
  }

  it('two nodes on loopback see each other through the contract, announce a file and fetch it verified', async () => {
    const first = await openClient(node);
    const firstMesh = await ask(first.call('mesh.health', {}));
    expect(firstMesh).toMatchObject({ phase: 'running', running: true });
    expect(firstMesh.addresses[0]).toMatch(/^\/ip4\/127\.0\.0\.1\/tcp\/\d+\/p2p\/12D3KooW/);
    expect(node.stdout()).toContain(`mesh:     ${firstMesh.addresses[0]}`);

    const second = await startHeadlessNode(['--api', '127.0.0.1:0'], { MESH_BOOTSTRAP: firstMesh.addresses.join(',') });
    const other = await openClient(second);
    try {
      const otherId = (await ask(other.call('mesh.health', {}))).peerId;
      await until(async () => (await ask(other.call('mesh.peers', {}))).some((peer) => peer.id === firstMesh.peerId && peer.connected), 'the second node to list the first');
      await until(async () => (await ask(first.call('mesh.peers', {}))).some((peer) => peer.id === otherId), 'the first node to list the second');

      const bytes = Buffer.from(`survey of the north ridge ${Date.now()}`);
      const { id: cid } = await ask(first.call('storage.upload', { name: 'survey.txt', dataBase64: bytes.toString('base64') }));
      await until(async () => {
        await ask(first.call('mesh.announceBlock', { cid }));
        return (await ask(other.call('mesh.findBlockPeers', { cid }))).some((peer) => peer.id === firstMesh.peerId);
      }, 'the announcement to reach the second node');
      expect(await ask(other.call('mesh.requestBlock', { cid }))).toEqual({ id: cid, size: bytes.length });
      const copy = await ask(other.call('storage.download', { id: cid }));
      expect(Buffer.from(copy.dataBase64, 'base64').equals(bytes)).toBe(true);
    } finally {
      first.close();
      other.close();
      expect(await second.stop()).toBe(0);
    }
  }, 60_000);

  it('a mesh port in use is a clear error in the banner, the log and the health; the node runs on', async () => {
    const first = await openClient(node);
    const taken = /\/tcp\/(\d+)\//.exec((await ask(first.call('mesh.health', {}))).addresses[0] ?? '')?.[1];
    first.close();
    const clash = await startHeadlessNode(['--api', '127.0.0.1:0', '--mesh-listen', `127.0.0.1:${taken}`]);
    try {
      expect(clash.stdout()).toContain(`mesh:     not running: Cannot listen for mesh peers on 127.0.0.1:${taken}: the port is in use`);
      expect(clash.stderr()).toMatch(/ERROR mesh: Cannot listen for mesh peers .* MESH_LISTEN/);
      const client = await openClient(clash);
      expect(await client.call('mesh.health', {})).toMatchObject({ ok: true, value: { phase: 'failed', running: false, error: { reason: 'listen_in_use' } } });
      expect((await client.call('storage.stats', {})).ok).toBe(true);
      client.close();
    } finally {
      expect(await clash.stop()).toBe(0);
    }
  });
});
