import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { artifactsDir, launchChromium } from '../helpers/browser.ts';
import { createContractClient, createWebSocketTransport } from '../../shared/contract/index.ts';
import { startHeadlessNode, type RunningNode } from '../helpers/headless-node.ts';
import { createTestNode } from '../helpers/test-node.ts';

/** A node started as `npm run demo` starts it (on a free port) and a Chromium, for one describe block. */
function demoNodeAndBrowser(): { node: RunningNode; browser: Browser } {
  const demo = {} as { node: RunningNode; browser: Browser };
  beforeAll(async () => {
    demo.node = await startHeadlessNode(['--demo', '--api', '127.0.0.1:0']);
    demo.browser = await launchChromium();
  });
  afterAll(async () => {
    await demo.browser?.close();
    expect(await demo.node?.stop()).toBe(0);
  });
  return demo;
}

describe('console in Chromium against a real headless node', () => {
  const demo = demoNodeAndBrowser();

  it('connects through the token-checked WebSocket and shows live status', async () => {
    const page = await demo.browser.newPage({ viewport: { width: 1366, height: 768 } });
    const problems: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(message.text());
    });
    page.on('pageerror', (error) => problems.push(error.message));

    await page.goto(demo.node.consoleUrl);
    await page.locator('[data-testid="connection-state"][data-phase="open"]').waitFor({ timeout: 10_000 });
    expect(page.url()).not.toContain('token=');

    const uptime = page.getByTestId('uptime');
    await expect.poll(() => uptime.textContent(), { timeout: 10_000 }).toMatch(/\d+m \d+s/);
    const first = await uptime.textContent();
    // Live: the status stream keeps updating the dashboard without a reload.
    await expect.poll(() => uptime.textContent(), { timeout: 10_000 }).not.toBe(first);
    await expect.poll(() => page.locator('.recharts-area-area').count(), { timeout: 10_000 }).toBeGreaterThan(0);

    await page.screenshot({ path: join(artifactsDir, 'console-dashboard.png') });
    expect(problems).toEqual([]);
  });

  it('is usable from the keyboard: Alt+8 opens the Log with the node’s entries', async () => {
    const page = await demo.browser.newPage({ viewport: { width: 1366, height: 768 } });
    await page.goto(demo.node.consoleUrl);
    await page.locator('[data-testid="connection-state"][data-phase="open"]').waitFor();
    await page.keyboard.press('Alt+8');
    await expect.poll(() => page.locator('main h1').textContent()).toBe('Log');
    await expect.poll(() => page.locator('.log li').allTextContents(), { timeout: 10_000 }).toContainEqual(expect.stringContaining('console connected'));
    await page.screenshot({ path: join(artifactsDir, 'console-log.png') });
  });

  it('shows a refused token as such, without retrying', async () => {
    const page = await demo.browser.newPage();
    await page.goto(`${demo.node.base}/#token=not-the-right-token`);
    const state = page.getByTestId('connection-state');
    await state.and(page.locator('[data-phase="closed"]')).waitFor({ timeout: 10_000 });
    expect(await state.textContent()).toContain('access token is missing or wrong');
  });
});

