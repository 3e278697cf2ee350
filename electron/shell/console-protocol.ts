import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { protocol } from 'electron';
import { consoleFileFor, consoleSecurityHeaders, contentTypeFor } from '../node/api/console-policy.ts';
import { APP_HOST, APP_SCHEME } from './trusted-sender.ts';

/** Must run before the app is ready: pakit:// behaves like a secure, standard web origin. */
export function registerConsoleScheme(): void {
  protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } }]);
}

/** Serves the built console from `consoleDir` on pakit://app/ with the console's CSP (never file://). */
export function serveConsole(consoleDir: string): void {
  protocol.handle(APP_SCHEME, async (request) => {
    const url = new URL(request.url);
    const file = url.host === APP_HOST ? consoleFileFor(url.pathname) : undefined;
    if (!file) return new Response('Not found', { status: 404 });
    try {
      const body = await readFile(join(consoleDir, file));
      return new Response(body, { headers: { ...consoleSecurityHeaders(), 'Content-Type': contentTypeFor(file) } });
    } catch {
      return new Response('Not found', { status: 404 });
    }
  });
}
