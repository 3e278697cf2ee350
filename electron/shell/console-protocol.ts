import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { protocol } from 'electron';
import { consoleFileFor, consoleSecurityHeaders, contentTypeFor } from '../node/api/console-policy.ts';
import { tileHeaders, tileReply, type TileService } from '../node/tiles/index.ts';
import { APP_HOST, APP_SCHEME } from './trusted-sender.ts';

/** Must run before the app is ready: pakit:// behaves like a secure, standard web origin. */
export function registerConsoleScheme(): void {
  protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } }]);
}

/**
 * Serves the built console from `consoleDir` on pakit://app/ with the console's CSP (never file://),
 * and the map's tiles at pakit://app/tiles/ (only the app's own pages reach this scheme: no token).
 */
export function serveConsole(consoleDir: string, tiles: TileService, warn: (message: string) => void): void {
  protocol.handle(APP_SCHEME, async (request) => {
    const url = new URL(request.url);
    if (url.host === APP_HOST && url.pathname.startsWith('/tiles/')) {
      const reply = tileReply(tiles, url.pathname, warn);
      return reply.status === 200 ? new Response(reply.bytes, { headers: tileHeaders(reply) }) : new Response(reply.text, { status: reply.status });
    }
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
