// The Catalogue view against a real headless node (started with --radio tcp://…) whose simulated
// radio shares the air with a second real Pakit node holding two files and a third (a bystander that
// asks for one of them), and which meets a fourth real Pakit node over IP (libp2p on loopback) that
// announces a small file and a 2.5 MiB one (its root and three 1 MiB blocks). The catalogue lists the
// large file as one row with its size (its root read from the announcer), says in words why the LoRa
// ids' sizes are unknown until the manifest the bystander's request brings is overheard, keeps who
// holds what, searches, and one click requests the IP one over IP and a LoRa one over LoRa. Radio time
// is wall-clock time here: the first announces come 30-90 s after connecting, so this takes minutes.
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSimMesh, serveDeviceOverTcp } from '../../electron/sim/index.ts';
import type { PakitNode } from '../../electron/node/node.ts';
import { artifactsDir, launchChromium } from '../helpers/browser.ts';
import { startHeadlessNode, type RunningNode } from '../helpers/headless-node.ts';
import { simulatedRadios } from '../helpers/sim-radios.ts';
import { createTestNode, scaledClock } from '../helpers/test-node.ts';

const LEARNED_WITHIN_MS = 200_000;

describe('Catalogue view: ids from LoRa and IP with their holders, each one click from a request', { timeout: 420_000 }, () => {
  const { scheduler, servers, nodes } = simulatedRadios(1);
  let node: RunningNode;
  let radioHolder: PakitNode;
  let bystander: PakitNode;
  let ipHolder: PakitNode;
  let browser: Browser;
  let page: Page;
  const overLora: string[] = [];
  let overIp = '';
  const ipBytes = randomBytes(300);
  const largeBytes = randomBytes(2.5 * 1024 * 1024);
  const dataDir = mkdtempSync(join(tmpdir(), 'pakit-catalogue-console-'));
  let largeFile = '';

  beforeAll(async () => {
    const epochMs = Date.now();
    const mesh = createSimMesh({ nodes: 3, scheduler, topology: 'full', epochMs, announceWithinMs: 200, seed: 33 });
    for (const device of mesh.devices) servers.push(await serveDeviceOverTcp(device));
    radioHolder = await createTestNode({ clock: scaledClock(scheduler, epochMs) });
    nodes.push(radioHolder);
    for (let i = 0; i < 2; i++) {
      overLora.push(await radioHolder.store.store(randomBytes(90 + i)));
      radioHolder.fileNames.set(overLora[i]!, `survey-${i}.txt`);
    }
    ipHolder = await createTestNode();
    nodes.push(ipHolder);
    await ipHolder.mesh.open();
    overIp = await ipHolder.store.store(ipBytes);
    largeFile = await ipHolder.store.store(largeBytes);
    bystander = await createTestNode({ clock: scaledClock(scheduler, epochMs) });
    nodes.push(bystander);
    node = await startHeadlessNode(['--api', '127.0.0.1:0', '--radio', `tcp://127.0.0.1:${servers[0]!.port}`], { PAKIT_DATA_DIR: dataDir, MESH_BOOTSTRAP: ipHolder.gossip!.addresses().join(',') });
    expect((await radioHolder.radio.connect({ kind: 'tcp', host: '127.0.0.1', port: servers[1]!.port })).ok).toBe(true);
    expect((await bystander.radio.connect({ kind: 'tcp', host: '127.0.0.1', port: servers[2]!.port })).ok).toBe(true);
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1366, height: 900 } });
    await page.goto(node.consoleUrl);
    await page.locator('[data-testid="connection-state"][data-phase="open"]').waitFor();
    await page.locator('nav a[href="#/catalogue"]').click();
  });
  afterAll(async () => {
    await browser?.close();
    expect(await node?.stop()).toBe(0);
  });

  const row = (id: string) => page.locator(`[data-testid="catalogue-entry"][data-id="${id}"]`);
  const holdersOf = (id: string) =>
    row(id)
      .getByTestId('catalogue-holder')
      .evaluateAll((items) => items.map((item) => `${item.getAttribute('data-transport')} ${item.getAttribute('data-node')}`));

  it('lists the block an IP peer announced, with that peer as its IP holder and the size it claimed', async () => {
    const peerId = ipHolder.gossip!.peerId.toString();
    // Gossipsub needs its mesh formed before an announcement travels: announce until the console lists it.
    await expect
      .poll(
        async () => {
          await ipHolder.mesh.announceBlock(overIp, ipBytes.length);
          return row(overIp).count();
        },
        { timeout: 60_000, interval: 2_000 },
      )
      .toBe(1);
    expect(await holdersOf(overIp)).toEqual([`ip ${peerId}`]);
    expect(await row(overIp).textContent()).toContain('300 B');
    expect(await row(overIp).textContent()).toContain('(claimed)');
    expect(await row(overIp).getAttribute('data-held')).toBe('no');
  });

  it('lists a 2.5 MiB file an IP peer announced (root and blocks) as one row with its total size, read from its root', async () => {
    const ids = ipHolder.store.list().filter((id) => id !== overIp);
    expect(ids).toHaveLength(4);
    await expect
      .poll(
        async () => {
          await ipHolder.mesh.announceStorage(1e9, ids);
          return row(largeFile).getAttribute('data-size');
        },
        { timeout: 60_000, interval: 2_000 },
      )
      .toBe(String(largeBytes.length));
    const blocks = ids.filter((id) => id !== largeFile);
    expect(await Promise.all(blocks.map((id) => row(id).count()))).toEqual([0, 0, 0]);
    const size = await row(largeFile).getByTestId('catalogue-size').textContent();
    expect(size).toContain('2.5 MiB');
    expect(size).toContain('in 3 blocks of 1 MiB');
    expect(size).not.toContain('(claimed)');
    expect(await holdersOf(largeFile)).toEqual([`ip ${ipHolder.gossip!.peerId.toString()}`]);
  });

  it('lists the ids learned by index sync with the radio that holds them', async () => {
    const radioId = radioHolder.radio.device!.nodeId;
    await expect.poll(() => Promise.all(overLora.map((id) => row(id).count())), { timeout: LEARNED_WITHIN_MS, interval: 1_000 }).toEqual([1, 1]);
    for (const id of overLora) expect(await holdersOf(id)).toEqual([`lora ${radioId}`]);
    // Index sync carries ids only: the view says so rather than showing a size.
    const unknown = await row(overLora[1]!).getByTestId('catalogue-size').innerText();
    expect(unknown).toBe('size unknown\nradio peers send ids only, and no manifest of it was heard');
    expect(await row(overLora[0]!).getByTestId('catalogue-request').textContent()).toBe('Request over LoRa');
    await page.screenshot({ path: join(artifactsDir, 'catalogue-learned.png'), fullPage: true });
  });

  it('a manifest overheard when another radio asks for a file gives its size and name before anyone here asks', async () => {
    const wanted = overLora[1]!;
    expect(bystander.lora.requestFile({ contentId: wanted, maxBytes: 10_000 })).toMatchObject({ ok: true });
    await expect.poll(() => row(wanted).getAttribute('data-size'), { timeout: 120_000, interval: 1_000 }).toBe('91');
    const text = await row(wanted).textContent();
    expect(text).toContain('survey-1.txt');
    expect(text).toContain('(claimed)');
    expect(text).toContain('text/plain');
    expect(await row(wanted).getAttribute('data-held')).toBe('no');
    expect(await holdersOf(wanted)).toEqual([`lora ${radioHolder.radio.device!.nodeId}`]);
    await page.screenshot({ path: join(artifactsDir, 'catalogue-sizes.png'), fullPage: true });
  });

  it('searches by a part of the id', async () => {
    await page.getByTestId('catalogue-search').fill(overLora[1]!.slice(-12));
    await expect.poll(() => page.getByTestId('catalogue-entry').evaluateAll((items) => items.map((item) => item.getAttribute('data-id')))).toEqual([overLora[1]]);
    await page.getByTestId('catalogue-search').fill('no-such-id-anywhere');
    await page.getByTestId('catalogue-empty').waitFor();
    await page.getByTestId('catalogue-search').fill('');
    await expect.poll(() => page.getByTestId('catalogue-entry').count()).toBe(4);
  });

  it('one click fetches the IP one over IP, verified and stored here', async () => {
    await row(overIp).getByTestId('catalogue-request').click();
    await expect.poll(() => row(overIp).getAttribute('data-held'), { timeout: 30_000 }).toBe('yes');
    expect(await row(overIp).getByTestId('catalogue-action').textContent()).toBe('Fetched over IP, verified and stored');
    // Held here, the size is the stored one, no longer a claim.
    expect(await row(overIp).textContent()).not.toContain('(claimed)');
  });

  it('one click fetches the large file over IP (root and blocks): still one row, now held, with the same size', async () => {
    await row(largeFile).getByTestId('catalogue-request').click();
    await expect.poll(() => row(largeFile).getAttribute('data-held'), { timeout: 30_000 }).toBe('yes');
    expect(await row(largeFile).getAttribute('data-size')).toBe(String(largeBytes.length));
    await expect.poll(() => page.getByTestId('catalogue-entry').count()).toBe(4);
    expect(await page.getByTestId('catalogue-known').textContent()).toBe('4 files known');
  });

  it('one click asks for a LoRa one over LoRa and the outcome reads in words until it is here', async () => {
    const wanted = overLora[0]!;
    await row(wanted).getByTestId('catalogue-request').click();
    const outcome = row(wanted).getByTestId('catalogue-outcome');
    await outcome.waitFor();
    expect(await outcome.textContent()).toMatch(/^Over LoRa: /);
    await page.screenshot({ path: join(artifactsDir, 'catalogue-requested.png'), fullPage: true });
    await expect.poll(() => row(wanted).getAttribute('data-held'), { timeout: 120_000, interval: 1_000 }).toBe('yes');
    await expect.poll(() => row(wanted).getByTestId('catalogue-action').textContent(), { timeout: 5_000 }).toBe('Over LoRa: Done');
    // The holder's manifest named the file: the catalogue shows the name and type, and finds it by name.
    expect(await row(wanted).textContent()).toContain('survey-0.txt');
    expect(await row(wanted).textContent()).toContain('text/plain');
    await page.getByTestId('catalogue-search').fill('SURVEY-0');
    await expect.poll(() => page.getByTestId('catalogue-entry').evaluateAll((items) => items.map((item) => item.getAttribute('data-id')))).toEqual([wanted]);
    await page.getByTestId('catalogue-search').fill('');
    await page.screenshot({ path: join(artifactsDir, 'catalogue-done.png'), fullPage: true });
  });

  it('after a restart, the console lists the same files with the same holders (kept in pakit.db)', async () => {
    const listed = () => page.getByTestId('catalogue-entry').evaluateAll((rows) => rows.map((item) => `${item.getAttribute('data-id')} ${item.getAttribute('data-size')} ${item.getAttribute('data-held')}`).sort());
    const holders = () => page.getByTestId('catalogue-holder').evaluateAll((items) => items.map((item) => `${item.closest('tr')!.getAttribute('data-id')} ${item.getAttribute('data-transport')} ${item.getAttribute('data-node')}`).sort());
    const before = { rows: await listed(), holders: await holders() };
    expect(before.rows).toHaveLength(4);
    expect(await node.stop()).toBe(0);
    // No IP peer this time, so nothing is announced again: what is listed comes from pakit.db.
    node = await startHeadlessNode(['--api', '127.0.0.1:0', '--radio', `tcp://127.0.0.1:${servers[0]!.port}`], { PAKIT_DATA_DIR: dataDir });
    await page.goto(node.consoleUrl);
    await page.locator('[data-testid="connection-state"][data-phase="open"]').waitFor();
    await page.locator('nav a[href="#/catalogue"]').click();
    await expect.poll(listed).toEqual(before.rows);
    expect(await holders()).toEqual(before.holders);
    await page.screenshot({ path: join(artifactsDir, 'catalogue-restarted.png'), fullPage: true });
  });
});
