import { describe, expect, it } from 'vitest';
import type { MeshNode, RadioDevice } from '../../../shared/contract/index.ts';
import { mapMarkers, rangeAndBearing } from '../../../renderer/src/map/markers.ts';
import {
  fitView,
  formatScale,
  gridLines,
  metresPerPixel,
  panned,
  positionAt,
  scaleBar,
  screenPoint,
  visibleTiles,
  worldPoint,
  worldPosition,
  zoomedAt,
  type MapCamera,
} from '../../../renderer/src/map/projection.ts';
import { mergeTrails, withPositions } from '../../../renderer/src/map/trails.ts';
import { tileOf } from '../../helpers/tiles.ts';

const size = { width: 800, height: 600 };
const valley = { latitude: 46.6863, longitude: 7.8632 };

describe('Web Mercator projection', () => {
  it('puts the equator and meridian in the middle of the world and the Mercator limit at its top', () => {
    expect(worldPoint({ latitude: 0, longitude: 0 }, 0)).toEqual({ x: 128, y: 128 });
    expect(worldPoint({ latitude: 85.05112878, longitude: -180 }, 2).y).toBeCloseTo(0, 4);
    expect(worldPoint({ latitude: 0, longitude: 180 }, 1).x).toBe(512);
  });

  it('agrees with the slippy-map tile formula of OpenStreetMap at several places and zooms', () => {
    for (const [latitude, longitude] of [[46.6863, 7.8632], [52.52, 13.405], [-33.8688, 151.2093], [64.1466, -21.9426], [-54.8019, -68.303]] as const) {
      for (const z of [3, 9, 14, 17]) {
        const point = worldPoint({ latitude, longitude }, z);
        expect({ x: Math.floor(point.x / 256), y: Math.floor(point.y / 256) }).toEqual(tileOf(latitude, longitude, z));
      }
    }
  });

  it('maps back to the same position, and wraps longitudes', () => {
    const back = worldPosition(worldPoint(valley, 13), 13);
    expect(back.latitude).toBeCloseTo(valley.latitude, 9);
    expect(back.longitude).toBeCloseTo(valley.longitude, 9);
    expect(worldPosition({ x: 256 * 1.25, y: 128 }, 0).longitude).toBeCloseTo(-90, 9);
  });

  it('knows the ground size of a pixel: 156,543 m at the equator at zoom 0, half that at 60°', () => {
    expect(metresPerPixel(0, 0)).toBeCloseTo(156_543.034, 2);
    expect(metresPerPixel(60, 0)).toBeCloseTo(156_543.034 / 2, 2);
    expect(metresPerPixel(0, 10)).toBeCloseTo(152.874, 3);
  });
});

describe('the view', () => {
  const view: MapCamera = { center: valley, zoom: 12 };

  it('puts its centre in the middle of the screen and finds the position under a pixel', () => {
    expect(screenPoint(valley, view, size)).toEqual({ x: 400, y: 300 });
    const corner = positionAt({ x: 0, y: 0 }, view, size);
    expect(corner.latitude).toBeGreaterThan(valley.latitude);
    expect(corner.longitude).toBeLessThan(valley.longitude);
    const there = screenPoint(corner, view, size);
    expect(there.x).toBeCloseTo(0, 6);
    expect(there.y).toBeCloseTo(0, 6);
  });

  it('follows a drag: what was in the middle moves with the pointer', () => {
    const after = panned(view, { x: 100, y: -50 });
    const moved = screenPoint(valley, after, size);
    expect(moved.x).toBeCloseTo(500, 6);
    expect(moved.y).toBeCloseTo(250, 6);
  });

  it('zooms about a point that stays under the pointer, within the zoom limits', () => {
    const anchor = { x: 120, y: 500 };
    const under = positionAt(anchor, view, size);
    const zoomed = zoomedAt(view, 1.5, anchor, size);
    expect(zoomed.zoom).toBe(13.5);
    const still = screenPoint(under, zoomed, size);
    expect(still.x).toBeCloseTo(anchor.x, 6);
    expect(still.y).toBeCloseTo(anchor.y, 6);
    expect(zoomedAt(view, 40, anchor, size).zoom).toBe(19);
    expect(zoomedAt(view, -40, anchor, size).zoom).toBe(2);
  });

  it('fits every position inside the padding, filling one direction', () => {
    const positions = [valley, { latitude: 46.7109, longitude: 7.9665 }, { latitude: 46.7355, longitude: 8.0699 }];
    const fitted = fitView(positions, size, 48)!;
    const points = positions.map((position) => screenPoint(position, fitted, size));
    for (const point of points) {
      expect(point.x).toBeGreaterThanOrEqual(48 - 1e-6);
      expect(point.x).toBeLessThanOrEqual(752 + 1e-6);
      expect(point.y).toBeGreaterThanOrEqual(48 - 1e-6);
      expect(point.y).toBeLessThanOrEqual(552 + 1e-6);
    }
    const xs = points.map((point) => point.x);
    expect(Math.max(...xs) - Math.min(...xs)).toBeCloseTo(704, 6); // the wide direction fills the room
    expect(fitView([valley], size)).toEqual({ center: { latitude: expect.closeTo(valley.latitude, 9), longitude: expect.closeTo(valley.longitude, 9) }, zoom: 14 });
    expect(fitView([], size)).toBeUndefined();
  });
});

