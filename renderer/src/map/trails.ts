// Where each node has been: its successive positions as the radio reported them, kept in memory and
// bounded per node. Pure.
import type { LatLon } from './projection.ts';

export type TrailPoint = LatLon & { at: number };
/** By node id (`!xxxxxxxx`); the newest point last. */
export type Trails = Readonly<Record<string, readonly TrailPoint[]>>;

/** Points kept per node: 2 days of the default 15-min broadcasts, about 3 MB for 500 nodes. */
export const TRAIL_LIMIT = 200;

/**
 * The trails with each node's current position appended when it moved since the last point (a
 * repeated broadcast from the same place adds nothing). Unchanged trails keep their identity.
 */
export function withPositions(trails: Trails, positions: readonly { id: string; position: (LatLon & { time?: number }) | undefined }[], now: number, limit = TRAIL_LIMIT): Trails {
  let next: Record<string, readonly TrailPoint[]> | undefined;
  for (const { id, position } of positions) {
    if (!position) continue;
    const trail = trails[id] ?? [];
    const last = trail.at(-1);
    if (last && last.latitude === position.latitude && last.longitude === position.longitude) continue;
    next ??= { ...trails };
    next[id] = [...trail.slice(Math.max(0, trail.length + 1 - limit)), { latitude: position.latitude, longitude: position.longitude, at: position.time ?? now }];
  }
  return next ?? trails;
}

/**
 * The node's stored trails (`map.trails`) with what this console saw since: points newer than a
 * trail's last stored one are added, when the node moved.
 */
export function mergeTrails(stored: Trails, live: Trails, limit = TRAIL_LIMIT): Trails {
  let merged = stored;
  for (const [id, points] of Object.entries(live)) {
    const since = stored[id]?.at(-1)?.at ?? -Infinity;
    for (const point of points) if (point.at > since) merged = withPositions(merged, [{ id, position: { ...point, time: point.at } }], point.at, limit);
  }
  return merged;
}
