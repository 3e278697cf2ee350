// The map's geometry: Web Mercator "world pixels" (the projection of XYZ raster tiles, so markers sit
// on the tiles), the view (centre and fractional zoom), the scale bar, the grid and the tiles to draw.
// Over the few tens of km a LoRa mesh spans it is a local conformal projection: distances on screen
// are true to within a fraction of a percent in every direction. Pure: no DOM.

/** Degrees; the contract's NodePosition fits. */
export type LatLon = { latitude: number; longitude: number };
export type Point = { x: number; y: number };
export type Size = { width: number; height: number };
/** What the map shows: `center` in the middle of the viewport, at a fractional zoom (0: the world in one tile). */
export type MapCamera = { center: LatLon; zoom: number };

export const TILE_SIZE = 256;
/** Zooms the view can take: a whole continent to a few metres a pixel. */
export const MIN_VIEW_ZOOM = 2;
export const MAX_VIEW_ZOOM = 19;
/** A single point (or nothing) is shown at this zoom: about 10 m a pixel. */
export const SINGLE_POINT_ZOOM = 14;
/** Web Mercator's sphere (WGS 84 equatorial radius), as the tiles are cut. */
const MERCATOR_RADIUS_M = 6_378_137;
/** Mercator's edge: the square world stops here. */
const MAX_LATITUDE = 85.05112878;
const RAD = Math.PI / 180;

const worldSize = (zoom: number) => TILE_SIZE * 2 ** zoom;
const clamp = (value: number, low: number, high: number) => Math.min(high, Math.max(low, value));

/** The pixel of `position` in the whole world drawn at `zoom` (0,0 is the north-west corner). */
export function worldPoint(position: LatLon, zoom: number): Point {
  const size = worldSize(zoom);
  const sinLat = Math.sin(clamp(position.latitude, -MAX_LATITUDE, MAX_LATITUDE) * RAD);
  return {
    x: ((position.longitude + 180) / 360) * size,
    y: (0.5 - Math.log((1 + sinLat) / (1 - sinLat)) / (4 * Math.PI)) * size,
  };
}

/** The position at world pixel `point` at `zoom`; longitudes wrap into -180..180. */
export function worldPosition(point: Point, zoom: number): LatLon {
  const size = worldSize(zoom);
  const longitude = (point.x / size) * 360 - 180;
  const latitude = (Math.atan(Math.sinh(Math.PI * (1 - (2 * point.y) / size))) * 180) / Math.PI;
  return { latitude, longitude: ((((longitude + 180) % 360) + 360) % 360) - 180 };
}

/** Where `position` is drawn in a viewport of `size` showing `view`. */
export function screenPoint(position: LatLon, view: MapCamera, size: Size): Point {
  const centre = worldPoint(view.center, view.zoom);
  const point = worldPoint(position, view.zoom);
  return { x: point.x - centre.x + size.width / 2, y: point.y - centre.y + size.height / 2 };
}

/** The position under viewport pixel `point`. */
export function positionAt(point: Point, view: MapCamera, size: Size): LatLon {
  const centre = worldPoint(view.center, view.zoom);
  return worldPosition({ x: centre.x + point.x - size.width / 2, y: centre.y + point.y - size.height / 2 }, view.zoom);
}

/** Ground metres one screen pixel stands for at `latitude`. */
export const metresPerPixel = (latitude: number, zoom: number): number => (2 * Math.PI * MERCATOR_RADIUS_M * Math.cos(latitude * RAD)) / worldSize(zoom);

/** The view moved by a drag of `delta` screen pixels (the map follows the pointer). */
export function panned(view: MapCamera, delta: Point): MapCamera {
  const centre = worldPoint(view.center, view.zoom);
  return { ...view, center: worldPosition({ x: centre.x - delta.x, y: centre.y - delta.y }, view.zoom) };
}

/** The view zoomed by `steps` (may be fractional) keeping the point under viewport pixel `anchor` in place. */
export function zoomedAt(view: MapCamera, steps: number, anchor: Point, size: Size): MapCamera {
  const zoom = clamp(view.zoom + steps, MIN_VIEW_ZOOM, MAX_VIEW_ZOOM);
  const fixed = positionAt(anchor, view, size);
  const fixedWorld = worldPoint(fixed, zoom);
  return { zoom, center: worldPosition({ x: fixedWorld.x - anchor.x + size.width / 2, y: fixedWorld.y - anchor.y + size.height / 2 }, zoom) };
}

