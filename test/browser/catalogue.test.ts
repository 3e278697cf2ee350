// The Catalogue view against a real headless node (started with --radio tcp://…) whose simulated
// radio shares the air with a second real Pakit node holding two files, and which meets a third real
// Pakit node over IP (libp2p on loopback) that announces a third. The catalogue lists all three with
// who holds each (radio id or peer id, with its transport), searches them, and one click requests the
// IP one over IP and a LoRa one over LoRa. Radio time is wall-clock time here: the first announces
// come 30-90 s after connecting, so this takes two to three minutes.
import { randomBytes } from 'node:crypto';
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
  let ipHolder: PakitNode;
  let browser: Browser;
  let page: Page;
  const overLora: string[] = [];
  let overIp = '';
  const ipBytes = randomBytes(300);

  beforeAll(async () => {
    const epochMs = Date.now();
    const mesh = createSimMesh({ nodes: 2, scheduler, topology: 'full', epochMs, announceWithinMs: 200, seed: 33 });
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
    node = await startHeadlessNode(['--api', '127.0.0.1:0', '--radio', `tcp://127.0.0.1:${servers[0]!.port}`], { MESH_BOOTSTRAP: ipHolder.gossip!.addresses().join(',') });
    expect((await radioHolder.radio.connect({ kind: 'tcp', host: '127.0.0.1', port: servers[1]!.port })).ok).toBe(true);
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

  it('lists the ids learned by index sync with the radio that holds them', async () => {
    const radioId = radioHolder.radio.device!.nodeId;
    await expect.poll(() => Promise.all(overLora.map((id) => row(id).count())), { timeout: LEARNED_WITHIN_MS, interval: 1_000 }).toEqual([1, 1]);
    for (const id of overLora) expect(await holdersOf(id)).toEqual([`lora ${radioId}`]);
    expect(await row(overLora[0]!).getByTestId('catalogue-request').textContent()).toBe('Request over LoRa');
    await page.screenshot({ path: join(artifactsDir, 'catalogue-learned.png'), fullPage: true });
  });

  it('searches by a part of the id', async () => {
    await page.getByTestId('catalogue-search').fill(overLora[1]!.slice(-12));
    await expect.poll(() => page.getByTestId('catalogue-entry').evaluateAll((items) => items.map((item) => item.getAttribute('data-id')))).toEqual([overLora[1]]);
    await page.getByTestId('catalogue-search').fill('no-such-id-anywhere');
    await page.getByTestId('catalogue-empty').waitFor();
    await page.getByTestId('catalogue-search').fill('');
    await expect.poll(() => page.getByTestId('catalogue-entry').count()).toBe(3);
  });

  it('one click fetches the IP one over IP, verified and stored here', async () => {
    await row(overIp).getByTestId('catalogue-request').click();
    await expect.poll(() => row(overIp).getAttribute('data-held'), { timeout: 30_000 }).toBe('yes');
    expect(await row(overIp).getByTestId('catalogue-action').textContent()).toBe('Fetched over IP, verified and stored');
    // Held here, the size is the stored one, no longer a claim.
    expect(await row(overIp).textContent()).not.toContain('(claimed)');
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
});
