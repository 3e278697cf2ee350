// The tile file the node serves for the console's map (`--tiles FILE`). A file that cannot be used
// never stops the node: the map says why (contract `map.tiles`) and draws its plain grid.
import { contractError, TILE_URL_TEMPLATE, type ContractErrorCode, type MapTiles } from '../../../shared/contract/index.ts';
import { contentTypeOfTile, MbtilesFile, TileFileError, type TileFileProblem } from './mbtiles.ts';

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

export type ServedTile = { bytes: Uint8Array; contentType: string };

export class TileService {
  readonly #file: MbtilesFile | undefined;
  readonly #problem: TileFileError | undefined;

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

  /** What the console's map needs to know (contract `map.tiles`). */
  info(): MapTiles {
    if (this.#file) return { available: true, ...this.#file.info, urlTemplate: TILE_URL_TEMPLATE };
    if (!this.#problem) return { available: false };
    const { reason, message, fix } = this.#problem;
    return { available: false, error: contractError(errorCodes[reason], message, { reason, fix }) };
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
