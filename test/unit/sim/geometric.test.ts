import { describe, expect, it } from 'vitest';
import { createSimMesh, geometricMesh, VirtualScheduler } from '../../../electron/sim/index.ts';
import { DEFAULT_MESH_ORIGIN } from '../../../electron/sim/node-data.ts';
import { seededRandom } from '../../../electron/sim/random.ts';

const LAYOUT = { areaM: 12_000, rangeM: 5_000 } as const;

/** Metres between two radios (equirectangular: exact enough over a few km). */
function metresApart(a: { latitude: number; longitude: number }, b: { latitude: number; longitude: number }): number {
  const rad = Math.PI / 180;
  const x = (b.longitude - a.longitude) * rad * Math.cos(((a.latitude + b.latitude) / 2) * rad);
  return Math.hypot(x, (b.latitude - a.latitude) * rad) * 6_371_000;
}

describe('random geometric mesh', () => {
  it('links exactly the radios in range of each other, every radio reachable, closer pairs heard better', () => {
    const { positions, links } = geometricMesh(20, LAYOUT, DEFAULT_MESH_ORIGIN, seededRandom(3));
    expect(positions).toHaveLength(20);
    const linked = new Set(links.map(([a, b]) => `${a}-${b}`));
    for (let a = 0; a < 20; a++) {
      for (let b = a + 1; b < 20; b++) {
        const distance = metresApart(positions[a]!, positions[b]!);
        if (Math.abs(distance - LAYOUT.rangeM) > 20) expect(linked.has(`${a}-${b}`)).toBe(distance < LAYOUT.rangeM);
      }
    }
    const byDistance = links.map(([a, b, quality]) => ({ distance: metresApart(positions[a]!, positions[b]!), snr: quality.snrDb })).sort((x, y) => x.distance - y.distance);
    expect(byDistance[0]!.snr).toBeGreaterThan(byDistance.at(-1)!.snr);
    // Not everyone hears everyone: some radios need relays.
    expect(links.length).toBeLessThan((20 * 19) / 2);
  });

  it('the same seed gives the same mesh; a layout that cannot connect is refused', () => {
    expect(geometricMesh(10, LAYOUT, DEFAULT_MESH_ORIGIN, seededRandom(4))).toEqual(geometricMesh(10, LAYOUT, DEFAULT_MESH_ORIGIN, seededRandom(4)));
    expect(() => geometricMesh(20, { areaM: 100_000, rangeM: 100 }, DEFAULT_MESH_ORIGIN, seededRandom(5))).toThrow(/no connected layout/);
  });

  it('createSimMesh places and links its radios by it', () => {
    const mesh = createSimMesh({ nodes: 12, scheduler: new VirtualScheduler(), geometric: LAYOUT, seed: 9, announceWithinMs: false });
    const { positions, links } = geometricMesh(12, LAYOUT, DEFAULT_MESH_ORIGIN, seededRandom(9 ^ 0x5eed));
    expect(mesh.devices.map((device) => device.position)).toEqual(positions);
    const nums = mesh.devices.map((device) => device.nodeNum);
    for (const [a, b, quality] of links) expect(mesh.medium.linkBetween(nums[a]!, nums[b]!)).toEqual(quality);
    const pairs = nums.flatMap((a, i) => nums.slice(i + 1).map((b) => mesh.medium.linkBetween(a, b))).filter(Boolean);
    expect(pairs).toHaveLength(links.length);
  });
});
