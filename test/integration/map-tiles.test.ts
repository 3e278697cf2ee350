// The headless node serves an MBTiles file's tiles to its console: only with the console's token,
// the right tile for each XYZ address, 404 where there is none; a foreign file leaves it running.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callNode } from '../helpers/contract-call.ts';
import { startHeadlessNode, type RunningNode } from '../helpers/headless-node.ts';
import { solidPng, writeMbtiles } from '../helpers/tiles.ts';

const north = solidPng([200, 30, 30], 16);
const south = solidPng([30, 30, 200], 16);

const mapTiles = (node: RunningNode) => callNode(node, 'map.tiles', {});

describe('map tiles over the headless node’s HTTP', { timeout: 60_000 }, () => {
  let node: RunningNode;
  let file: string;
  beforeAll(async () => {
    file = writeMbtiles(
      [
        { z: 1, x: 1, y: 0, data: north },
        { z: 1, x: 1, y: 1, data: south },
      ],
      { name: 'Test valley', format: 'png', bounds: '0,-80,180,80' },
    );
    node = await startHeadlessNode(['--api', '127.0.0.1:0', '--tiles', file]);
  });
  afterAll(async () => expect(await node?.stop()).toBe(0));

  const get = (path: string, token?: string) => fetch(`${node.base}${path}`, token === undefined ? {} : { headers: { Authorization: `Bearer ${token}` } });

  it('answers a tile only to a request carrying the console token', async () => {
    const anonymous = await get('/tiles/1/1/0.png');
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(await anonymous.text()).toMatch(/Authorization: Bearer/);
    expect((await get('/tiles/1/1/0.png', 'not-the-token-at-all')).status).toBe(403);
    // A token in the query string is not how tiles are asked for: it would end up in logs.
    expect((await get(`/tiles/1/1/0.png?token=${node.token}`)).status).toBe(401);

    const tile = await get('/tiles/1/1/0.png', node.token);
    expect(tile.status).toBe(200);
    expect(tile.headers.get('content-type')).toBe('image/png');
    expect(tile.headers.get('cache-control')).toBe('private, max-age=3600');
    expect(Buffer.from(await tile.arrayBuffer())).toEqual(north);
    // XYZ y=1 is the southern row (TMS row 0 in the file); no extension works too.
    expect(Buffer.from(await (await get('/tiles/1/1/1', node.token)).arrayBuffer())).toEqual(south);
  });

  it('answers 404 for a tile the file lacks or an address that is no tile', async () => {
    for (const path of ['/tiles/1/0/0.png', '/tiles/9/3/3.png', '/tiles/1/5/0.png', '/tiles/a/b/c.png', '/tiles/1/1', '/tiles/1/1/0.png/more', '/tiles/1/1/0.gif']) {
      expect((await get(path, node.token)).status, path).toBe(404);
    }
  });

  it('describes the file on the contract and lets the console load tiles as images (CSP allows blob:)', async () => {
    expect(await mapTiles(node)).toEqual({ available: true, name: 'Test valley', format: 'png', minZoom: 1, maxZoom: 1, bounds: [0, -80, 180, 80], file, urlTemplate: 'tiles/{z}/{x}/{y}' });
    const page = await fetch(`${node.base}/`);
    expect(page.headers.get('content-security-policy')).toContain("img-src 'self' data: blob:");
    expect(node.stderr()).toContain('serving map tiles "Test valley" (png, zoom 1-1)');
  });
});

describe('a tile file the node cannot use', { timeout: 60_000 }, () => {
  it('keeps the node running and says why, on the log and the contract', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pakit-tiles-bad-'));
    const file = join(dir, 'holiday-photos.mbtiles');
    writeFileSync(file, 'this is a text file someone renamed, not a tile database\n'.repeat(50));
    const node = await startHeadlessNode(['--api', '127.0.0.1:0'], { PAKIT_TILES: file });
    try {
      expect((await fetch(`${node.base}/api/health`)).status).toBe(200);
      const tiles = await mapTiles(node);
      expect(tiles).toMatchObject({ available: false, error: { code: 'invalid_input', reason: 'not_sqlite', message: expect.stringContaining('holiday-photos.mbtiles is not an MBTiles file') } });
      expect(node.stderr()).toMatch(/holiday-photos\.mbtiles is not an MBTiles file.*The map shows a plain grid meanwhile\./);
      expect((await fetch(`${node.base}/tiles/0/0/0.png`, { headers: { Authorization: `Bearer ${node.token}` } })).status).toBe(404);
    } finally {
      expect(await node.stop()).toBe(0);
    }
  });
});

describe('a tile file chosen from the console (Settings)', { timeout: 60_000 }, () => {
  it('is refused in words when unusable, served when good, kept across a restart, and can be turned off', async () => {
    const env = { PAKIT_DATA_DIR: mkdtempSync(join(tmpdir(), 'pakit-tiles-choice-')) };
    const good = writeMbtiles([{ z: 0, x: 0, y: 0, data: north }], { name: 'Chosen', format: 'png' });
    const foreign = join(env.PAKIT_DATA_DIR, 'pakit.db'); // the node's own database: SQLite, not MBTiles
    let node = await startHeadlessNode(['--api', '127.0.0.1:0'], env);
    try {
      expect(await mapTiles(node)).toEqual({ available: false });
      await expect(callNode(node, 'map.setTiles', { path: foreign })).rejects.toThrow('pakit.db is an SQLite database but not an MBTiles file');
      expect(await mapTiles(node)).toEqual({ available: false });
      expect(await callNode(node, 'map.setTiles', { path: good })).toMatchObject({ available: true, name: 'Chosen', file: good });
      const tile = await fetch(`${node.base}/tiles/0/0/0.png`, { headers: { Authorization: `Bearer ${node.token}` } });
      expect(Buffer.from(await tile.arrayBuffer())).toEqual(north);
    } finally {
      expect(await node.stop()).toBe(0);
    }
    node = await startHeadlessNode(['--api', '127.0.0.1:0'], env);
    try {
      expect(await mapTiles(node)).toMatchObject({ available: true, name: 'Chosen' });
      expect(await callNode(node, 'map.setTiles', { path: '' })).toEqual({ available: false });
      expect((await fetch(`${node.base}/tiles/0/0/0.png`, { headers: { Authorization: `Bearer ${node.token}` } })).status).toBe(404);
    } finally {
      expect(await node.stop()).toBe(0);
    }
  });
});
