// The Radio view's set-up card in Chromium, on a fresh radio: the simulator (as `npm run sim` runs
// it) with two radios that have no region and a private secondary channel "pakit"; node A is
// driven through its console, node B through the contract.
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ContractClient } from '../../shared/contract/index.ts';
import { connect } from '../../cli/connect.ts';
import { targetOf } from '../../cli/target.ts';
import { artifactsDir, launchChromium } from '../helpers/browser.ts';
import { startHeadlessNode, type RunningNode } from '../helpers/headless-node.ts';
import { startSimulatorProcess } from '../helpers/sim-radios.ts';

describe('Radio set-up in Chromium', { timeout: 180_000 }, () => {
  let sim: ChildProcess;
  let browser: Browser;
  const devices: { id: string; port: number }[] = [];
  const nodes: RunningNode[] = [];
  let nodeB: ContractClient;

  beforeAll(async () => {
    const started = await startSimulatorProcess(['--nodes', '2', '--region', 'UNSET', '--preset', 'SHORT_FAST', '--channel', 'pakit']);
    sim = started.process;
    devices.push(...started.devices);
    for (const device of devices) nodes.push(await startHeadlessNode(['--api', '127.0.0.1:0', '--radio', `tcp://127.0.0.1:${device.port}`]));
    nodeB = await connect(targetOf({ url: nodes[1]!.consoleUrl }));
    browser = await launchChromium();
  });
  afterAll(async () => {
    nodeB?.close();
    await browser?.close();
    for (const node of nodes) expect(await node.stop()).toBe(0);
    sim?.kill('SIGTERM');
  });

  const regionFact = (page: Page) => page.locator('.stat').filter({ hasText: 'Region · preset' }).locator('.stat-value');

  it('sets the region with a confirmation, renames the radio, and fixes a channel mismatch in one click', async () => {
    const page = await browser.newPage({ viewport: { width: 1366, height: 1000 } });
    await page.goto(nodes[0]!.consoleUrl);
    await page.locator('nav a[href="#/radio"]').click();
    await page.locator('[data-testid="radio-phase"][data-phase="ready"]').waitFor({ timeout: 30_000 });
    await expect.poll(() => page.getByTestId('region-unset').textContent()).toMatch(/no region, so it cannot transmit/);

    // Region: chosen, confirmed in a dialog that says why it matters, then the radio restarts.
    const setup = page.getByTestId('radio-setup');
    await setup.getByLabel('Region', { exact: true }).selectOption('EU_868');
    await setup.getByRole('button', { name: 'Set region…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Set the radio’s region to EU_868?' });
    await dialog.waitFor();
    expect(await dialog.textContent()).toMatch(/may be illegal there/);
    await page.screenshot({ path: join(artifactsDir, 'console-radio-region-confirm.png') });
    await dialog.getByRole('button', { name: 'Set EU_868' }).click();
    await expect.poll(() => page.getByRole('status').first().textContent()).toMatch(/took the region/);
    await expect.poll(() => nodes[0]!.stderr(), { timeout: 30_000 }).toMatch(/restarted/);
    await page.locator('[data-testid="radio-phase"][data-phase="ready"]').waitFor({ timeout: 30_000 });
    await expect.poll(() => regionFact(page).textContent(), { timeout: 10_000 }).toBe('EU_868 · SHORT_FAST');
    expect(await page.getByTestId('region-unset').count()).toBe(0);

    // Owner names, with byte counters.
    await setup.getByLabel('Long name').fill('Puesto Norte');
    await setup.getByLabel('Short name').fill('PN');
    expect(await setup.getByText('2 of 4 bytes').count()).toBe(1);
    await setup.getByRole('button', { name: 'Save names' }).click();
    await expect.poll(() => page.locator('.stat').filter({ hasText: 'Device' }).first().locator('.stat-value').textContent()).toBe('Puesto Norte (PN)');

    // Node B's Pakit uses channel 1 ("pakit"); its traffic reaches A on a channel A's Pakit does not use.
    expect(await nodeB.call('radio.setRegion', { region: 'EU_868', confirm: true })).toMatchObject({ ok: true });
    await expect.poll(() => nodes[1]!.stderr(), { timeout: 30_000 }).toMatch(/restarted/);
    await expect.poll(async () => (await nodeB.call('radio.state', {})).ok && ((await nodeB.call('radio.state', {})) as { value: { phase: string } }).value.phase, { timeout: 30_000 }).toBe('ready');
    expect(await nodeB.call('radio.setChannel', { index: 1 })).toMatchObject({ ok: true });
    await expect
      .poll(
        async () => {
          await nodeB.call('emergency.send', { text: 'Checking the pakit channel', priority: 'advisory', confirmedAgain: true });
          return page.getByTestId('channel-mismatch').count();
        },
        { timeout: 60_000, interval: 5_000 },
      )
      .toBe(1);
    const mismatch = page.getByTestId('channel-mismatch');
    expect(await mismatch.textContent()).toContain(`Pakit traffic from ${devices[1]!.id} arrives on channel 1, but this node uses channel 0`);
    expect(await setup.locator('table.channels tbody tr').allTextContents()).toEqual([
      expect.stringContaining('Default key: any Meshtastic radio can read it'),
      expect.stringMatching(/^1pakitSecondaryOwn key: private/),
    ]);
    await page.screenshot({ path: join(artifactsDir, 'console-radio-setup.png'), fullPage: true });

    await mismatch.getByRole('button', { name: 'Use channel 1 for Pakit' }).click();
    await page.locator('[data-testid="radio-phase"][data-phase="ready"]').waitFor({ timeout: 30_000 });
    await expect.poll(() => setup.locator('tr[data-channel="1"] input[type="radio"]').isChecked(), { timeout: 20_000 }).toBe(true);
    expect(await page.getByTestId('channel-mismatch').count()).toBe(0);
  });
});