describe('scale bar and grid', () => {
  it('picks the longest 1-2-5 length that fits', () => {
    expect(scaleBar({ center: { latitude: 0, longitude: 0 }, zoom: 0 }, 160)).toEqual({ metres: 20_000_000, pixels: expect.closeTo(127.76, 2) });
    const local = scaleBar({ center: valley, zoom: 13 }, 160);
    expect(local.metres).toBe(2000);
    expect(local.pixels * metresPerPixel(valley.latitude, 13)).toBeCloseTo(2000, 6);
    expect(scaleBar({ center: valley, zoom: 17 }, 160).metres).toBe(100);
    expect([formatScale(500), formatScale(2000), formatScale(20_000)]).toEqual(['500 m', '2 km', '20 km']);
  });

  it('draws grid lines a step apart through a ground point, across the whole viewport', () => {
    expect(gridLines({ x: 50, y: 30 }, 100, { width: 300, height: 200 })).toEqual({ xs: [50, 150, 250], ys: [30, 130] });
    expect(gridLines({ x: -1030, y: 990 }, 100, { width: 300, height: 200 })).toEqual({ xs: [70, 170, 270], ys: [90, 190] });
    expect(gridLines({ x: 0, y: 0 }, 0, size)).toEqual({ xs: [], ys: [] });
  });
});

describe('tiles in view', () => {
  it('covers the viewport with the tiles of the nearest zoom the file has, wrapping columns', () => {
    const world = visibleTiles({ center: { latitude: 0, longitude: 0 }, zoom: 1 }, { width: 512, height: 512 }, 0, 5);
    expect(world.map(({ z, x, y, left, top, size: edge }) => [z, x, y, left, top, edge])).toEqual([
      [1, 0, 0, 0, 0, 256],
      [1, 1, 0, 256, 0, 256],
      [1, 0, 1, 0, 256, 256],
      [1, 1, 1, 256, 256, 256],
    ]);
    // Beyond the file's deepest zoom its tiles are drawn larger.
    const deep = visibleTiles({ center: valley, zoom: 15 }, size, 8, 13);
    expect(new Set(deep.map((tile) => tile.z))).toEqual(new Set([13]));
    expect(deep[0]!.size).toBe(1024);
    const centre = tileOf(valley.latitude, valley.longitude, 13);
    expect(deep).toContainEqual(expect.objectContaining({ x: centre.x, y: centre.y }));
    // Across the antimeridian, columns wrap; nothing beyond the poles.
    const wrapped = visibleTiles({ center: { latitude: 0, longitude: 180 }, zoom: 2 }, { width: 512, height: 2048 }, 0, 2);
    expect(new Set(wrapped.map((tile) => tile.x))).toEqual(new Set([3, 0]));
    expect(wrapped.every((tile) => tile.y >= 0 && tile.y < 4)).toBe(true);
    // Far below the file's zooms: none rather than thousands of specks.
    expect(visibleTiles({ center: valley, zoom: 4 }, size, 12, 14)).toEqual([]);
  });
});

