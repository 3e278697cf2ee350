import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { describe, expect, it } from 'vitest';
import { MbtilesFile, TileFileError } from '../../../electron/node/tiles/mbtiles.ts';
import { tileHeaders, tileReply, TileService } from '../../../electron/node/tiles/index.ts';
import { solidPng, writeMbtiles } from '../../helpers/tiles.ts';

const red = solidPng([220, 40, 40], 8);
const blue = solidPng([40, 40, 220], 8);
const scratch = () => mkdtempSync(join(tmpdir(), 'pakit-tiles-unit-'));

function refusal(path: string): TileFileError {
  try {
    MbtilesFile.open(path).close();
  } catch (error) {
    if (error instanceof TileFileError) return error;
    throw error;
  }
  throw new Error(`${path} was accepted`);
}

describe('MBTiles reader', () => {
  it('reads metadata and serves tiles by XYZ address, flipping MBTiles TMS rows', () => {
    // Zoom 1 has rows 0 (north) and 1 (south): XYZ y=0 is TMS row 1.
    const file = writeMbtiles(
      [
        { z: 1, x: 0, y: 0, data: red },
        { z: 1, x: 0, y: 1, data: blue },
      ],
      { name: 'Valley', format: 'png', minzoom: '1', maxzoom: '1', bounds: '7.5,46.5,8.2,46.9', attribution: '© test' },
    );
    const tiles = MbtilesFile.open(file);
    expect(tiles.info).toEqual({ name: 'Valley', format: 'png', minZoom: 1, maxZoom: 1, bounds: [7.5, 46.5, 8.2, 46.9], attribution: '© test' });
    expect(Buffer.from(tiles.tile(1, 0, 0)!)).toEqual(red);
    expect(Buffer.from(tiles.tile(1, 0, 1)!)).toEqual(blue);
    const sql = new DatabaseSync(file, { readOnly: true });
    expect((sql.prepare('SELECT tile_data FROM tiles WHERE tile_row = 1').get() as { tile_data: Uint8Array }).tile_data).toEqual(new Uint8Array(red));
    sql.close();
    expect(tiles.tile(1, 1, 0)).toBeUndefined(); // not in the file
    expect(tiles.tile(1, 2, 0)).toBeUndefined(); // outside the world at zoom 1
    expect(tiles.tile(-1, 0, 0)).toBeUndefined();
    tiles.close();
  });

  it('fills in what the metadata leaves out: format from the tile bytes, zooms from the tiles, name from the file', () => {
    const file = writeMbtiles(
      [
        { z: 3, x: 1, y: 1, data: red },
        { z: 5, x: 4, y: 4, data: red },
      ],
      { bounds: 'not numbers' },
    );
    const tiles = MbtilesFile.open(file);
    expect(tiles.info).toEqual({ name: 'test.mbtiles', format: 'png', minZoom: 3, maxZoom: 5 });
    tiles.close();
  });

  it('refuses a missing file, an empty one, a text file and a PNG as not SQLite, in words', () => {
    const dir = scratch();
    expect(refusal(join(dir, 'nowhere.mbtiles')).reason).toBe('missing');
    expect(refusal(dir).message).toMatch(/is a folder/);
    writeFileSync(join(dir, 'empty.mbtiles'), '');
    expect(refusal(join(dir, 'empty.mbtiles')).reason).toBe('not_sqlite');
    writeFileSync(join(dir, 'notes.txt'), 'these are my notes, not a map\n'.repeat(200));
    const text = refusal(join(dir, 'notes.txt'));
    expect(text.reason).toBe('not_sqlite');
    expect(text.message).toMatch(/notes\.txt is not an MBTiles file: it is not an SQLite database/);
    expect(text.fix).toMatch(/raster MBTiles file/);
    writeFileSync(join(dir, 'tile.png'), red);
    expect(refusal(join(dir, 'tile.png')).reason).toBe('not_sqlite');
  });

  it('refuses an SQLite database that is not MBTiles, vector tiles and a file without tiles', () => {
    const dir = scratch();
    const foreign = join(dir, 'pakit.db');
    const sql = new DatabaseSync(foreign);
    sql.exec('CREATE TABLE messages (id INTEGER, text TEXT); INSERT INTO messages VALUES (1, \'hi\')');
    sql.close();
    const notMbtiles = refusal(foreign);
    expect(notMbtiles.reason).toBe('not_mbtiles');
    expect(notMbtiles.message).toBe('pakit.db is an SQLite database but not an MBTiles file: it has no tiles and metadata table.');

    const vector = writeMbtiles([{ z: 0, x: 0, y: 0, data: new Uint8Array([0x1f, 0x8b, 8, 0]) }], { format: 'pbf' });
    expect(refusal(vector).reason).toBe('vector_tiles');
    const gzipped = writeMbtiles([{ z: 0, x: 0, y: 0, data: new Uint8Array([0x1f, 0x8b, 8, 0]) }], {});
    expect(refusal(gzipped).reason).toBe('vector_tiles');
    const unknown = writeMbtiles([{ z: 0, x: 0, y: 0, data: new Uint8Array([1, 2, 3, 4]) }], {});
    expect(refusal(unknown).reason).toBe('unknown_format');
    expect(refusal(writeMbtiles([], { format: 'png' })).reason).toBe('no_tiles');
  });
});