describe('demo radio and storage in Chromium', { timeout: 45_000 }, () => {
  const demo = demoNodeAndBrowser();

  it('shows the simulated mesh’s nodes in the Radio view', async () => {
    const page = await demo.browser.newPage({ viewport: { width: 1366, height: 768 } });
    await page.goto(demo.node.consoleUrl);
    await page.locator('[data-testid="connection-state"][data-phase="open"]').waitFor();
    await page.keyboard.press('Alt+2');
    await page.locator('[data-testid="radio-phase"][data-phase="ready"]').waitFor({ timeout: 15_000 });
    await expect.poll(() => page.getByTestId('radio-node-id').textContent()).toMatch(/^![0-9a-f]{8}$/);
    // The demo's other two radios announce themselves over the simulated air within seconds.
    await expect.poll(() => page.locator('[data-testid="mesh-nodes"] tbody tr code').count(), { timeout: 20_000 }).toBe(2);
    await page.screenshot({ path: join(artifactsDir, 'console-radio.png') });
  });

  it('stores an uploaded file and lists it in the Index', async () => {
    const page = await demo.browser.newPage({ viewport: { width: 1366, height: 768 } });
    await page.goto(demo.node.consoleUrl);
    await page.locator('[data-testid="connection-state"][data-phase="open"]').waitFor();
    await page.keyboard.press('Alt+5');
    await page.getByTestId('upload').setInputFiles({ name: 'field-report.txt', mimeType: 'text/plain', buffer: Buffer.from('water point 3 is dry') });
    await page.locator('[data-testid="last-stored"], [role="alert"]').first().waitFor({ timeout: 15_000 });
    expect(await page.locator('[role="alert"]').count(), await page.locator('main').textContent() ?? '').toBe(0);
    const id = await page.getByTestId('last-stored').textContent();
    expect(id).toMatch(/^b[a-z2-7]+$/);
    await page.keyboard.press('Alt+4');
    await expect.poll(() => page.locator('[data-testid="block-list"] code').allTextContents()).toContain(id);
    await page.screenshot({ path: join(artifactsDir, 'console-index.png') });
  });

  it('raises an alert for an emergency from another node until acknowledged, and sends one with a confirmed click', { timeout: 120_000 }, async () => {
    // Another Pakit node joins the demo's simulated mesh through one of its free radios.
    const client = createContractClient(createWebSocketTransport({ url: `${demo.node.base.replace('http', 'ws')}/api/ws`, token: demo.node.token }));
    await new Promise<void>((resolve) => client.onState((state) => state.phase === 'open' && resolve()));
    const ports = await client.call('radio.ports', {});
    client.close();
    const free = ports.ok ? ports.value.filter((info) => info.simulated)[1] : undefined;
    if (!free || free.port.kind !== 'tcp') throw new Error('the demo offers no second simulated radio');
    const neighbour = await createTestNode();
    expect((await neighbour.radio.connect(free.port)).ok).toBe(true);

    const page = await demo.browser.newPage({ viewport: { width: 1366, height: 768 } });
    await page.goto(demo.node.consoleUrl);
    await page.locator('[data-testid="connection-state"][data-phase="open"]').waitFor();
    expect(neighbour.lora.sendEmergency({ text: 'Bridge at km 12 collapsed', priority: 'life_threatening', confirmedAgain: false }).ok).toBe(true);
    const banner = page.getByTestId('alert-banner');
    await expect.poll(() => banner.textContent(), { timeout: 20_000 }).toContain('Bridge at km 12 collapsed');
    await expect.poll(() => banner.textContent(), { timeout: 20_000 }).toContain('signature verified');
    await page.keyboard.press('Alt+6');
    await page.screenshot({ path: join(artifactsDir, 'console-emergency-alert.png') });
    await banner.getByRole('button', { name: 'Acknowledge' }).click();
    await expect.poll(() => banner.count()).toBe(0);

    await page.getByTestId('emergency-text').fill('Camp 2 needs water');
    await page.getByTestId('emergency-send').click();
    await page.getByTestId('emergency-confirm').click();
    await expect.poll(() => page.locator('[data-testid="emergency-history"] tbody tr').first().textContent(), { timeout: 10_000 }).toContain('Camp 2 needs water');
    await expect.poll(() => neighbour.lora.history().some((record) => record.text === 'Camp 2 needs water' && record.verified), { timeout: 30_000 }).toBe(true);
    // The neighbour's ack waits for its airtime budget (LONG_FAST, in real time in the demo).
    await expect.poll(() => page.getByTestId('acked-by').first().textContent(), { timeout: 40_000 }).toContain(neighbour.lora.sender.keyId.slice(0, 8));
    await page.screenshot({ path: join(artifactsDir, 'console-emergency.png') });
    await neighbour.stop();
  });
});
