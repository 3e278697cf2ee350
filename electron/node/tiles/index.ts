// The tile file the node serves for the console's map (`--tiles FILE`). A file that cannot be used
// never stops the node: the map says why (contract `map.tiles`) and draws its plain grid.
import { contractError, TILE_URL_TEMPLATE, type ContractError, type ContractErrorCode, type MapTiles } from '../../../shared/contract/index.ts';
import { contentTypeOfTile, MbtilesFile, TileFileError, type TileFileProblem } from './mbtiles.ts';

export { TileChoice } from './choice.ts';
export { MbtilesFile, TileFileError } from './mbtiles.ts';

const errorCodes: Record<TileFileProblem, ContractErrorCode> = {
  missing: 'not_found',
  unreadable: 'unavailable',
  not_sqlite: 'invalid_input',
  not_mbtiles: 'invalid_input',
  vector_tiles: 'invalid_input',
  unknown_format: 'invalid_input',
  no_tiles: 'invalid_input',
};

/** A refused tile file as the contract carries it. */
export const tileFileContractError = ({ reason, message, fix }: TileFileError): ContractError => contractError(errorCodes[reason], message, { reason, fix });

export type ServedTile = { bytes: Uint8Array; contentType: string };

/** `/tiles/{z}/{x}/{y}`, with or without the format's extension. */
const TILE_PATH = /^\/tiles\/(\d{1,2})\/(\d{1,10})\/(\d{1,10})(?:\.(?:png|jpg|jpeg|webp))?$/;

/** What a host answers to a tile request that passed its access check (HTTP or the desktop's pakit://). */
export type TileReply = ({ status: 200 } & ServedTile) | { status: 404 | 503; text: string };

/** Headers of a tile answer: the console caches tiles for an hour, for itself only. */
export const tileHeaders = (tile: ServedTile): Record<string, string> => ({
  'Content-Type': tile.contentType,
  'Content-Length': String(tile.bytes.byteLength),
  'Cache-Control': 'private, max-age=3600',
  'X-Content-Type-Options': 'nosniff',
  'Cross-Origin-Resource-Policy': 'same-origin',
});

/** The answer to a request for `path` (`/tiles/z/x/y[.ext]`); a file that fails mid-way is logged, not thrown. */
export function tileReply(tiles: TileService, path: string, warn: (message: string) => void): TileReply {
  const match = TILE_PATH.exec(path);
  try {
    const tile = match ? tiles.tile(Number(match[1]), Number(match[2]), Number(match[3])) : undefined;
    return tile ? { status: 200, ...tile } : { status: 404, text: 'No tile there.\n' };
  } catch (error) {
    warn(`cannot read a tile from the tile file: ${(error as Error).message}`);
    return { status: 503, text: 'The tile file cannot be read now; see the node log.\n' };
  }
}

export class TileService {
  #file: MbtilesFile | undefined;
  #problem: TileFileError | undefined;

  /** Opens `path` when one is given; a file that cannot be used is kept as the reason (see `problem`). */
  constructor(path: string | undefined) {
    if (path === undefined) return;
    try {
      this.#file = MbtilesFile.open(path);
    } catch (error) {
      if (!(error instanceof TileFileError)) throw error;
      this.#problem = error;
    }
  }

  /** Why the tile file named could not be used, if it could not. */
  get problem(): TileFileError | undefined {
    return this.#problem;
  }

  /** The file served now, if any. */
  get path(): string | undefined {
    return this.#file?.path;
  }

  /**
   * Serves `path` from now on (undefined: no file). A file that cannot be used throws TileFileError
   * and changes nothing: the file served before goes on being served.
   */
  use(path: string | undefined): void {
    const next = path === undefined ? undefined : MbtilesFile.open(path);
    this.#file?.close();
    this.#file = next;
    this.#problem = undefined;
  }

  /** What the console's map needs to know (contract `map.tiles`). */
  info(): MapTiles {
    if (this.#file) return { available: true, ...this.#file.info, file: this.#file.path, urlTemplate: TILE_URL_TEMPLATE };
    return this.#problem ? { available: false, error: tileFileContractError(this.#problem) } : { available: false };
  }

  /** The tile at XYZ z/x/y with its content type, or undefined when there is none (or no file). */
  tile(z: number, x: number, y: number): ServedTile | undefined {
    if (!this.#file) return undefined;
    const bytes = this.#file.tile(z, x, y);
    return bytes ? { bytes, contentType: contentTypeOfTile[this.#file.info.format] } : undefined;
  }

  close(): void {
    this.#file?.close();
  }
}
