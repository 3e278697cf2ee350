// Reads raster map tiles from an MBTiles file (an SQLite database: `metadata` name/value rows and a
// `tiles` table addressed in TMS order, rows counted from the south) with node:sqlite, read-only.
// Anything that is not a usable raster MBTiles file is refused with a TileFileError in plain words.
import { statSync } from 'node:fs';
import { basename } from 'node:path';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import type { TileFormat } from '../../../shared/contract/index.ts';

export type TileFileProblem = 'missing' | 'unreadable' | 'not_sqlite' | 'not_mbtiles' | 'vector_tiles' | 'unknown_format' | 'no_tiles';

/** Why a tile file cannot be used, with what the operator can do about it. */
export class TileFileError extends Error {
  readonly reason: TileFileProblem;
  readonly fix: string;
  constructor(reason: TileFileProblem, message: string, fix: string) {
    super(message);
    this.name = 'TileFileError';
    this.reason = reason;
    this.fix = fix;
  }
}

export type TileSetInfo = {
  name: string;
  format: TileFormat;
  minZoom: number;
  maxZoom: number;
  bounds?: [number, number, number, number];
  attribution?: string;
};

const MAKE_ONE = 'Choose a raster MBTiles file (PNG, JPEG or WebP tiles, e.g. exported by QGIS, TileMill or MOBAC) in Settings → Map tiles, or with --tiles / PAKIT_TILES.';

/** Tile formats by the bytes they start with. */
function sniffFormat(bytes: Uint8Array): TileFormat | 'vector' | undefined {
  const starts = (...magic: number[]) => magic.every((byte, index) => bytes[index] === byte);
  if (starts(0x89, 0x50, 0x4e, 0x47)) return 'png';
  if (starts(0xff, 0xd8, 0xff)) return 'jpg';
  if (starts(0x52, 0x49, 0x46, 0x46) && String.fromCharCode(...bytes.subarray(8, 12)) === 'WEBP') return 'webp';
  if (starts(0x1f, 0x8b)) return 'vector'; // gzipped protobuf: Mapbox vector tiles
  return undefined;
}

function formatOf(declared: string | undefined, firstTile: Uint8Array, file: string): TileFormat {
  const named = declared?.trim().toLowerCase();
  const format = named === 'png' || named === 'webp' ? named : named === 'jpg' || named === 'jpeg' ? 'jpg' : named === 'pbf' || named === 'mvt' ? 'vector' : sniffFormat(firstTile);
  if (format === 'vector') {
    throw new TileFileError('vector_tiles', `${file} holds vector tiles (pbf): the map draws raster tiles only.`, `${MAKE_ONE} Vector tiles can be rendered to raster with tools such as tileserver-gl.`);
  }
  if (!format) throw new TileFileError('unknown_format', `The tiles in ${file} are in a format the map cannot draw (${named ?? 'not PNG, JPEG or WebP'}).`, MAKE_ONE);
  return format;
}

function parseBounds(raw: string | undefined): [number, number, number, number] | undefined {
  const parts = raw?.split(',').map((part) => Number(part.trim()));
  if (!parts || parts.length !== 4 || !parts.every(Number.isFinite)) return undefined;
  const [west, south, east, north] = parts as [number, number, number, number];
  return Math.abs(south) <= 90 && Math.abs(north) <= 90 && south < north ? [west, south, east, north] : undefined;
}

const zoomOf = (raw: string | undefined): number | undefined => {
  const value = raw === undefined ? NaN : Number(raw);
  return Number.isInteger(value) && value >= 0 && value <= 30 ? value : undefined;
};

/** An open MBTiles file: its description and its tiles by XYZ address. */
export class MbtilesFile {
  readonly path: string;
  readonly info: TileSetInfo;
  #sql: DatabaseSync;
  #select: StatementSync;

  private constructor(path: string, sql: DatabaseSync, info: TileSetInfo) {
    this.path = path;
    this.#sql = sql;
    this.info = info;
    this.#select = sql.prepare('SELECT tile_data FROM tiles WHERE zoom_level = ? AND tile_column = ? AND tile_row = ?');
  }