describe('distance and bearing (great circle)', () => {
  it('matches known values', () => {
    // Land's End to John o' Groats, the worked example of Chris Veness's "Movable Type" formulae page.
    const landsEnd = { latitude: 50 + 3 / 60 + 59 / 3600, longitude: -(5 + 42 / 60 + 53 / 3600) };
    const johnOGroats = { latitude: 58 + 38 / 60 + 38 / 3600, longitude: -(3 + 4 / 60 + 12 / 3600) };
    const trip = rangeAndBearing(landsEnd, johnOGroats);
    expect(trip.metres / 1000).toBeCloseTo(968.9, 1);
    expect(trip.degrees).toBeCloseTo(9 + 7 / 60 + 11 / 3600, 3);
    // One degree along the equator on a 6,371 km sphere, due east; and due north, south, west.
    expect(rangeAndBearing({ latitude: 0, longitude: 0 }, { latitude: 0, longitude: 1 })).toEqual({ metres: expect.closeTo(111_194.93, 1), degrees: 90 });
    expect(rangeAndBearing(valley, { latitude: 47, longitude: valley.longitude }).degrees).toBeCloseTo(0, 9);
    expect(rangeAndBearing(valley, { latitude: 46, longitude: valley.longitude }).degrees).toBeCloseTo(180, 9);
    expect(rangeAndBearing(valley, { latitude: valley.latitude, longitude: 7 }).degrees).toBeCloseTo(270, 0);
  });
});

describe('markers and trails', () => {
  const node = (nodeId: string, extra: Partial<MeshNode> = {}): MeshNode => ({ nodeId, nodeNum: Number.parseInt(nodeId.slice(1), 16), ...extra });
  const device = { nodeId: '!0000aaaa', nodeNum: 0xaaaa, longName: 'Base camp', shortName: 'BASE', position: valley } as RadioDevice;

  it('marks the own radio and every node with a position, labelled by short name or id', () => {
    const markers = mapMarkers([node('!1234abcd', { shortName: 'HUT', position: { latitude: 46.7, longitude: 7.9 } }), node('!00c0ffee', { position: { latitude: 46.8, longitude: 8 } }), node('!00000001')], device);
    expect(markers.map(({ id, label, own }) => [id, label, own])).toEqual([
      ['!1234abcd', 'HUT', false],
      ['!00c0ffee', 'ffee', false],
      ['!0000aaaa', 'BASE', true],
    ]);
    expect(mapMarkers([], { ...device, position: undefined })).toEqual([]);
  });

  it('grows a trail when a node moves, not when it repeats its place, and keeps it bounded', () => {
    const at = (latitude: number) => [{ id: '!1234abcd', position: { latitude, longitude: 7.9 } }];
    let trails = withPositions({}, at(46.7), 1000);
    expect(trails['!1234abcd']).toEqual([{ latitude: 46.7, longitude: 7.9, at: 1000 }]);
    const same = withPositions(trails, at(46.7), 2000);
    expect(same).toBe(trails);
    trails = withPositions(trails, [{ id: '!1234abcd', position: { latitude: 46.71, longitude: 7.9, time: 1500 } }, { id: '!00000002', position: undefined }], 3000);
    expect(trails['!1234abcd']?.map((point) => point.at)).toEqual([1000, 1500]);
    expect(Object.keys(trails)).toEqual(['!1234abcd']);
    for (let step = 0; step < 10; step += 1) trails = withPositions(trails, at(47 + step / 100), 4000 + step, 5);
    expect(trails['!1234abcd']?.map((point) => point.latitude)).toEqual([47.05, 47.06, 47.07, 47.08, 47.09]);
  });

  it('adds to the trails the node kept what this console saw since, when the node moved', () => {
    const stored = { '!1234abcd': [{ latitude: 46.7, longitude: 7.9, at: 1000 }, { latitude: 46.71, longitude: 7.9, at: 2000 }] };
    const live = {
      '!1234abcd': [
        { latitude: 46.71, longitude: 7.9, at: 1500 }, // older than the stored trail's end: already in it
        { latitude: 46.71, longitude: 7.9, at: 2500 }, // newer, same place
        { latitude: 46.72, longitude: 7.9, at: 3000 },
      ],
      '!00c0ffee': [{ latitude: 46.8, longitude: 8, at: 2600 }],
    };
    expect(mergeTrails(stored, live)).toEqual({
      '!1234abcd': [...stored['!1234abcd'], { latitude: 46.72, longitude: 7.9, at: 3000 }],
      '!00c0ffee': [{ latitude: 46.8, longitude: 8, at: 2600 }],
    });
    expect(mergeTrails(stored, {})).toBe(stored);
  });
});
