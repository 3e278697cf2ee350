// The Map view in a real Chromium against real headless nodes running the demo's simulated radios:
// (a) with no tile file, the plain grid with markers, scale and the selected node's distance and
// bearing; (b) with a test-made MBTiles file, the node's own tiles under the markers, fetched with
// the console's token; (c) a tile file chosen in Settings.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NodeDatabase } from '../../electron/node/db/index.ts';
import { PositionStore } from '../../electron/node/positions/index.ts';
import { artifactsDir, launchChromium } from '../helpers/browser.ts';
import { callNode } from '../helpers/contract-call.ts';
import { startHeadlessNode, type RunningNode } from '../helpers/headless-node.ts';
import { solidPng, tileOf, writeMbtiles, type Rgb, type TestTile } from '../helpers/tiles.ts';

/** Positions are broadcast 45 s after switch-on, then every 3 min (see the Nodes test): waited for until the third, with 3 min to spare. */
const POSITIONS_WITHIN_MS = 600_000;
/**
 * The demo's radios: the first (the node's own) in an alpine valley, the line's others 4 and 8 km
 * east-north-east, and a branch 4 km from the relay at a right angle (5.7 km at 115°).
 */
const DEMO_ORIGIN = { latitude: 46.6863, longitude: 7.8632 };

/** A checkerboard of two colours, so the test can tell which tile is drawn where. */
const tileColour = (x: number, y: number): Rgb => ((x + y) % 2 === 0 ? [214, 196, 150] : [150, 190, 140]);

function valleyTiles(): string {
  const tiles: TestTile[] = [];
  for (let z = 10; z <= 14; z += 1) {
    const northWest = tileOf(DEMO_ORIGIN.latitude + 0.12, DEMO_ORIGIN.longitude - 0.15, z);
    const southEast = tileOf(DEMO_ORIGIN.latitude - 0.08, DEMO_ORIGIN.longitude + 0.3, z);
    for (let x = northWest.x; x <= southEast.x; x += 1) for (let y = northWest.y; y <= southEast.y; y += 1) tiles.push({ z, x, y, data: solidPng(tileColour(x, y)) });
  }
  return writeMbtiles(tiles, { name: 'Demo valley (test tiles)', format: 'png', minzoom: '10', maxzoom: '14', bounds: '7.71,46.60,8.16,46.81', attribution: 'Test tiles made by map.test.ts' });
}

/**
 * Runs in the page: the colour at the middle of each drawn tile, decoded as the console shows it (an
 * image element from the tile's blob: URL; the CSP allows blob: images, not fetching them).
 */
const DECODE_DRAWN_TILES = `Promise.all([...document.querySelectorAll('[data-testid="map-tiles"] image')].slice(0, 6).map(async (image) => {
  const element = new Image();
  element.src = image.getAttribute('href');
  await element.decode();
  const canvas = new OffscreenCanvas(element.naturalWidth, element.naturalHeight);
  const context = canvas.getContext('2d');
  context.drawImage(element, 0, 0);
  return { href: image.getAttribute('href'), tile: image.getAttribute('data-tile'), rgb: [...context.getImageData(128, 128, 1, 1).data.slice(0, 3)] };
}))`;

/** A walker's radio heard on an earlier day: its trail is in the data folder's pakit.db before the node starts. */
const WALKER = '!0000beef';
const walkerRoute = [0, 1, 2, 3].map((step) => ({ latitude: DEMO_ORIGIN.latitude + 0.004 + step * 0.006, longitude: DEMO_ORIGIN.longitude + 0.01 + step * step * 0.004 }));

function dataDirWithWalkerTrail(): string {
  const dataDir = mkdtempSync(join(tmpdir(), 'pakit-map-test-'));
  const { database } = NodeDatabase.open(join(dataDir, 'pakit.db'));
  const store = new PositionStore(database);
  walkerRoute.forEach((position, step) => store.record([{ nodeId: WALKER, position }], Date.now() - 86_400_000 + step * 600_000));
  database.close();
  return dataDir;
}