  /** Opens `path` read-only and checks it is a raster MBTiles file; throws TileFileError otherwise. */
  static open(path: string): MbtilesFile {
    const file = basename(path);
    let size: number;
    try {
      const stat = statSync(path);
      if (!stat.isFile()) throw new TileFileError('unreadable', `${path} is a folder, not a tile file.`, MAKE_ONE);
      size = stat.size;
    } catch (error) {
      if (error instanceof TileFileError) throw error;
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') throw new TileFileError('missing', `There is no tile file at ${path}.`, 'Check the path: it is a file on the computer the node runs on.');
      throw new TileFileError('unreadable', `Cannot read the tile file ${path} (${code ?? (error as Error).message}).`, 'Let the user running Pakit read the file, or copy it somewhere it can.');
    }
    // An empty file would open as an empty database: say what it is instead.
    if (size === 0) throw new TileFileError('not_sqlite', `${file} is empty: it is not an MBTiles file.`, MAKE_ONE);
    let sql: DatabaseSync;
    try {
      sql = new DatabaseSync(path, { readOnly: true });
    } catch (error) {
      throw new TileFileError('unreadable', `Cannot open the tile file ${path}: ${(error as Error).message}.`, 'Let the user running Pakit read the file, or copy it somewhere it can.');
    }
    try {
      return new MbtilesFile(path, sql, describe(sql, file));
    } catch (error) {
      sql.close();
      throw error;
    }
  }

  /** The tile at XYZ address z/x/y (y counted from the north, as web maps do), or undefined when the file has none. */
  tile(z: number, x: number, y: number): Uint8Array | undefined {
    if (!Number.isInteger(z) || z < 0 || z > 30) return undefined;
    const count = 2 ** z;
    if (!Number.isInteger(x) || !Number.isInteger(y) || x < 0 || y < 0 || x >= count || y >= count) return undefined;
    // MBTiles rows follow TMS: row 0 is the southernmost.
    const row = this.#select.get(z, x, count - 1 - y) as { tile_data: Uint8Array | null } | undefined;
    return row?.tile_data ?? undefined;
  }

  close(): void {
    if (this.#sql.isOpen) this.#sql.close();
  }
}

function describe(sql: DatabaseSync, file: string): TileSetInfo {
  let tables: { name: string }[];
  try {
    tables = sql.prepare("SELECT name FROM sqlite_master WHERE type IN ('table', 'view') AND name IN ('tiles', 'metadata')").all() as { name: string }[];
  } catch (error) {
    throw new TileFileError('not_sqlite', `${file} is not an MBTiles file: it is not an SQLite database (${(error as Error).message}).`, MAKE_ONE);
  }
  const has = (name: string) => tables.some((table) => table.name === name);
  if (!has('tiles') || !has('metadata')) {
    const lacking = ['tiles', 'metadata'].filter((name) => !has(name)).join(' and ');
    throw new TileFileError('not_mbtiles', `${file} is an SQLite database but not an MBTiles file: it has no ${lacking} table.`, MAKE_ONE);
  }
  let metadata: Map<string, string>;
  let first: { tile_data: Uint8Array | null } | undefined;
  let zooms: { low: number | null; high: number | null };
  try {
    metadata = new Map((sql.prepare('SELECT name, value FROM metadata').all() as { name: string; value: unknown }[]).map((row) => [String(row.name), String(row.value)]));
    first = sql.prepare('SELECT tile_data FROM tiles LIMIT 1').get() as typeof first;
    zooms = sql.prepare('SELECT MIN(zoom_level) AS low, MAX(zoom_level) AS high FROM tiles').get() as typeof zooms;
  } catch (error) {
    throw new TileFileError('not_mbtiles', `${file} is not a usable MBTiles file: ${(error as Error).message}.`, MAKE_ONE);
  }
  if (!first?.tile_data || zooms.low === null || zooms.high === null) throw new TileFileError('no_tiles', `${file} holds no tiles.`, MAKE_ONE);
  const format = formatOf(metadata.get('format'), first.tile_data, file);
  const bounds = parseBounds(metadata.get('bounds'));
  const attribution = metadata.get('attribution')?.trim();
  return {
    name: metadata.get('name')?.trim() || file,
    format,
    minZoom: zoomOf(metadata.get('minzoom')) ?? zooms.low,
    maxZoom: zoomOf(metadata.get('maxzoom')) ?? zooms.high,
    ...(bounds ? { bounds } : {}),
    ...(attribution ? { attribution } : {}),
  };
}

export const contentTypeOfTile: Record<TileFormat, string> = { png: 'image/png', jpg: 'image/jpeg', webp: 'image/webp' };
