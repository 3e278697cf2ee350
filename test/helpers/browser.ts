import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { repoRoot } from './headless-node.ts';

export const artifactsDir = join(repoRoot, 'test-artifacts');

/** Debian's Chromium (installed by .ci/run); Playwright's own browser download cannot work here. */
export async function launchChromium(): Promise<Browser> {
  const executablePath = process.env.PAKIT_CHROMIUM ?? '/usr/bin/chromium';
  if (!existsSync(executablePath)) {
    throw new Error(`Chromium not found at ${executablePath}: run "apt-get install -y chromium" (as .ci/run does) or set PAKIT_CHROMIUM`);
  }
  mkdirSync(artifactsDir, { recursive: true });
  // Playwright gives every launch a fresh, empty profile of its own.
  return chromium.launch({
    executablePath,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
