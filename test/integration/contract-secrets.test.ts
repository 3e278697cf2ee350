// The private key never crosses the contract: checked on the schemas (no field could carry it) and
// on the wire (a real node's every answer and event, searched for its seed in every encoding).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { events, methods, type MethodName } from '../../shared/contract/index.ts';
import type { PakitNode } from '../../electron/node/node.ts';
import { createTestNode } from '../helpers/test-node.ts';

const suspicious = /private|secret|seed|mnemonic|passphrase|signingKey|secretKey/i;

/** Every object key reachable in a zod schema, with its path. */
function fieldNames(schema: z.ZodType, path = ''): string[] {
  const def = (schema as unknown as { def: Record<string, unknown> & { type: string } }).def;
  const children: [string, z.ZodType][] = [];
  if (def.type === 'object') for (const [key, child] of Object.entries(def.shape as Record<string, z.ZodType>)) children.push([key, child]);
  for (const key of ['element', 'innerType', 'in', 'out', 'valueType']) if (def[key]) children.push(['', def[key] as z.ZodType]);
  for (const option of (def.options as z.ZodType[] | undefined) ?? []) children.push(['', option]);
  return children.flatMap(([key, child]) => [...(key ? [`${path}${key}`] : []), ...fieldNames(child, key ? `${path}${key}.` : path)]);
}

describe('key material and the contract', () => {
  it('no output or event schema has a field that could carry a private key', () => {
    const outputs = Object.entries(methods).flatMap(([name, spec]) => fieldNames(spec.output).map((field) => `${name} -> ${field}`));
    const streams = Object.entries(events).flatMap(([name, spec]) => fieldNames(spec.schema).map((field) => `${name} -> ${field}`));
    expect(outputs.length + streams.length).toBeGreaterThan(20);
    expect([...outputs, ...streams].filter((field) => suspicious.test(field))).toEqual([]);
  });

  it('the only input that takes a secret is the backup passphrase, and nothing returns it', () => {
    const inputs = Object.entries(methods).flatMap(([name, spec]) => fieldNames(spec.input).map((field) => `${name} <- ${field}`));
    expect(inputs.filter((field) => suspicious.test(field))).toEqual(['identity.exportBackup <- passphrase']);
  });

  describe('on the wire', () => {
    let node: PakitNode;
    const seen: string[] = [];

    beforeAll(async () => {
      node = await createTestNode();
      const connection = node.api.connect({ send: (message) => seen.push(JSON.stringify(message)) });
      await node.start();
      const stored = await node.api.call('storage.upload', { name: 'x', dataBase64: Buffer.from('some bytes').toString('base64') });
      const id = stored.ok ? (stored.value as { id: string }).id : '';
      const inputs: Record<MethodName, unknown> = {
        'node.info': {},
        'node.status': {},
        'node.statusHistory': {},
        'log.recent': {},
        'identity.get': {},
        'identity.exportBackup': { passphrase: 'correct horse battery' },
        'storage.stats': {},
        'storage.list': {},
        'storage.upload': { name: 'y', dataBase64: Buffer.from('more bytes').toString('base64') },
        'storage.addFromDisk': {},
        'storage.download': { id },
        'storage.exportToDisk': { id },
        'storage.delete': { id },
        'index.summary': {},
        'index.list': {},
        'index.sync': {},
        'radio.ports': {},
        'radio.connect': { port: { kind: 'tcp', host: '127.0.0.1', port: 9 } },
        'radio.disconnect': {},
        'radio.state': {},
        'radio.nodes': {},
        'radio.setOwner': { longName: 'Base camp', shortName: 'BASE' },
        'radio.setRegion': { region: 'EU_868', confirm: true },
        'radio.setChannel': { index: 0 },
        'nodes.favorites': {},
        'nodes.setFavorite': { nodeId: '!00000001', favorite: true },
        'emergency.send': { text: 'test emergency', priority: 'advisory' },
        'emergency.history': {},
        'messages.send': { text: 'hello mesh' },
        'messages.list': {},
        'messages.conversations': {},
        'messages.markRead': { conversation: 'channel:0' },
        'map.tiles': {},
        'map.setTiles': { path: '' },
        'map.trails': {},
        'history.node': { nodeId: '!00000001', since: 0 },
        'history.mesh': { since: 0 },
        'export.csv': { table: 'log' },
        'emergency.acknowledge': { id: 'none' },
        'emergency.settings': { acks: true },
        'mesh.health': {},
        'mesh.healthHistory': {},
        'mesh.start': {},
        'mesh.peers': { includeFiltered: true },
        'mesh.storagePeers': {},
        'mesh.announceStorage': {},
        'mesh.stop': {},
        'mesh.announceBlock': { cid: id },
        'mesh.findBlockPeers': { cid: id },
        'mesh.requestBlock': { cid: id },
        'files.request': { contentId: 'bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku' },
        'files.transfers': {},
        'files.cancel': { id: 'none' },
        'files.resume': { id: 'none' },
      };
      for (const [method, params] of Object.entries(inputs)) {
        const result = await connection.handle({ kind: 'request', id: 1, method, params });
        seen.push(JSON.stringify(result));
      }
      await new Promise((resolve) => setTimeout(resolve, 1500));
      connection.close();
      await node.stop();
    });

    afterAll(() => undefined);

    it('answered every method of the contract', () => {
      expect(seen.filter((message) => message.includes('"kind":"response"'))).toHaveLength(Object.keys(methods).length);
    });

    it('never sends the seed or the 64-byte private key, in any encoding', () => {
      const seed = Buffer.from(node.identity.exportSeed());
      const full = Buffer.from(node.identity.libp2pPrivateKey());
      const encodings = [seed, full].flatMap((bytes) => [bytes.toString('hex'), bytes.toString('base64'), bytes.toString('base64url'), JSON.stringify([...bytes]).slice(1, -1)]);
      const wire = seen.join('\n');
      for (const encoded of encodings) expect(wire.includes(encoded), encoded.slice(0, 12)).toBe(false);
      // The public key is sent (identity.get), so the search above would find key material if it were there.
      expect(wire).toContain(Buffer.from(node.identity.publicKey).toString('hex'));
    });
  });
});
