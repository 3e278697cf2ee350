import { describe, expect, it } from 'vitest';
import { Catalogue, MAX_HOLDERS_PER_ENTRY } from '../../../electron/node/catalogue/index.ts';
import { contentIdFor, DAG_CBOR_CODEC, RAW_CODEC } from '../../../electron/node/storage/content-id.ts';

const A = 'bafkreiaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';
const B = 'bafkreibbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb';
const C = 'bafkreicccccccccccccccccccccccccccccccccccccccccccccccccccc';
const all = { limit: 100, offset: 0 };

describe('Catalogue', () => {
  it('merges one id heard over LoRa and IP into one entry with both holders, newest first', () => {
    const catalogue = new Catalogue();
    catalogue.noteLearned(A, '!0000abcd', 1000);
    catalogue.noteAnnounced(A, '12D3KooWpeer', 4096, 2000);
    const { total, entries } = catalogue.list(all);
    expect(total).toBe(1);
    expect(entries[0]).toMatchObject({ contentId: A, size: 4096, sizeClaimed: true, heldHere: false, lastSeen: 2000 });
    expect(entries[0]!.holders).toEqual([
      { transport: 'ip', nodeId: '12D3KooWpeer', lastSeen: 2000 },
      { transport: 'lora', nodeId: '!0000abcd', lastSeen: 1000 },
    ]);
  });

  it('a holder heard again is updated, not repeated; holders per id are bounded', () => {
    const catalogue = new Catalogue();
    catalogue.noteLearned(A, '!00000001', 1);
    catalogue.noteLearned(A, '!00000001', 5);
    expect(catalogue.get(A)!.holders).toEqual([{ transport: 'lora', nodeId: '!00000001', lastSeen: 5 }]);
    for (let i = 0; i < MAX_HOLDERS_PER_ENTRY + 4; i++) catalogue.noteAnnounced(A, `peer${i}`, undefined, 10 + i);
    const holders = catalogue.get(A)!.holders;
    expect(holders).toHaveLength(MAX_HOLDERS_PER_ENTRY);
    expect(holders[0]!.nodeId).toBe(`peer${MAX_HOLDERS_PER_ENTRY + 3}`);
    expect(holders.some((holder) => holder.transport === 'lora')).toBe(false);
  });

  it('held here gives the exact size, which a peer’s claim does not override', () => {
    const catalogue = new Catalogue();
    catalogue.syncHeld([A], () => 12, 1);
    catalogue.noteAnnounced(A, 'peer', 999_999, 2);
    expect(catalogue.get(A)).toMatchObject({ size: 12, sizeClaimed: false, heldHere: true });
  });

  it('syncHeld marks new blocks held, unmarks removed ones and forgets ids nobody else holds', () => {
    const catalogue = new Catalogue();
    expect(catalogue.syncHeld([A, B], () => 3, 1)).toBe(true);
    catalogue.noteLearned(B, '!00000002', 2);
    expect(catalogue.syncHeld([A, B], () => 3, 3)).toBe(false);
    expect(catalogue.syncHeld([], () => undefined, 4)).toBe(true);
    expect(catalogue.get(A)).toBeUndefined();
    expect(catalogue.get(B)).toMatchObject({ heldHere: false, holders: [{ nodeId: '!00000002' }] });
  });

  it('an id learned over LoRa before a restart stays listed without a holder, and stays when a held copy is removed', () => {
    const catalogue = new Catalogue();
    catalogue.noteLearnedEarlier([A], 1);
    expect(catalogue.get(A)).toMatchObject({ learnedOverLora: true, holders: [], heldHere: false });
    catalogue.syncHeld([A], () => 5, 2);
    catalogue.syncHeld([], () => undefined, 3);
    expect(catalogue.get(A)).toMatchObject({ learnedOverLora: true, heldHere: false });
    catalogue.noteAnnounced(B, 'peer', 1, 4);
    expect(catalogue.get(B)!.learnedOverLora).toBe(false);
  });

  it('searches by a part of the id or the name, in any case, and pages', () => {
    const catalogue = new Catalogue();
    catalogue.noteLearned(A, '!1', 1);
    catalogue.noteLearned(B, '!1', 2);
    catalogue.noteLearned(C, '!1', 3);
    catalogue.noteManifest(B, '!2', { size: 9, name: 'Report.txt', type: 'text/plain' }, 4);
    expect(catalogue.list({ ...all, query: 'REPORT' }).entries.map((entry) => entry.contentId)).toEqual([B]);
    expect(catalogue.list({ ...all, query: 'report' }).entries[0]).toMatchObject({ name: 'Report.txt', type: 'text/plain' });
    // The node's own name for a file (file_names) wins on the page.
    const names = (id: string) => (id === B ? { name: 'renamed.csv', type: 'text/csv' } : undefined);
    expect(catalogue.list({ ...all, query: 'report' }, names).entries[0]).toMatchObject({ name: 'renamed.csv', type: 'text/csv' });
    expect(catalogue.list({ ...all, query: 'bafkreicc' }).entries.map((entry) => entry.contentId)).toEqual([C]);
    expect(catalogue.list({ ...all, query: 'nothing-like-this' }).total).toBe(0);
    const page = catalogue.list({ query: 'bafkrei', limit: 1, offset: 1 });
    expect(page).toMatchObject({ total: 3, entries: [{ contentId: C }] });
    expect(catalogue.get(C)).not.toHaveProperty('name');
  });

  it('keeps only the newest maxEntries ids: older news drops out first', () => {
    const catalogue = new Catalogue({ maxEntries: 3 });
    const id = (i: number) => `bafkrei${String(i).padStart(52, 'a').replace(/[0-9]/g, (d) => 'abcdefghij'[Number(d)]!)}`;
    for (let i = 0; i < 5; i++) catalogue.noteAnnounced(id(i), 'peer', 1, i);
    catalogue.noteLearned(id(2), '!2', 10);
    catalogue.noteAnnounced(id(5), 'peer', 1, 11);
    expect(catalogue.size).toBe(3);
    expect(catalogue.list(all).entries.map((entry) => entry.contentId)).toEqual([id(5), id(2), id(4)]);
  });

  it('a store larger than the bound fills it once, not again at each sync', () => {
    const catalogue = new Catalogue({ maxEntries: 2 });
    expect(catalogue.syncHeld([A, B, C], () => 1, 1)).toBe(true);
    expect(catalogue.size).toBe(2);
    expect(catalogue.syncHeld([A, B, C], () => 1, 2)).toBe(false);
    expect(catalogue.list(all).entries.map((entry) => entry.lastSeen)).toEqual([1, 1]);
  });

  it('is bounded at 5,000 ids by default under a flood of announcements', () => {
    const catalogue = new Catalogue();
    for (let i = 0; i < 6000; i++) catalogue.noteAnnounced(`bafkrei${i.toString(32).padStart(52, 'a')}`, 'flooder', 1, i);
    expect(catalogue.size).toBe(5000);
    expect(catalogue.list({ limit: 1, offset: 0 }).entries[0]!.lastSeen).toBe(5999);
  });

  describe('one row per file', () => {
    const raw = (text: string) => contentIdFor(RAW_CODEC, new TextEncoder().encode(text)).toString();
    const ROOT = contentIdFor(DAG_CBOR_CODEC, new TextEncoder().encode('a root')).toString();
    const BLOCKS = [raw('block 0'), raw('block 1'), raw('block 2')];

    it('blocks listed apart fold into their file once its root is read: one row, the exact total size', () => {
      const catalogue = new Catalogue();
      for (const id of [ROOT, ...BLOCKS]) catalogue.noteAnnounced(id, 'peer', 1_048_576, 1);
      expect(catalogue.size).toBe(4);
      // An announced root's size is the root node's, not the file's.
      expect(catalogue.get(ROOT)).toMatchObject({ largeFile: true, size: undefined });
      catalogue.noteFile(ROOT, 2_621_440, BLOCKS, 2);
      expect(catalogue.list(all)).toMatchObject({ total: 1, entries: [{ contentId: ROOT, size: 2_621_440, sizeClaimed: false, blocks: 3, largeFile: true, holders: [{ nodeId: 'peer' }] }] });
      // News of a block is not news of a file: nothing comes back as a row.
      catalogue.noteAnnounced(BLOCKS[0]!, 'other', 1_048_576, 3);
      catalogue.noteLearned(BLOCKS[1]!, '!00000001', 3);
      catalogue.syncHeld(BLOCKS, () => 1_048_576, 3);
      expect(catalogue.size).toBe(1);
      expect(catalogue.get(BLOCKS[0]!)).toBeUndefined();
    });

    it('a held root and its blocks are one held row from the first look', () => {
      const catalogue = new Catalogue();
      catalogue.noteFile(ROOT, 2_621_440, BLOCKS, 1);
      catalogue.syncHeld([ROOT, ...BLOCKS], (id) => (id === ROOT ? undefined : 1_048_576), 1);
      expect(catalogue.list(all)).toMatchObject({ total: 1, entries: [{ contentId: ROOT, heldHere: true, size: 2_621_440 }] });
    });

    it('when its root drops out of the bound, its blocks are no longer folded', () => {
      const catalogue = new Catalogue({ maxEntries: 1 });
      catalogue.noteFile(ROOT, 2_621_440, BLOCKS, 1);
      catalogue.noteAnnounced(A, 'peer', 5, 2);
      expect(catalogue.get(ROOT)).toBeUndefined();
      catalogue.noteAnnounced(BLOCKS[0]!, 'peer', 1_048_576, 3);
      expect(catalogue.get(BLOCKS[0]!)).toMatchObject({ size: 1_048_576, sizeClaimed: true, largeFile: false });
    });
  });

  it('a manifest heard on air gives a LoRa holder, a claimed size and the name; bytes held here win', () => {
    const catalogue = new Catalogue();
    catalogue.noteLearned(A, '!0000000a', 1);
    expect(catalogue.get(A)).toMatchObject({ size: undefined, learnedOverLora: true });
    catalogue.noteManifest(A, '!0000000b', { size: 4321, name: 'water-points.csv', type: 'text/csv' }, 2);
    expect(catalogue.get(A)).toMatchObject({ size: 4321, sizeClaimed: true, name: 'water-points.csv', type: 'text/csv', learnedOverLora: true });
    expect(catalogue.get(A)!.holders.map((holder) => holder.nodeId)).toEqual(['!0000000b', '!0000000a']);
    catalogue.syncHeld([A], () => 4320, 3);
    catalogue.noteManifest(A, '!0000000c', { size: 9999 }, 4);
    expect(catalogue.get(A)).toMatchObject({ size: 4320, sizeClaimed: false, name: 'water-points.csv' });
  });

  it('hands out what changed to save, and a restore brings entries, holders and folded blocks back without news', () => {
    const first = new Catalogue();
    const ROOT = contentIdFor(DAG_CBOR_CODEC, new TextEncoder().encode('root')).toString();
    const block = contentIdFor(RAW_CODEC, new TextEncoder().encode('b')).toString();
    first.noteLearned(A, '!00000001', 10);
    first.noteAnnounced(B, 'peer', 77, 20);
    first.noteManifest(C, '!00000002', { size: 5, name: 'c.txt' }, 30);
    first.noteFile(ROOT, 2_000_000, [block], 40);
    const changes = first.takeChanges();
    expect(changes.saved.map((entry) => entry.contentId)).toEqual([A, B, C, ROOT]);
    expect(changes.holders).toHaveLength(3);
    expect(changes.files).toEqual([{ root: ROOT, blocks: [block] }]);
    expect(first.takeChanges()).toEqual({ saved: [], holders: [], droppedHolders: [], removed: [], files: [] });
    for (let i = 0; i < MAX_HOLDERS_PER_ENTRY; i++) first.noteAnnounced(A, `p${i}`, undefined, 50 + i);
    expect(first.takeChanges().droppedHolders).toEqual([{ contentId: A, transport: 'lora', nodeId: '!00000001' }]);

    const saved = [A, B, C, ROOT].map((id) => {
      const { contentId, size, sizeClaimed, name, type, blocks, learnedOverLora, lastSeen, holders } = first.get(id)!;
      return { contentId, size, sizeExact: size !== undefined && !sizeClaimed, name, type, blocks, learnedOverLora, lastSeen, holders: [...holders].reverse() };
    }).sort((a, b) => a.lastSeen - b.lastSeen);
    const second = new Catalogue();
    second.restore(saved, [{ root: ROOT, blocks: [block] }]);
    expect(second.list(all)).toEqual(first.list(all));
    expect(second.takeChanges().saved).toEqual([]);
    second.noteAnnounced(block, 'peer', 1, 99);
    expect(second.get(block)).toBeUndefined();
  });

  it('ids from the mesh index with nothing saved fill the room left as the oldest news, pushing nothing out', () => {
    const catalogue = new Catalogue({ maxEntries: 3 });
    catalogue.noteAnnounced(A, 'peer', 1, 10);
    catalogue.noteLearned(B, '!00000001', 20);
    catalogue.noteLearnedEarlier([B, C, 'bafkreiddddddddddddddddddddddddddddddddddddddddddddddddddddd'], 30);
    expect(catalogue.list(all).entries.map((entry) => entry.contentId)).toEqual([B, A, C]);
    expect(catalogue.get(B)!.holders).toHaveLength(1);
  });
});
