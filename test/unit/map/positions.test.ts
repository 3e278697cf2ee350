import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NodeDatabase } from '../../../electron/node/db/index.ts';
import { PositionStore } from '../../../electron/node/positions/index.ts';

const hut = { latitude: 46.7, longitude: 7.9, altitude: 1200 };
const pass = { latitude: 46.72, longitude: 7.95 };

describe('PositionStore (the map trails in pakit.db)', () => {
  it('keeps a row when a node moves, none when it repeats its place, and the newest rows per node', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'pakit-positions-')), 'pakit.db');
    const { database } = NodeDatabase.open(file);
    const store = new PositionStore(database, 3);
    expect(store.record([{ nodeId: '!0000000a', position: { ...hut, time: 1_000 } }, { nodeId: '!0000000b', position: undefined }], 5_000)).toBe(1);
    expect(store.record([{ nodeId: '!0000000a', position: { ...hut, time: 2_000 } }], 6_000)).toBe(0); // same place
    expect(store.record([{ nodeId: '!0000000a', position: pass }], 7_000)).toBe(1); // no fix time: when heard
    for (let step = 1; step <= 3; step += 1) store.record([{ nodeId: '!0000000c', position: { latitude: 46 + step / 100, longitude: 8 } }], 10_000 + step);
    store.record([{ nodeId: '!0000000c', position: { latitude: 46.5, longitude: 8 } }], 20_000);
    expect(store.trails(10)).toEqual({
      '!0000000a': [
        { ...hut, at: 1_000 },
        { ...pass, at: 7_000 },
      ],
      // Capped at 3 per node: the oldest went.
      '!0000000c': [
        { latitude: 46.02, longitude: 8, at: 10_002 },
        { latitude: 46.03, longitude: 8, at: 10_003 },
        { latitude: 46.5, longitude: 8, at: 20_000 },
      ],
    });
    expect(store.trails(1)['!0000000c']).toEqual([{ latitude: 46.5, longitude: 8, at: 20_000 }]);
    database.close();

    // After a restart: the trails are there, and the last place is still known (no duplicate row).
    const reopened = NodeDatabase.open(file).database;
    const again = new PositionStore(reopened, 3);
    expect(again.record([{ nodeId: '!0000000a', position: pass }], 30_000)).toBe(0);
    expect(again.trails(10)['!0000000a']).toHaveLength(2);
    reopened.close();
  });
});