/** The view that shows every position with `padding` pixels to spare on each side. */
export function fitView(positions: readonly LatLon[], size: Size, padding = 48): MapCamera | undefined {
  if (positions.length === 0) return undefined;
  const points = positions.map((position) => worldPoint(position, 0));
  const xs = points.map((point) => point.x);
  const ys = points.map((point) => point.y);
  const [west, east, north, south] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  const center = worldPosition({ x: (west + east) / 2, y: (north + south) / 2 }, 0);
  const spanX = east - west;
  const spanY = south - north;
  if (spanX === 0 && spanY === 0) return { center, zoom: SINGLE_POINT_ZOOM };
  const room = { width: Math.max(1, size.width - 2 * padding), height: Math.max(1, size.height - 2 * padding) };
  const zoom = Math.log2(Math.min(spanX > 0 ? room.width / spanX : Infinity, spanY > 0 ? room.height / spanY : Infinity));
  return { center, zoom: clamp(zoom, MIN_VIEW_ZOOM, MAX_VIEW_ZOOM) };
}

/**
 * The scale bar: the longest round length (1, 2 or 5 × 10^n metres) that fits in `maxPixels` at the
 * view's centre, and its length on screen. The grid is drawn at the same step.
 */
export function scaleBar(view: MapCamera, maxPixels: number): { metres: number; pixels: number } {
  const perPixel = metresPerPixel(view.center.latitude, view.zoom);
  const longest = perPixel * maxPixels;
  const power = 10 ** Math.floor(Math.log10(longest));
  const metres = [5, 2, 1].map((step) => step * power).find((candidate) => candidate <= longest) ?? power;
  return { metres, pixels: metres / perPixel };
}

/** "500 m", "2 km", "20 km": a scale bar's length. */
export const formatScale = (metres: number): string => (metres >= 1000 ? `${metres / 1000} km` : `${metres} m`);

/**
 * Grid lines every `step` pixels through `origin` (a point fixed to the ground, so the grid moves
 * with the map), those inside a viewport of `size`.
 */
export function gridLines(origin: Point, step: number, size: Size): { xs: number[]; ys: number[] } {
  const along = (start: number, length: number) => {
    const lines: number[] = [];
    if (!(step > 1)) return lines;
    for (let at = start - Math.floor(start / step) * step; at <= length; at += step) lines.push(at);
    return lines;
  };
  return { xs: along(origin.x, size.width), ys: along(origin.y, size.height) };
}

/** One raster tile to draw: XYZ address and where its top-left corner and edge fall on screen. */
export type TilePlacement = { z: number; x: number; y: number; left: number; top: number; size: number };

/**
 * The tiles covering the viewport, at the file's zoom nearest the view's (scaled to fit), within
 * `minZoom..maxZoom`. Columns wrap round the antimeridian; rows beyond the poles are left out.
 */
export function visibleTiles(view: MapCamera, size: Size, minZoom: number, maxZoom: number): TilePlacement[] {
  const z = clamp(Math.round(view.zoom), minZoom, maxZoom);
  const tileEdge = TILE_SIZE * 2 ** (view.zoom - z);
  // Far below the file's zooms its tiles would be specks by the thousand: the grid alone shows.
  if (tileEdge < TILE_SIZE / 8) return [];
  const centre = worldPoint(view.center, view.zoom);
  const originX = centre.x - size.width / 2;
  const originY = centre.y - size.height / 2;
  const count = 2 ** z;
  const tiles: TilePlacement[] = [];
  for (let row = Math.floor(originY / tileEdge); row * tileEdge < originY + size.height; row += 1) {
    if (row < 0 || row >= count) continue;
    for (let column = Math.floor(originX / tileEdge); column * tileEdge < originX + size.width; column += 1) {
      tiles.push({ z, x: ((column % count) + count) % count, y: row, left: column * tileEdge - originX, top: row * tileEdge - originY, size: tileEdge });
    }
  }
  return tiles;
}
