import { describe, expect, it } from 'vitest';
import { Catalogue, MAX_HOLDERS_PER_ENTRY } from '../../../electron/node/catalogue/index.ts';

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
    catalogue.noteLearnedEarlier(A, 1);
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
    const names = (id: string) => (id === B ? { name: 'Report.txt', type: 'text/plain' } : undefined);
    expect(catalogue.list({ ...all, query: 'REPORT' }, names).entries.map((entry) => entry.contentId)).toEqual([B]);
    expect(catalogue.list({ ...all, query: 'report' }, names).entries[0]).toMatchObject({ name: 'Report.txt', type: 'text/plain' });
    expect(catalogue.list({ ...all, query: 'bafkreicc' }).entries.map((entry) => entry.contentId)).toEqual([C]);
    expect(catalogue.list({ ...all, query: 'nothing-like-this' }).total).toBe(0);
    const page = catalogue.list({ query: 'bafkrei', limit: 1, offset: 1 });
    expect(page).toMatchObject({ total: 3, entries: [{ contentId: B }] });
    expect(catalogue.list(all).entries[0]).not.toHaveProperty('name');
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
});