const markers = (page: Page) => page.locator('[data-testid="map"] .map-marker');

async function openMap(page: Page, node: RunningNode): Promise<void> {
  await page.goto(node.consoleUrl);
  await page.locator('[data-testid="connection-state"][data-phase="open"]').waitFor();
  await page.locator('nav a[href="#/map"]').click();
  await page.getByRole('heading', { name: 'Map' }).waitFor();
}

const centreOf = (page: Page, id: string) =>
  page.locator(`.map-marker[data-node-id="${id}"]`).evaluate((element) => {
    const box = element.querySelector('circle, rect')!.getBoundingClientRect();
    return { x: box.left + box.width / 2, y: box.top + box.height / 2 };
  });

describe('Map view in Chromium against the demo', { timeout: 720_000 }, () => {
  let plain: RunningNode;
  let tiled: RunningNode;
  let browser: Browser;
  beforeAll(async () => {
    // Both start now, so the second node's radios broadcast their positions while the first test runs.
    [plain, tiled, browser] = await Promise.all([
      startHeadlessNode(['--demo', '--api', '127.0.0.1:0']),
      startHeadlessNode(['--demo', '--api', '127.0.0.1:0', '--tiles', valleyTiles(), '--data-dir', dataDirWithWalkerTrail()]),
      launchChromium(),
    ]);
  });
  afterAll(async () => {
    await browser?.close();
    expect(await plain?.stop()).toBe(0);
    expect(await tiled?.stop()).toBe(0);
  });

  it('without a tile file: a grid with a scale, the radios where they are, distance and bearing of the one selected', async () => {
    const page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
    await openMap(page, plain);
    expect(await page.getByTestId('map-tile-status').getAttribute('data-available')).toBe('false');
    expect(await page.getByTestId('map-tile-status').textContent()).toContain('No tile file');

    // The own radio has a GPS fix from the start; the three others appear once they broadcast.
    await page.locator('.map-marker[data-own="true"]').waitFor();
    await expect.poll(() => markers(page).count(), { timeout: POSITIONS_WITHIN_MS, interval: 1_000 }).toBe(4);
    expect(await page.locator('[data-testid="map-tiles"] image').count()).toBe(0);
    expect(await page.locator('[data-testid="map-grid"] line').count()).toBeGreaterThan(4);
    expect(await page.getByTestId('map-scale').textContent()).toMatch(/^(1|2|5|10|20|50|100|200|500) (m|km)$/);

    // On screen as on the ground: the line east-north-east of the own radio, its far end twice as far
    // as the relay, and the branch √2 as far at a right angle.
    const ownId = (await page.locator('.map-marker[data-own="true"]').getAttribute('data-node-id'))!;
    const otherIds = (await markers(page).evaluateAll((elements) => elements.map((element) => element.getAttribute('data-node-id')))).filter((id): id is string => !!id && id !== ownId);
    const own = await centreOf(page, ownId);
    const offsets = await Promise.all(otherIds.map(async (id) => ({ id, ...(await centreOf(page, id)) })));
    const pixels = offsets.map((point) => ({ id: point.id, dx: point.x - own.x, dy: point.y - own.y, length: Math.hypot(point.x - own.x, point.y - own.y) })).sort((a, b) => a.length - b.length);
    const [near, branch, far] = pixels as [(typeof pixels)[0], (typeof pixels)[0], (typeof pixels)[0]];
    expect(far.length / near.length).toBeCloseTo(2, 1);
    expect(branch.length / near.length).toBeCloseTo(Math.SQRT2, 1);
    const screenBearing = ({ dx, dy }: { dx: number; dy: number }) => (Math.atan2(dx, -dy) * 180) / Math.PI; // up is north
    for (const point of [near, far]) expect(screenBearing(point)).toBeCloseTo(70, 0);
    expect(screenBearing(branch)).toBeCloseTo(115, 0);

    // The node keeps each radio's positions in its database for the trails: one place each so far.
    const trails = await callNode(plain, 'map.trails', {});
    expect(Object.keys(trails).sort()).toEqual([ownId, ...otherIds].sort());
    expect(trails[ownId]).toEqual([expect.objectContaining({ latitude: expect.closeTo(DEMO_ORIGIN.latitude, 6), longitude: expect.closeTo(DEMO_ORIGIN.longitude, 6) })]);

    // Selecting the far radio tells its distance and bearing from this one.
    await page.locator(`.map-marker[data-node-id="${far.id}"]`).click();
    expect(await page.getByTestId('map-distance').textContent()).toBe('8.0 km');
    expect(await page.getByTestId('map-bearing').textContent()).toBe('70° ENE');
    expect(await page.locator(`.map-marker[data-node-id="${far.id}"]`).getAttribute('aria-pressed')).toBe('true');
    expect(await page.locator('.map-range-line').count()).toBe(1);
    await page.screenshot({ path: join(artifactsDir, 'console-map-grid.png') });

    // The keyboard moves the map: + zooms in (a shorter scale), an arrow pans, 0 fits all again.
    const scaleBefore = Number(await page.getByTestId('map-scale').getAttribute('data-metres'));
    await page.getByTestId('map').focus();
    await page.keyboard.press('+');
    await page.keyboard.press('+');
    expect(Number(await page.getByTestId('map-scale').getAttribute('data-metres'))).toBeLessThan(scaleBefore);
    const beforePan = await centreOf(page, ownId);
    await page.keyboard.press('ArrowLeft');
    expect((await centreOf(page, ownId)).x).toBeCloseTo(beforePan.x + 80, 0);
    await page.keyboard.press('0');
    expect(Number(await page.getByTestId('map-scale').getAttribute('data-metres'))).toBe(scaleBefore);
    // The mouse: a drag moves the map with the pointer; the wheel zooms about the pointer; "Fit all" goes back.
    const frame = (await page.getByTestId('map').boundingBox())!;
    const beforeDrag = await centreOf(page, ownId);
    await page.mouse.move(frame.x + 300, frame.y + 100); // open ground, no marker
    await page.mouse.down();
    await page.mouse.move(frame.x + 360, frame.y + 140, { steps: 5 });
    await page.mouse.up();
    const dragged = await centreOf(page, ownId);
    expect(dragged.x - beforeDrag.x).toBeCloseTo(60, 0);
    expect(dragged.y - beforeDrag.y).toBeCloseTo(40, 0);
    await page.mouse.move(dragged.x, dragged.y);
    await page.mouse.wheel(0, -300);
    await expect.poll(async () => Number(await page.getByTestId('map-scale').getAttribute('data-metres'))).toBeLessThan(scaleBefore);
    const zoomed = await centreOf(page, ownId);
    expect(Math.hypot(zoomed.x - dragged.x, zoomed.y - dragged.y)).toBeLessThan(1.5);
    await page.getByRole('button', { name: 'Fit all' }).click();
    expect(Number(await page.getByTestId('map-scale').getAttribute('data-metres'))).toBe(scaleBefore);

    // And a node is selected from the keyboard too.
    await page.locator(`.map-marker[data-node-id="${near.id}"]`).focus();
    await page.keyboard.press('Enter');
    expect(await page.getByTestId('map-distance').textContent()).toBe('4.0 km');
    await page.close();
  });

  it('with a tile file: the node’s tiles under the markers and a stored trail, each tile fetched with the console token', async () => {
    const page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
    const tileRequests: { url: string; authorization: string | undefined; status: number }[] = [];
    page.on('response', (response) => {
      if (new URL(response.url()).pathname.startsWith('/tiles/')) tileRequests.push({ url: response.url(), authorization: response.request().headers().authorization, status: response.status() });
    });
    await openMap(page, tiled);
    await expect.poll(() => page.getByTestId('map-tile-status').getAttribute('data-available')).toBe('true');
    expect(await page.getByTestId('map-tile-status').textContent()).toBe('Tiles: Demo valley (test tiles) (zoom 10–14), served by this node.');
    await expect.poll(() => markers(page).count(), { timeout: POSITIONS_WITHIN_MS, interval: 1_000 }).toBe(4);
    await expect.poll(() => page.locator('[data-testid="map-tiles"] image').count(), { timeout: 10_000 }).toBeGreaterThan(3);

    expect(tileRequests.length).toBeGreaterThan(3);
    for (const request of tileRequests) expect(request.authorization).toBe(`Bearer ${tiled.token}`);
    expect(tileRequests.some((request) => request.status === 200)).toBe(true);

    // The drawn image is the tile the file holds for that address: decode it and read its colour.
    const drawn = (await page.evaluate(DECODE_DRAWN_TILES)) as { href: string; tile: string; rgb: number[] }[];
    expect(drawn.length).toBeGreaterThan(3);
    for (const image of drawn) {
      expect(image.href).toMatch(/^blob:/);
      const [, x, y] = image.tile.split('/').map(Number) as [number, number, number];
      expect(image.rgb).toEqual(tileColour(x, y));
    }
    // The markers are drawn above the tiles.
    const order = await page.locator('[data-testid="map"] svg').evaluate((svg) => [...svg.children].map((child) => child.getAttribute('data-testid') ?? child.getAttribute('class') ?? ''));
    expect(order.indexOf('map-tiles')).toBeLessThan(order.indexOf('map-grid'));
    // The walker's trail, kept by the node from an earlier day, is drawn through its four places.
    const walker = page.locator(`.map-trails [data-node-id="${WALKER}"] polyline`);
    expect((await walker.getAttribute('points'))?.split(' ')).toHaveLength(walkerRoute.length);
    await page.locator('.map-marker:not([data-own])').first().click();
    await page.getByTestId('map-distance').waitFor();
    await page.screenshot({ path: join(artifactsDir, 'console-map-tiles.png') });
    await page.close();
  });

  it('a tile file chosen in Settings: refused in words when it is not one, then drawn on the map', async () => {
    const page = await browser.newPage({ viewport: { width: 1366, height: 900 } });
    await page.goto(plain.consoleUrl);
    await page.locator('[data-testid="connection-state"][data-phase="open"]').waitFor();
    await page.locator('nav a[href="#/settings"]').click();
    const setting = page.getByTestId('tile-setting');
    expect(await page.getByTestId('tile-setting-current').textContent()).toBe('No tile file: the map draws a plain grid.');

    const notes = join(mkdtempSync(join(tmpdir(), 'pakit-map-test-')), 'notes.txt');
    writeFileSync(notes, 'shopping list, not a map\n'.repeat(100));
    await page.getByTestId('tile-path').fill(notes);
    await setting.getByRole('button', { name: 'Use this file' }).click();
    await expect.poll(() => setting.getByRole('alert').textContent()).toContain('notes.txt is not an MBTiles file: it is not an SQLite database');
    expect(await setting.getByRole('alert').textContent()).toContain('raster MBTiles file');
    await setting.screenshot({ path: join(artifactsDir, 'console-map-settings-refused.png') });

    const file = valleyTiles();
    await page.getByTestId('tile-path').fill(file);
    await setting.getByRole('button', { name: 'Use this file' }).click();
    await expect.poll(() => page.getByTestId('tile-setting-current').textContent()).toBe(`The map draws "Demo valley (test tiles)" from ${file}.`);
    expect(await setting.getByRole('alert').count()).toBe(0);

    await page.locator('nav a[href="#/map"]').click();
    await expect.poll(() => page.getByTestId('map-tile-status').getAttribute('data-available')).toBe('true');
    await expect.poll(() => page.locator('[data-testid="map-tiles"] image').count(), { timeout: 10_000 }).toBeGreaterThan(3);
    expect(await markers(page).count()).toBe(4);
    await page.close();
  });
});
