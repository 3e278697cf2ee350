// Test-made map tiles: solid-colour PNGs (built with node:zlib) in a real MBTiles file (node:sqlite),
// laid out as the MBTiles 1.3 spec says (TMS rows, metadata name/value).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { crc32, deflateSync } from 'node:zlib';

export type Rgb = [number, number, number];

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/** A `size`×`size` PNG of one colour, with a 1-pixel darker border so tile edges show in screenshots. */
export function solidPng([r, g, b]: Rgb, size = 256): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8-bit RGB, no interlace
  const rows: Buffer[] = [];
  for (let y = 0; y < size; y += 1) {
    const row = Buffer.alloc(1 + size * 3); // filter byte 0, then pixels
    for (let x = 0; x < size; x += 1) {
      const edge = x === 0 || y === 0;
      row.set(edge ? [r >> 1, g >> 1, b >> 1] : [r, g, b], 1 + x * 3);
    }
    rows.push(row);
  }
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', header), chunk('IDAT', deflateSync(Buffer.concat(rows))), chunk('IEND', Buffer.alloc(0))]);
}

export type TestTile = { z: number; x: number; y: number; data: Uint8Array };

/** Writes an MBTiles file holding `tiles` (XYZ addresses; stored with TMS rows) and `metadata`. */
export function writeMbtiles(tiles: readonly TestTile[], metadata: Record<string, string>, file = join(mkdtempSync(join(tmpdir(), 'pakit-tiles-')), 'test.mbtiles')): string {
  const sql = new DatabaseSync(file);
  sql.exec('CREATE TABLE metadata (name TEXT, value TEXT); CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER, tile_data BLOB); CREATE UNIQUE INDEX tile_index ON tiles (zoom_level, tile_column, tile_row);');
  const meta = sql.prepare('INSERT INTO metadata (name, value) VALUES (?, ?)');
  for (const [name, value] of Object.entries(metadata)) meta.run(name, value);
  const insert = sql.prepare('INSERT INTO tiles VALUES (?, ?, ?, ?)');
  for (const tile of tiles) insert.run(tile.z, tile.x, 2 ** tile.z - 1 - tile.y, tile.data);
  sql.close();
  return file;
}

/** The XYZ tile holding a position at zoom `z` (the slippy-map formula). */
export function tileOf(latitude: number, longitude: number, z: number): { x: number; y: number } {
  const n = 2 ** z;
  const rad = (latitude * Math.PI) / 180;
  return { x: Math.floor(((longitude + 180) / 360) * n), y: Math.floor(((1 - Math.log(Math.tan(rad) + 1 / Math.cos(rad)) / Math.PI) / 2) * n) };
}
