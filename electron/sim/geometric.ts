// A random geometric mesh: radios dropped at random in a square, two of them linked when they stand
// within radio range of each other, the draw repeated until every radio can reach every other one
// (over relays). Link quality falls with distance, as it does in the field: a close pair hears each
// other at +10 dB SNR, a pair at the edge of range near the LoRa floor.
import type { LinkQuality } from './medium.ts';
import { offsetPosition, type SimPosition } from './node-data.ts';

export type GeometricLayout = {
  /** Side of the square the radios stand in, metres. */
  readonly areaM: number;
  /** Two radios closer than this hear each other, metres. */
  readonly rangeM: number;
};

export type GeometricMesh = {
  readonly positions: SimPosition[];
  /** Pairs of radio indices that hear each other, and how well. */
  readonly links: [number, number, LinkQuality][];
};

const MAX_DRAWS = 1_000;

/** Places `count` radios (the square's south-west corner at `origin`); throws when no connected draw comes in MAX_DRAWS. */
export function geometricMesh(count: number, layout: GeometricLayout, origin: SimPosition, random: () => number): GeometricMesh {
  for (let draw = 0; draw < MAX_DRAWS; draw++) {
    const points = Array.from({ length: count }, () => ({ x: random() * layout.areaM, y: random() * layout.areaM }));
    const links: [number, number, LinkQuality][] = [];
    for (let a = 0; a < count; a++) {
      for (let b = a + 1; b < count; b++) {
        const distance = Math.hypot(points[a]!.x - points[b]!.x, points[a]!.y - points[b]!.y);
        if (distance <= layout.rangeM) links.push([a, b, qualityAt(distance / layout.rangeM)]);
      }
    }
    if (!connected(count, links)) continue;
    const positions = points.map(({ x, y }) => {
      const place = offsetPosition(offsetPosition(origin, y, 0), x, 90);
      return { latitude: place.latitude, longitude: place.longitude, altitude: Math.round((origin.altitude ?? 500) + random() * 300) };
    });
    return { positions, links };
  }
  throw new RangeError(`no connected layout of ${count} radios in ${layout.areaM} m with ${layout.rangeM} m range after ${MAX_DRAWS} draws`);
}

/** `reach`: distance over range, 0..1. */
function qualityAt(reach: number): LinkQuality {
  return { snrDb: Math.round((10 - 16 * reach) * 10) / 10, rssiDbm: Math.round(-80 - 40 * reach) };
}

function connected(count: number, links: readonly [number, number, LinkQuality][]): boolean {
  const seen = new Set([0]);
  const queue = [0];
  while (queue.length > 0) {
    const at = queue.pop()!;
    for (const [a, b] of links) {
      const other = a === at ? b : b === at ? a : -1;
      if (other >= 0 && !seen.has(other)) {
        seen.add(other);
        queue.push(other);
      }
    }
  }
  return seen.size === count;
}
