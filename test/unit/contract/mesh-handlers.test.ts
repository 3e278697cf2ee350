// The mesh.* methods through the contract server of a real node (libp2p on 127.0.0.1, a free port,
// no peers): lifecycle, refusals an operator can act on, a port in use, a disabled mesh.
import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { PakitNode } from '../../../electron/node/node.ts';
import { createTestNode, testMeshSettings } from '../../helpers/test-node.ts';

const nodes: PakitNode[] = [];
const servers: Server[] = [];

async function startedNode(mesh = testMeshSettings): Promise<PakitNode> {
  const node = await createTestNode({ mesh });
  nodes.push(node);
  await node.start();
  return node;
}

afterEach(async () => {
  for (const node of nodes.splice(0)) await node.stop();
  for (const server of servers.splice(0)) server.close();
});

describe('mesh.* handlers', () => {
  it('start, stop and health; announcing only what the node holds, with sizes and capacity from the store', async () => {
    const node = await startedNode();
    const health = await node.api.call('mesh.health', {});
    expect(health).toMatchObject({ ok: true, value: { phase: 'running', running: true, peerCount: 0, filteredCount: 0 } });
    const peerId = health.ok ? (health.value as { peerId: string }).peerId : '';
    expect(peerId).toMatch(/^12D3KooW/);
    expect(health.ok && (health.value as { addresses: string[] }).addresses[0]).toMatch(new RegExp(`^/ip4/127\\.0\\.0\\.1/tcp/\\d+/p2p/${peerId}$`));
    expect(await node.api.call('node.info', {})).toMatchObject({ ok: true, value: { mesh: { listen: { host: '127.0.0.1', port: 0 }, mdns: false, bootstrap: [] } } });

    const missing = 'bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku';
    expect(await node.api.call('mesh.announceBlock', { cid: missing })).toMatchObject({ ok: false, error: { code: 'not_found', reason: 'not_held' } });
    const stored = await node.api.call('storage.upload', { name: 'a.txt', dataBase64: Buffer.from('held block').toString('base64') });
    const cid = stored.ok ? (stored.value as { id: string }).id : '';
    expect(await node.api.call('mesh.announceBlock', { cid })).toEqual({ ok: true, value: { cid, size: 10 } });
    const storage = await node.api.call('mesh.announceStorage', {});
    expect(storage).toMatchObject({ ok: true, value: { blocks: 1 } });
    expect(storage.ok && (storage.value as { capacity: number }).capacity).toBeGreaterThan(0);
    expect(await node.api.call('mesh.announceStorage', { capacity: 5, availableBlocks: [cid, missing] })).toMatchObject({ ok: false, error: { reason: 'not_held' } });
    expect(await node.api.call('mesh.health', {})).toMatchObject({ ok: true, value: { messagesOut: 2 } });

    expect(await node.api.call('mesh.requestBlock', { cid: missing })).toMatchObject({ ok: false, error: { code: 'not_found', reason: 'no_holder' } });
    expect(await node.api.call('mesh.findBlockPeers', { cid: 'not-a-cid' })).toMatchObject({ ok: false, error: { code: 'invalid_input', issues: [{ path: 'cid' }] } });

    expect(await node.api.call('mesh.stop', {})).toMatchObject({ ok: true, value: { phase: 'stopped', running: false, addresses: [] } });
    expect(await node.api.call('mesh.announceBlock', { cid })).toMatchObject({ ok: false, error: { code: 'unavailable', reason: 'mesh_not_running' } });
    expect(await node.api.call('mesh.start', {})).toMatchObject({ ok: true, value: { phase: 'running', running: true } });
  });

  it('a port in use is an operator error in the health and the log; the node serves on without gossip', async () => {
    const server = createServer();
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    const node = await startedNode({ ...testMeshSettings, listen: { host: '127.0.0.1', port } });
    const health = await node.api.call('mesh.health', {});
    expect(health).toMatchObject({ ok: true, value: { phase: 'failed', running: false, error: { code: 'unavailable', reason: 'listen_in_use' } } });
    expect(health.ok && (health.value as { error: { message: string } }).error.message).toContain(`127.0.0.1:${port}`);
    expect(node.log.recent(100, 'error').map((entry) => entry.message)).toContainEqual(expect.stringContaining(`Cannot listen for mesh peers on 127.0.0.1:${port}`));
    expect((await node.api.call('storage.stats', {})).ok).toBe(true);
    expect(await node.api.call('mesh.requestBlock', { cid: 'bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku' })).toMatchObject({
      ok: false,
      error: { reason: 'mesh_not_running', fix: expect.stringContaining('MESH_LISTEN') },
    });
  });

  it('a disabled mesh answers its health and refuses to start, saying how to enable it', async () => {
    const node = await startedNode({ ...testMeshSettings, enabled: false });
    expect(node.gossip).toBeUndefined();
    expect(await node.api.call('mesh.health', {})).toMatchObject({ ok: true, value: { phase: 'disabled', running: false } });
    expect(await node.api.call('mesh.start', {})).toMatchObject({ ok: false, error: { code: 'unavailable', reason: 'mesh_disabled', fix: expect.stringContaining('MESH_ENABLED=true') } });
    expect(await node.api.call('mesh.peers', {})).toEqual({ ok: true, value: [] });
  });
});
