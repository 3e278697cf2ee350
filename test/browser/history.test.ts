// The History view against `npm run demo`: charts drawn from the node's database and CSV files
// downloaded through a real Chromium, read back from disk.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { artifactsDir, launchChromium } from '../helpers/browser.ts';
import { startHeadlessNode, type RunningNode } from '../helpers/headless-node.ts';

const chart = (page: Page, name: string) => page.getByRole('figure', { name });

async function download(page: Page, button: string): Promise<{ name: string; text: string }> {
  const [file] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: button, exact: true }).click()]);
  return { name: file.suggestedFilename(), text: await readFile((await file.path())!, 'utf8') };
}

describe('History view in Chromium against the demo', { timeout: 240_000 }, () => {
  let node: RunningNode;
  let browser: Browser;
  beforeAll(async () => {
    node = await startHeadlessNode(['--demo', '--api', '127.0.0.1:0']);
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    expect(await node?.stop()).toBe(0);
  });

  it('charts a radio’s signal and the mesh from the database, and saves CSV files a spreadsheet reads', async () => {
    const page = await browser.newPage({ viewport: { width: 1366, height: 900 } });
    await page.goto(node.consoleUrl);
    await page.locator('[data-testid="connection-state"][data-phase="open"]').waitFor();
    await page.locator('nav a[href="#/history"]').click();
    await page.getByRole('heading', { name: 'History', exact: true }).waitFor();

    // A radio of the demo is chosen as soon as it is heard; its SNR and RSSI points come from pakit.db.
    await expect.poll(() => page.getByRole('combobox', { name: 'Node' }).inputValue(), { timeout: 60_000 }).toMatch(/^!/);
    const signal = chart(page, 'Signal: SNR (dB, left) and RSSI (dBm, right)');
    const points = async () => {
      await page.getByRole('button', { name: 'Last hour' }).click(); // asks the node again
      return signal.locator('.recharts-line-dots circle').count();
    };
    await expect.poll(points, { timeout: 90_000, interval: 2_000 }).toBeGreaterThanOrEqual(2); // SNR and RSSI of one sample at least
    expect((await signal.locator('.recharts-legend-item-text').allTextContents()).toSorted()).toEqual(['RSSI', 'SNR']);
    // The node samples itself at start: the mesh chart has a point without waiting.
    expect(await chart(page, 'Radios heard and IP peers').locator('.recharts-line-dots circle').count()).toBeGreaterThan(0);
    await page.getByRole('button', { name: 'Last 7 days' }).click();
    expect(await page.getByRole('button', { name: 'Last 7 days' }).getAttribute('aria-pressed')).toBe('true');
    await page.screenshot({ path: join(artifactsDir, 'console-history.png'), fullPage: true });

    const nodes = await download(page, 'Nodes');
    expect(nodes.name).toMatch(/^pakit-nodes-\d{4}-\d\d-\d\dT\d{4}Z\.csv$/);
    const lines = nodes.text.split('\r\n');
    expect(lines[0]).toMatch(/^node_id,long_name,short_name,role,/);
    expect(lines.filter((line) => line.startsWith('!'))).toHaveLength(3); // the three other radios of the demo
    expect(nodes.text.endsWith('\r\n')).toBe(true);
    await expect.poll(() => page.getByTestId('export-saved').textContent()).toMatch(/^Saved pakit-nodes-.*\(3 rows\)\.$/);

    const history = await download(page, 'History (this node)');
    const selected = await page.getByRole('combobox', { name: 'Node' }).inputValue();
    const rows = history.text.trim().split('\r\n').slice(1);
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) expect(row).toMatch(new RegExp(`^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z,${selected},-?\\d`));

    const log = await download(page, 'Log');
    expect(log.text.split('\r\n')[0]).toBe('time,level,source,message');
    expect(log.text).toMatch(/\r\n\d{4}-\d\d-\d\dT[\d:.]+Z,info,node,"Pakit Mesh [^\r\n]* started \(headless\); identity [^\r\n]*; network ""[\w.-]+"""\r\n/); // quotes doubled, field quoted
  });
});
