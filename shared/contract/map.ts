import { z } from 'zod';
import { ContractError } from './errors.ts';

/** Raster tile formats the console can draw (an MBTiles `format`); vector tiles (`pbf`) are refused. */
export const TileFormat = z.enum(['png', 'jpg', 'webp']);
export type TileFormat = z.infer<typeof TileFormat>;

/** Where the node serves the tiles, relative to the console: `{z}`, `{x}`, `{y}` in XYZ (Google) order. */
export const TILE_URL_TEMPLATE = 'tiles/{z}/{x}/{y}';

/**
 * The tile file the node serves for the Map view. `available: false` with no `error`: none was
 * chosen (`--tiles FILE` / PAKIT_TILES); with an `error`: the file named could not be used.
 */
export const MapTiles = z.discriminatedUnion('available', [
  z.object({
    available: z.literal(true),
    /** The file's own name for itself (MBTiles metadata `name`), else its file name. */
    name: z.string(),
    format: TileFormat,
    minZoom: z.number().int().min(0).max(30),
    maxZoom: z.number().int().min(0).max(30),
    /** West, south, east, north in degrees, when the file says. */
    bounds: z.tuple([z.number(), z.number(), z.number(), z.number()]).optional(),
    /** Credit the tile maker asks for (MBTiles `attribution`), as plain text. */
    attribution: z.string().optional(),
    /** The file on the node's computer. */
    file: z.string(),
    urlTemplate: z.string(),
  }),
  z.object({ available: z.literal(false), error: ContractError.optional() }),
]);
export type MapTiles = z.infer<typeof MapTiles>;

/** A place a node reported, with when (the fix's time, else when it was heard), epoch ms. */
export const TrailPoint = z.object({
  latitude: z.number().min(-90).max(90),
  longitude: z.number().min(-180).max(180),
  altitude: z.number().optional(),
  at: z.number(),
});
export type TrailPoint = z.infer<typeof TrailPoint>;

/** Each node's places by node id (`!xxxxxxxx`), oldest first: the map's trails. */
export const MapTrails = z.record(z.string(), z.array(TrailPoint));
export type MapTrails = z.infer<typeof MapTrails>;