describe('TileService (what map.tiles answers)', () => {
  it('says nothing was chosen, what a good file holds, or why a file was refused', () => {
    expect(new TileService(undefined).info()).toEqual({ available: false });
    const townFile = writeMbtiles([{ z: 2, x: 1, y: 1, data: red }], { name: 'Town', format: 'png' });
    const good = new TileService(townFile);
    expect(good.info()).toEqual({ available: true, name: 'Town', format: 'png', minZoom: 2, maxZoom: 2, file: townFile, urlTemplate: 'tiles/{z}/{x}/{y}' });
    expect(good.tile(2, 1, 1)).toEqual({ bytes: new Uint8Array(red), contentType: 'image/png' });
    expect(good.tile(2, 0, 0)).toBeUndefined();
    good.close();
    const dir = scratch();
    writeFileSync(join(dir, 'map.mbtiles'), 'not a database at all, just some text that is long enough to read'.repeat(100));
    const bad = new TileService(join(dir, 'map.mbtiles'));
    expect(bad.info()).toMatchObject({ available: false, error: { code: 'invalid_input', reason: 'not_sqlite', fix: expect.stringMatching(/--tiles/) } });
    expect(bad.tile(0, 0, 0)).toBeUndefined();
  });

  it('switches to another file, refuses one it cannot use keeping the one before, and turns off', () => {
    const first = writeMbtiles([{ z: 1, x: 0, y: 0, data: red }], { name: 'First', format: 'png' });
    const second = writeMbtiles([{ z: 1, x: 0, y: 0, data: blue }], { name: 'Second', format: 'png' });
    const service = new TileService(first);
    service.use(second);
    expect(service.info()).toMatchObject({ available: true, name: 'Second' });
    expect(service.tile(1, 0, 0)?.bytes).toEqual(new Uint8Array(blue));
    const dir = scratch();
    writeFileSync(join(dir, 'notes.txt'), 'not tiles\n'.repeat(100));
    expect(() => service.use(join(dir, 'notes.txt'))).toThrow(TileFileError);
    expect(service.info()).toMatchObject({ available: true, name: 'Second' });
    expect(service.tile(1, 0, 0)?.bytes).toEqual(new Uint8Array(blue));
    service.use(undefined);
    expect(service.info()).toEqual({ available: false });
    expect(service.tile(1, 0, 0)).toBeUndefined();
    // A node that started on a bad file recovers once a good one is chosen.
    const recovering = new TileService(join(dir, 'notes.txt'));
    expect(recovering.problem?.reason).toBe('not_sqlite');
    recovering.use(first);
    expect(recovering.problem).toBeUndefined();
    expect(recovering.info()).toMatchObject({ available: true, name: 'First' });
  });

  it('answers tile requests by path for both hosts: the tile, 404, or 503 when the file fails mid-way', () => {
    const service = new TileService(writeMbtiles([{ z: 2, x: 1, y: 1, data: red }], { format: 'png' }));
    const warnings: string[] = [];
    const warn = (message: string) => warnings.push(message);
    const reply = tileReply(service, '/tiles/2/1/1.png', warn);
    expect(reply).toEqual({ status: 200, bytes: new Uint8Array(red), contentType: 'image/png' });
    expect(reply.status === 200 && tileHeaders(reply)).toMatchObject({ 'Content-Type': 'image/png', 'Content-Length': String(red.length), 'Cache-Control': 'private, max-age=3600' });
    expect(tileReply(service, '/tiles/2/1/1', warn).status).toBe(200);
    for (const path of ['/tiles/2/0/0.png', '/tiles/2/1/1.gif', '/tiles/2/1', '/tiles/x/1/1.png', '/tiles/99/1/1.png']) expect(tileReply(service, path, warn).status, path).toBe(404);
    expect(warnings).toEqual([]);
    service.close(); // as if the file went away under the node
    expect(tileReply(service, '/tiles/2/1/1.png', warn)).toEqual({ status: 503, text: expect.stringMatching(/cannot be read now/) });
    expect(warnings).toHaveLength(1);
  });
});
