import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { artifactsDir, launchChromium } from '../helpers/browser.ts';
import { startHeadlessNode, type RunningNode } from '../helpers/headless-node.ts';

describe('console language', { timeout: 45_000 }, () => {
  let node: RunningNode;
  let browser: Browser;
  beforeAll(async () => {
    node = await startHeadlessNode(['--api', '127.0.0.1:0'], { MESH_ENABLED: 'false' });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    expect(await node?.stop()).toBe(0);
  });

  const open = async (page: Page, view: string) => {
    await page.goto(node.consoleUrl);
    await page.locator('[data-testid="connection-state"][data-phase="open"]').waitFor({ timeout: 10_000 });
    await page.locator(`nav a[href="#/${view}"]`).click();
  };

  it('switches to Spanish from Settings at once, and keeps the choice across a reload', async () => {
    const page = await browser.newPage({ viewport: { width: 1366, height: 768 }, locale: 'en-GB' });
    const said: string[] = [];
    page.on('console', (message) => said.push(`${message.type()}: ${message.text()}`));
    await open(page, 'settings');
    await expect.poll(() => page.locator('main h1').textContent()).toBe('Settings');

    await page.getByTestId('language').selectOption('es');
    await expect.poll(() => page.locator('main h1').textContent()).toBe('Ajustes');
    expect(await page.locator('nav a[href="#/log"]').textContent()).toContain('Registro');
    expect(await page.getByTestId('connection-state').textContent()).toBe('Conectado al nodo');
    expect(await page.locator('html').getAttribute('lang')).toBe('es');
    await page.screenshot({ path: join(artifactsDir, 'console-settings-es.png') });

    await page.reload();
    await page.locator('[data-testid="connection-state"][data-phase="open"]').waitFor({ timeout: 10_000 });
    await expect.poll(() => page.locator('main h1').textContent()).toBe('Ajustes');
    await page.getByTestId('language').selectOption('en');
    await expect.poll(() => page.locator('main h1').textContent()).toBe('Settings');
    // The console's own headers draw no complaint from the browser (an unknown policy feature does).
    expect(said.filter((line) => /^(warning|error):/.test(line))).toEqual([]);
  });

  it('opens in Spanish for a browser that prefers it, until the operator chooses otherwise', async () => {
    const context = await browser.newContext({ locale: 'es-ES' });
    const page = await context.newPage();
    await open(page, 'emergency');
    await expect.poll(() => page.locator('main h1').textContent()).toBe('Emergencia');
    expect(await page.getByTestId('emergency-send').textContent()).toBe('ENVIAR EMERGENCIA');
    await context.close();
  });
});
