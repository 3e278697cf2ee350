// The Index view's LoRa sync table against a real headless node (started with --radio tcp://…) whose
// simulated radio shares the air with a second real Pakit node holding three files. After their
// announces the console lists which ids the session brought, and one click requests one over LoRa.
// Radio time is wall-clock time here (the headless node runs on the real clock): the first
// announces come 30-90 s after connecting, so this takes about two minutes.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { createSimMesh, serveDeviceOverTcp } from '../../electron/sim/index.ts';
import type { PakitNode } from '../../electron/node/node.ts';
import { artifactsDir, launchChromium } from '../helpers/browser.ts';
import { startHeadlessNode, type RunningNode } from '../helpers/headless-node.ts';
import { simulatedRadios } from '../helpers/sim-radios.ts';
import { createTestNode, scaledClock } from '../helpers/test-node.ts';

const LEARNED_WITHIN_MS = 200_000;

describe('Index view: ids learned over LoRa, each one click from a request', { timeout: 360_000 }, () => {
  const { scheduler, servers, nodes } = simulatedRadios(1);
  let node: RunningNode;
  let holder: PakitNode;
  let browser: Browser;
  const held: string[] = [];

  beforeAll(async () => {
    const epochMs = Date.now();
    const mesh = createSimMesh({ nodes: 2, scheduler, topology: 'full', epochMs, announceWithinMs: 200, seed: 21 });
    for (const device of mesh.devices) servers.push(await serveDeviceOverTcp(device));
    holder = await createTestNode({ clock: scaledClock(scheduler, epochMs) });
    nodes.push(holder);
    for (let i = 0; i < 3; i++) held.push(await holder.store.store(randomBytes(80)));
    node = await startHeadlessNode(['--api', '127.0.0.1:0', '--radio', `tcp://127.0.0.1:${servers[0]!.port}`]);
    expect((await holder.radio.connect({ kind: 'tcp', host: '127.0.0.1', port: servers[1]!.port })).ok).toBe(true);
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    expect(await node?.stop()).toBe(0);
  });

  it('lists the three ids the session brought, and requesting one fetches it over LoRa', async () => {
    // CI keeps only the test output: the node's log says what its radio and sync did meanwhile.
    onTestFailed(() => console.error(`headless node log:\n${node.stderr()}`));
    const page = await browser.newPage({ viewport: { width: 1366, height: 900 } });
    await page.goto(node.consoleUrl);
    await page.locator('[data-testid="connection-state"][data-phase="open"]').waitFor();
    await page.locator('nav a[href="#/index"]').click();
    const section = page.getByTestId('lora-sync');
    const learnedIds = section.getByTestId('lora-sync-learned-id');
    await expect.poll(() => learnedIds.count(), { timeout: LEARNED_WITHIN_MS, interval: 1_000 }).toBe(3);
    expect((await learnedIds.evaluateAll((items) => items.map((item) => item.getAttribute('data-id')))).sort()).toEqual([...held].sort());
    expect(await section.getByTestId('lora-sync-learned').textContent()).toContain('Learned last time: 3');
    const holderId = holder.radio.device!.nodeId;
    const row = section.locator(`[data-testid="lora-sync-peer"][data-peer="${holderId}"]`);
    // The state and the roots column agree: a finished session, equal roots, or (the ids came by the
    // holder's push, before its announce) roots not compared yet; never "In sync" beside "differ".
    const state = await row.getAttribute('data-state');
    expect(['reconciled', 'in_sync', 'idle']).toContain(state);
    if (state === 'in_sync') expect(await row.textContent()).not.toContain('differ');
    await section.screenshot({ path: join(artifactsDir, 'index-sync-learned.png') });

    const wanted = held[0]!;
    await section.locator(`[data-testid="lora-sync-learned-id"][data-id="${wanted}"] button`).click();
    const requested = section.locator(`[data-testid="lora-sync-learned-id"][data-id="${wanted}"] [data-testid="lora-sync-requested"]`);
    await requested.waitFor();
    expect(await requested.textContent()).toMatch(/^Requested: /);
    // The holder answers from the other radio: a few frames of LoRa and the file is here.
    await expect.poll(() => requested.textContent(), { timeout: 120_000, interval: 1_000 }).toBe('Requested: Done (see Files)');
    await expect.poll(() => section.getByTestId('mesh-held-count').textContent(), { timeout: 5_000 }).toBe('1');
    await section.screenshot({ path: join(artifactsDir, 'index-sync-requested.png') });
  });
});
