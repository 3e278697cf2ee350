import { createHash, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { CloseCodes, contractError, PROTOCOL, type ResponseMessage } from '../../shared/contract/index.ts';
import { consoleFileFor, consoleSecurityHeaders, contentTypeFor } from '../node/api/console-policy.ts';
import type { PakitNode } from '../node/node.ts';
import { tileHeaders, tileReply } from '../node/tiles/index.ts';

export type HttpHostOptions = {
  node: PakitNode;
  token: string;
  /** The built console (dist/console). */
  consoleDir: string;
  version: string;
};

const TOKEN_PREFIX = 'pakit-token.';
/** A console that has not read this much yet is slow: its events wait (coalesced) instead of queueing. */
const CONGESTED_BYTES = 1 << 20;
/** Longest a client may take to send its request headers, and its whole request. */
export const HEADERS_TIMEOUT_MS = 10_000;
const REQUEST_TIMEOUT_MS = 30_000;

/**
 * The headless node's front door: the built console, `/api/health`, the map's tiles (with the
 * console's token) and the contract over an authenticated WebSocket at `/api/ws`.
 */
export class HttpHost {
  #options: HttpHostOptions;
  #server: Server;
  #wss: WebSocketServer;
  #tokenDigest: Buffer;
  #port = 0;

  constructor(options: HttpHostOptions) {
    this.#options = options;
    this.#tokenDigest = digest(options.token);
    this.#server = createServer(
      // A client that trickles its request (slowloris) is cut off instead of holding a socket for
      // Node's default minutes; the check runs every second so the limit is kept to the second.
      { headersTimeout: HEADERS_TIMEOUT_MS, requestTimeout: REQUEST_TIMEOUT_MS, connectionsCheckingInterval: 1_000 },
      (request, response) => void this.#serveHttp(request, response),
    );
    this.#wss = new WebSocketServer({
      noServer: true,
      // Room for one upload at the contract’s cap (8 MiB as base64) and its envelope.
      maxPayload: 12 * 1024 * 1024,
      handleProtocols: (protocols) => (protocols.has(PROTOCOL) ? PROTOCOL : false),
    });
    this.#server.on('upgrade', (request, socket, head) => this.#upgrade(request, socket, head));
  }

  async listen(host: string, port: number): Promise<AddressInfo> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(port, host, () => {
        this.#server.off('error', reject);
        resolve();
      });
    });
    const address = this.#server.address() as AddressInfo;
    this.#port = address.port;
    return address;
  }

  async close(): Promise<void> {
    for (const client of this.#wss.clients) client.close(CloseCodes.shuttingDown, 'node shutting down');
    this.#wss.close();
    await new Promise<void>((resolve) => {
      this.#server.close(() => resolve());
      this.#server.closeAllConnections();
    });
  }

  async #serveHttp(request: IncomingMessage, response: ServerResponse): Promise<void> {
    if (!this.#hostAllowed(request)) return void plain(response, 421, 'This node does not answer to that host name.\n');
    const path = (request.url ?? '/').split('?')[0] ?? '/';
    if (path === '/api/health') {
      const body = { status: 'ok', version: this.#options.version, uptime_s: Math.round(process.uptime()) };
      response.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
      return void response.end(JSON.stringify(body));
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') return void plain(response, 405, 'Method not allowed.\n');
    if (path.startsWith('/tiles/')) return this.#serveTile(request, response, path);
    const file = consoleFileFor(path);
    if (!file || path.startsWith('/api/')) return void plain(response, 404, 'Not found.\n');
    let body: Buffer;
    try {
      body = await readFile(join(this.#options.consoleDir, file));
    } catch {
      if (file === 'index.html') {
        return void plain(response, 503, 'The console is not built yet. Run `npm run build` (npm run node and npm run demo do it for you).\n');
      }
      return void plain(response, 404, 'Not found.\n');
    }
    response.writeHead(200, {
      ...consoleSecurityHeaders(),
      'Content-Type': contentTypeFor(file),
      // Built assets carry a content hash in their names; index.html must always be fresh.
      'Cache-Control': file === 'index.html' ? 'no-cache' : 'public, max-age=31536000, immutable',
    });
    response.end(request.method === 'HEAD' ? undefined : body);
  }

  /**
   * A map tile from the node's tile file. The console fetches tiles with its token as a bearer
   * token (never in the URL, which would leave it in logs and caches).
   */
  #serveTile(request: IncomingMessage, response: ServerResponse, path: string): void {
    const token = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '')?.[1];
    if (!token) {
      response.setHeader('WWW-Authenticate', 'Bearer realm="pakit"');
      return plain(response, 401, 'Tiles need the console token: send it as "Authorization: Bearer <token>".\n');
    }
    if (!this.#tokenMatches(token)) return plain(response, 403, 'Wrong token.\n');
    const { node } = this.#options;
    const reply = tileReply(node.tiles, path, (message) => node.log.warn('map', message));
    if (reply.status !== 200) return plain(response, reply.status, reply.text);
    response.writeHead(200, tileHeaders(reply));
    response.end(request.method === 'HEAD' ? undefined : reply.bytes);
  }

  #tokenMatches(token: string): boolean {
    return timingSafeEqual(digest(token), this.#tokenDigest);
  }

  #upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    const refuse = (status: number, text: string) => {
      socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    if ((request.url ?? '').split('?')[0] !== '/api/ws') return refuse(404, 'Not Found');
    if (!this.#hostAllowed(request)) return refuse(421, 'Misdirected Request');
    const origin = request.headers.origin;
    // Browsers always send Origin: a page from another site must not drive this node.
    if (origin !== undefined && origin !== `http://${request.headers.host}`) {
      this.#options.node.log.warn('api', `refused a console connection from a page at ${origin}`);
      return refuse(403, 'Forbidden');
    }
    this.#wss.handleUpgrade(request, socket, head, (ws) => {
      const offered = String(request.headers['sec-websocket-protocol'] ?? '')
        .split(',')
        .map((protocol) => protocol.trim());
      const token = offered.find((protocol) => protocol.startsWith(TOKEN_PREFIX))?.slice(TOKEN_PREFIX.length);
      if (!token || !this.#tokenMatches(token)) {
        this.#options.node.log.warn('api', `refused a console connection from ${request.socket.remoteAddress}: ${token ? 'wrong' : 'missing'} token`);
        ws.close(CloseCodes.unauthorized, token ? 'wrong token' : 'missing token');
        return;
      }
      this.#serveConsole(ws, request.socket.remoteAddress ?? 'unknown');
    });
  }

  #serveConsole(ws: WebSocket, remote: string): void {
    const { node } = this.#options;
    const connection = node.api.connect({
      send: (message) => ws.send(JSON.stringify(message)),
      congested: () => ws.bufferedAmount > CONGESTED_BYTES,
    });
    node.log.info('api', `console connected from ${remote}`);
    ws.on('message', async (data, isBinary) => {
      const raw = isBinary ? undefined : parseJson(data.toString());
      const response =
        raw === undefined
          ? malformed(isBinary ? 'Binary frames are not part of the contract; send JSON text.' : 'The message is not valid JSON.')
          : await connection.handle(raw);
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(response));
    });
    ws.on('close', () => {
      connection.close();
      node.log.info('api', `console disconnected (${remote})`);
    });
    ws.on('error', (error) => node.log.warn('api', `console connection error (${remote}): ${error.message}`));
  }

  /**
   * Only names this node is reached by: IP literals and localhost. A web page that rebinds its own
   * domain name to this machine's address is refused before any other check.
   */
  #hostAllowed(request: IncomingMessage): boolean {
    const host = request.headers.host ?? '';
    const name = host.startsWith('[') ? host.slice(1, host.indexOf(']')) : host.split(':')[0] ?? '';
    const port = host.startsWith('[') ? host.slice(host.indexOf(']') + 2) : host.split(':')[1];
    if (port !== undefined && port !== '' && Number(port) !== this.#port) return false;
    return name === 'localhost' || /^\d{1,3}(\.\d{1,3}){3}$/.test(name) || (host.startsWith('[') && name.includes(':'));
  }
}

const digest = (value: string) => createHash('sha256').update(value).digest();

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

const malformed = (message: string): ResponseMessage => ({
  kind: 'response',
  id: null,
  ok: false,
  error: contractError('malformed_message', message),
});

function plain(response: ServerResponse, status: number, text: string): void {
  response.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' });
  response.end(text);
}
