import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { NodeDatabase } from '../../../electron/node/db/index.ts';
import { NodeFavorites } from '../../../electron/node/nodes/favorites.ts';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function openIn(dir: string, now: () => number) {
  const { database } = NodeDatabase.open(join(dir, 'pakit.db'));
  return { database, favorites: new NodeFavorites(database, { now }) };
}

describe('NodeFavorites', () => {
  it('keeps the operator’s marks, the latest per node, across a restart', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pakit-favorites-'));
    dirs.push(dir);
    let now = 1_000;
    const first = openIn(dir, () => now);
    expect(first.favorites.list()).toEqual([]);
    expect(first.favorites.set('!00000002', true)).toEqual({ nodeId: '!00000002', favorite: true, setAt: 1_000 });
    now = 2_000;
    first.favorites.set('12D3KooWPeer', true);
    now = 3_000;
    first.favorites.set('!00000002', false); // an explicit "not a favourite" overrides the radio's flag
    first.database.close();

    const again = openIn(dir, () => now);
    expect(again.favorites.list()).toEqual([
      { nodeId: '!00000002', favorite: false, setAt: 3_000 },
      { nodeId: '12D3KooWPeer', favorite: true, setAt: 2_000 },
    ]);
    again.database.close();
  });
});
