// The catalogue kept in pakit.db across a restart of a real node on disk (real store, real database):
// who holds what (radios and IP peers, when last seen), sizes and names from manifests heard, and a
// large file as one row. Damaged rows written into the file while the node was stopped are left out
// and named in the log, and the node runs on. The inputs are fed where the node's LoRa service and
// gossip hand them to the catalogue; test/browser/catalogue.test.ts has them come over real radio and IP.
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterEach, describe, expect, it } from 'vitest';
import type { PakitNode } from '../../../electron/node/node.ts';
import { BlockStore } from '../../../electron/node/storage/index.ts';
import { contentIdFor, RAW_CODEC } from '../../../electron/node/storage/content-id.ts';
import type { CataloguePage } from '../../../shared/contract/index.ts';
import { createTestNode } from '../../helpers/test-node.ts';

const nodes: PakitNode[] = [];
afterEach(async () => {
  for (const node of nodes.splice(0)) await node.stop();
});

const idOf = (text: string) => contentIdFor(RAW_CODEC, new TextEncoder().encode(text)).toString();
const LEARNED = idOf('learned by index sync');
const ANNOUNCED = idOf('announced over IP');
const MANIFEST = idOf('manifest heard');
const MiB = 1024 * 1024;

async function startNode(dataDir: string): Promise<PakitNode> {
  const node = await createTestNode({ dataDir, store: await BlockStore.open(join(dataDir, 'store')) });
  nodes.push(node);
  return node;
}

async function list(node: PakitNode, query = ''): Promise<CataloguePage> {
  const answer = await node.api.call('catalogue.list', { query });
  if (!answer.ok) throw new Error(answer.error.message);
  return answer.value as CataloguePage;
}

describe('catalogue across a restart', () => {
  it('keeps who holds what, sizes and names heard, and a large file as one row; damaged rows are left out and named', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'pakit-catalogue-restart-'));
    const first = await startNode(dataDir);
    const bytes = randomBytes(2.5 * MiB);
    const uploaded = await first.api.call('storage.upload', { name: 'survey-photos.zip', dataBase64: bytes.toString('base64') });
    if (!uploaded.ok) throw new Error(uploaded.error.message);
    const big = (uploaded.value as { id: string }).id;
    expect(first.store.list()).toHaveLength(4); // the root and three 1 MiB blocks
    first.catalogue.learned([{ peer: '!0000abcd', ids: [LEARNED] }]);
    first.catalogue.announced({ kind: 'block', body: { cid: ANNOUNCED, size: 777 }, author: '12D3KooWannouncer', receivedAt: first.now() } as never);
    first.catalogue.manifestHeard({ radioId: '!0000beef', contentId: MANIFEST, size: 4321, name: 'water-points.csv', mediaType: 'text/csv' });
    const before = await list(first);
    expect(before.known).toBe(4);
    expect(before.entries.find((entry) => entry.contentId === big)).toMatchObject({ size: bytes.length, sizeClaimed: false, largeFile: true, blocks: 3, heldHere: true, name: 'survey-photos.zip' });
    await first.stop();
    nodes.splice(0);

    // Damage written while the node was stopped: an entry whose id is no content id, a holder by a
    // transport that does not exist, a negative size.
    const file = new DatabaseSync(join(dataDir, 'pakit.db'));
    file.prepare("INSERT INTO catalogue_entries (content_id, size, size_exact, learned_over_lora, last_seen) VALUES ('not-a-content-id', 1, 1, 0, 5)").run();
    file.prepare("INSERT INTO catalogue_holders (content_id, transport, node_id, last_seen) VALUES (?, 'pigeon', 'coop-7', 6)").run(LEARNED);
    const negative = idOf('negative size');
    file.prepare('INSERT INTO catalogue_entries (content_id, size, size_exact, learned_over_lora, last_seen) VALUES (?, -5, 0, 0, 7)').run(negative);
    file.close();

    const second = await startNode(dataDir);
    const after = await list(second);
    expect(after.entries.map((entry) => entry.contentId).sort()).toEqual(before.entries.map((entry) => entry.contentId).sort());
    for (const entry of before.entries) {
      const again = after.entries.find((other) => other.contentId === entry.contentId)!;
      expect(again).toEqual(entry);
    }
    expect(after.entries.find((entry) => entry.contentId === LEARNED)!.holders).toEqual([{ transport: 'lora', nodeId: '!0000abcd', lastSeen: expect.any(Number) }]);
    expect(after.entries.find((entry) => entry.contentId === ANNOUNCED)).toMatchObject({ size: 777, sizeClaimed: true, holders: [{ transport: 'ip', nodeId: '12D3KooWannouncer' }] });
    expect(after.entries.find((entry) => entry.contentId === MANIFEST)).toMatchObject({ size: 4321, sizeClaimed: true, name: 'water-points.csv', type: 'text/csv', learnedOverLora: true, holders: [{ transport: 'lora', nodeId: '!0000beef' }] });
    expect((await list(second, 'WATER')).entries.map((entry) => entry.contentId)).toEqual([MANIFEST]);

    const warnings = second.log.recent(100, 'warn').filter((entry) => entry.source === 'catalogue').map((entry) => entry.message);
    expect(warnings).toHaveLength(3);
    expect(warnings.join('\n')).toContain('entry not-a-content-id');
    expect(warnings.join('\n')).toContain('transport "pigeon"');
    expect(warnings.join('\n')).toContain(`entry ${negative}`);
    // The node runs on and keeps learning; the damaged rows are gone, so the next start is quiet.
    second.catalogue.learned([{ peer: '!0000abcd', ids: [idOf('after the restart')] }]);
    expect((await list(second)).known).toBe(5);
    await second.stop();
    nodes.splice(0);
    const third = await startNode(dataDir);
    expect((await list(third)).known).toBe(5);
    expect(third.log.recent(100, 'warn').filter((entry) => entry.source === 'catalogue')).toEqual([]);
  });
});
