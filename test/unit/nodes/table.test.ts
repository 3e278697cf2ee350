import { describe, expect, it } from 'vitest';
import type { MeshNode, MeshPeer } from '../../../shared/contract/index.ts';
import {
  agoOf,
  buildRows,
  compassPoint,
  filterRows,
  formatDistance,
  isExternalPower,
  formatFullDate,
  nextSort,
  sortRows,
  visibleRange,
  type NodeRow,
} from '../../../renderer/src/nodes/table.ts';

const HERE = { latitude: 46.6863, longitude: 7.8632 };
const node = (nodeNum: number, extra: Partial<MeshNode> = {}): MeshNode => ({ nodeNum, nodeId: `!${nodeNum.toString(16).padStart(8, '0')}`, ...extra });
const peer = (id: string, extra: Partial<MeshPeer> = {}): MeshPeer => ({
  id,
  transports: ['ip'],
  addresses: [],
  reputation: { score: 0.5, reasons: [] },
  lastSeen: null,
  storageCapacity: null,
  connected: false,
  filtered: false,
  ...extra,
});
const ids = (rows: NodeRow[]) => rows.map((row) => row.id);

describe('node table rows', () => {
  it('merges radio nodes with their peer entries, adds IP-only peers, and takes distance from the own position', () => {
    const rows = buildRows(
      [node(1, { longName: 'Ridge', position: { latitude: 46.7, longitude: 7.9 }, lastHeard: 1_000 }), node(2, { longName: 'Valley' })],
      [
        peer('12D3KooWRidge', { radioNodeId: '!00000001', transports: ['ip', 'lora'], reputation: { score: 0.9, reasons: [] }, lastSeen: 5_000 }),
        peer('12D3KooWCloud', { name: undefined, reputation: { score: 0.1, reasons: [] }, filtered: true }),
      ],
      [],
      HERE,
    );
    expect(rows).toHaveLength(3);
    expect(rows[0]).toMatchObject({ id: '!00000001', reputation: 0.9, transports: ['ip', 'lora'], lastHeard: 5_000 });
    expect(rows[0]!.distanceM).toBeGreaterThan(3_000);
    expect(rows[0]!.distanceM).toBeLessThan(3_200);
    expect(compassPoint(rows[0]!.bearingDeg!)).toBe('ENE');
    expect(rows[1]).toMatchObject({ id: '!00000002', transports: ['lora'], reputation: undefined, distanceM: undefined });
    expect(rows[2]).toMatchObject({ id: '12D3KooWCloud', transports: ['ip'], filtered: true, reputation: 0.1 });
    // Without an own position there is no distance, only the node's position.
    expect(buildRows([node(1, { position: { latitude: 1, longitude: 2 } })], [], [], undefined)[0]).toMatchObject({ distanceM: undefined, position: { latitude: 1 } });
  });

  it('shows the operator’s favourite mark, else the radio’s own flag', () => {
    const rows = buildRows(
      [node(1, { isFavorite: true }), node(2, { isFavorite: true }), node(3)],
      [peer('12D3KooWCloud')],
      [
        { nodeId: '!00000002', favorite: false, setAt: 1 },
        { nodeId: '!00000003', favorite: true, setAt: 1 },
        { nodeId: '12D3KooWCloud', favorite: true, setAt: 1 },
      ],
      undefined,
    );
    expect(rows.map((row) => row.favorite)).toEqual([true, false, true, true]);
  });
});

describe('node table sorting and filtering', () => {
  const rows = buildRows(
    [
      node(1, { longName: 'node 10', snr: 5, rssi: -90, batteryLevel: 101, role: 'CLIENT', lastHeard: 3_000 }),
      node(2, { longName: 'node 9', snr: -7.5, batteryLevel: 40, role: 'ROUTER', lastHeard: 9_000 }),
      node(3, { shortName: 'ZZ', snr: 12, rssi: -60, role: 'CLIENT_MUTE' }),
      node(4, { longName: 'Alpha', snr: 5, rssi: -120, lastHeard: 1_000 }),
    ],
    [peer('12D3KooWCloud', { name: 'cloud relay', lastSeen: 20_000 })],
    [{ nodeId: '!00000004', favorite: true, setAt: 1 }],
    undefined,
  );

  it('sorts numbers and names naturally, keeps equal rows in order, and puts missing values last either way', () => {
    expect(ids(sortRows(rows, { column: 'snr', direction: 'descending' }))).toEqual(['!00000003', '!00000001', '!00000004', '!00000002', '12D3KooWCloud']);
    expect(ids(sortRows(rows, { column: 'snr', direction: 'ascending' }))).toEqual(['!00000002', '!00000001', '!00000004', '!00000003', '12D3KooWCloud']);
    expect(ids(sortRows(rows, { column: 'rssi', direction: 'ascending' }))).toEqual(['!00000004', '!00000001', '!00000003', '!00000002', '12D3KooWCloud']);
    // "node 9" before "node 10"; a node with only a short name sorts by it.
    expect(ids(sortRows(rows, { column: 'name', direction: 'ascending' }))).toEqual(['!00000004', '12D3KooWCloud', '!00000002', '!00000001', '!00000003']);
    expect(ids(sortRows(rows, { column: 'lastHeard', direction: 'descending' }))).toEqual(['12D3KooWCloud', '!00000002', '!00000001', '!00000004', '!00000003']);
    expect(ids(sortRows(rows, { column: 'favorite', direction: 'descending' }))[0]).toBe('!00000004');
    expect(ids(sortRows(rows, { column: 'battery', direction: 'descending' })).slice(0, 2)).toEqual(['!00000001', '!00000002']);
  });

  it('flips the direction on the same column and starts a new column at its most useful end', () => {
    expect(nextSort({ column: 'snr', direction: 'descending' }, 'snr')).toEqual({ column: 'snr', direction: 'ascending' });
    expect(nextSort({ column: 'snr', direction: 'ascending' }, 'name')).toEqual({ column: 'name', direction: 'ascending' });
    expect(nextSort({ column: 'name', direction: 'ascending' }, 'lastHeard')).toEqual({ column: 'lastHeard', direction: 'descending' });
  });

  it('filters by every word, across names, ids, roles, transports and favourites', () => {
    expect(ids(filterRows(rows, 'client'))).toEqual(['!00000001', '!00000003']);
    expect(ids(filterRows(rows, 'CLIENT mute'))).toEqual(['!00000003']);
    expect(ids(filterRows(rows, 'ip'))).toEqual(['12D3KooWCloud']);
    expect(ids(filterRows(rows, '!0000000'))).toHaveLength(4);
    expect(ids(filterRows(rows, 'favourite'))).toEqual(['!00000004']);
    expect(ids(filterRows(rows, '  '))).toHaveLength(5);
    expect(filterRows(rows, 'nothing-like-this')).toEqual([]);
  });
});

describe('node table formatting', () => {
  it('says how long ago, in words that grow with the gap', () => {
    const now = Date.UTC(2026, 11, 3, 12, 0, 0);
    expect(agoOf(now, now)).toEqual({ unit: 'now', count: 0 });
    expect(agoOf(now + 30_000, now)).toEqual({ unit: 'now', count: 0 }); // a clock ahead of ours
    expect(agoOf(now - 9_999, now)).toEqual({ unit: 'now', count: 0 });
    expect(agoOf(now - 45_000, now)).toEqual({ unit: 'seconds', count: 45 });
    expect(agoOf(now - 3 * 60_000 - 59_000, now)).toEqual({ unit: 'minutes', count: 3 });
    expect(agoOf(now - 5 * 3_600_000, now)).toEqual({ unit: 'hours', count: 5 });
    expect(agoOf(now - 47 * 3_600_000, now)).toEqual({ unit: 'hours', count: 47 });
    expect(agoOf(now - 12 * 86_400_000, now)).toEqual({ unit: 'days', count: 12 });
  });

  it('gives the full date with weekday and seconds, distances in m or km, and 101 as external power', () => {
    const at = new Date(2026, 11, 3, 23, 20, 11).getTime(); // local time
    const full = formatFullDate(at, 'en-GB');
    expect(full).toContain('2026');
    expect(full).toContain('Dec');
    expect(full).toContain('Thu');
    expect(full).toContain('23:20:11');
    expect(formatDistance(850.4)).toBe('850 m');
    expect(formatDistance(4_012)).toBe('4.0 km');
    expect(formatDistance(123_456)).toBe('123 km');
    expect(isExternalPower(101)).toBe(true);
    expect(isExternalPower(100)).toBe(false);
  });

  it('shows only the rows in view, with some overscan, never past either end', () => {
    expect(visibleRange(0, 340, 34, 2000, 5)).toEqual({ start: 0, end: 16 });
    expect(visibleRange(34 * 1000, 340, 34, 2000, 5)).toEqual({ start: 995, end: 1016 });
    expect(visibleRange(34 * 1995, 340, 34, 2000, 5)).toEqual({ start: 1990, end: 2000 });
    expect(visibleRange(-50, 340, 34, 3, 5)).toEqual({ start: 0, end: 3 });
  });
});
