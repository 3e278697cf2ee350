// Bad input on the headless node's HTTP and WebSocket surface, against a real node process: slow
// clients, oversized messages, path tricks. Each case also checks that the node keeps serving.
import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { PROTOCOL, tokenProtocol } from '../../shared/contract/index.ts';
import { HEADERS_TIMEOUT_MS } from '../../electron/headless/http-host.ts';
import { startHeadlessNode, type RunningNode } from '../helpers/headless-node.ts';

const SLOW_CLIENTS = 200;
let node: RunningNode;

beforeAll(async () => {
  node = await startHeadlessNode();
});
afterAll(async () => {
  expect(await node.stop()).toBe(0);
});

const port = () => Number(new URL(node.base).port);
const wsUrl = () => `${node.base.replace('http', 'ws')}/api/ws`;

async function healthMs(): Promise<number> {
  const start = performance.now();
  const response = await fetch(`${node.base}/api/health`);
  expect(response.status).toBe(200);
  await response.arrayBuffer();
  return performance.now() - start;
}

/** Sends `request` as raw bytes (no client normalises the path) and collects the whole answer. */
function rawRequest(request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port(), '127.0.0.1', () => socket.write(request)); // not end(): a half-closed socket may be dropped before a file is read
    let answer = '';
    socket.on('data', (data) => (answer += data.toString('latin1')));
    socket.on('end', () => resolve(answer));
    socket.on('error', reject);
  });
}

function openSession(): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(wsUrl(), [PROTOCOL, tokenProtocol(node.token)]);
    socket.on('open', () => resolve(socket));
    socket.on('error', reject);
  });
}

function nextResponse(socket: WebSocket): Promise<Record<string, unknown>> {
  return new Promise((resolve) => {
    const listener = (data: WebSocket.RawData) => {
      const message = JSON.parse(data.toString()) as Record<string, unknown>;
      if (message.kind !== 'response') return;
      socket.off('message', listener);
      resolve(message);
    };
    socket.on('message', listener);
  });
}

/** The node's resident memory from its status sampler, once a sample newer than now exists (it samples every second). */
async function nodeRssBytes(): Promise<number> {
  await new Promise((resolve) => setTimeout(resolve, 1_100));
  const socket = await openSession();
  const answer = nextResponse(socket);
  socket.send(JSON.stringify({ kind: 'request', id: 1, method: 'node.status', params: {} }));
  const status = (await answer) as { result: { rssBytes: number } };
  socket.close();
  return status.result.rssBytes;
}

/**
 * Opens a console WebSocket by hand (upgrade with the token) and sends just the header of a masked
 * text frame of `length` bytes; answers the close code the node sends back.
 */
function announceHugeFrame(length: number): Promise<number | undefined> {
  return new Promise((resolve, reject) => {
    const socket = connect(port(), '127.0.0.1', () =>
      socket.write(
        `GET /api/ws HTTP/1.1\r\nHost: 127.0.0.1:${port()}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n` +
          `Sec-WebSocket-Protocol: ${PROTOCOL}, ${tokenProtocol(node.token)}\r\n\r\n`,
      ),
    );
    let received = Buffer.alloc(0);
    let upgraded = false;
    socket.on('data', (data) => {
      received = Buffer.concat([received, data]);
      if (!upgraded) {
        const end = received.indexOf('\r\n\r\n');
        if (end < 0) return;
        if (!received.subarray(0, end).toString().startsWith('HTTP/1.1 101')) return reject(new Error(received.toString()));
        upgraded = true;
        received = received.subarray(end + 4);
        const header = Buffer.alloc(14);
        header[0] = 0x81; // FIN, text
        header[1] = 0x80 | 127; // masked, 64-bit length follows
        header.writeBigUInt64BE(BigInt(length), 2);
        randomBytes(4).copy(header, 10);
        socket.write(header);
      }
      // Server frames are unmasked: skip whole frames (events the node pushes) until a close frame.
      for (;;) {
        if (received.length < 2) return;
        const short = received[1]! & 0x7f;
        const offset = short === 126 ? 4 : short === 127 ? 10 : 2;
        if (received.length < offset) return;
        const payload = short === 126 ? received.readUInt16BE(2) : short === 127 ? Number(received.readBigUInt64BE(2)) : short;
        if (received.length < offset + payload) return;
        if ((received[0]! & 0x0f) === 0x8) {
          resolve(received.readUInt16BE(offset));
          return void socket.destroy();
        }
        received = received.subarray(offset + payload);
      }
    });
    socket.on('close', () => resolve(undefined));
    socket.on('error', reject);
  });
}

describe('hostile HTTP and WebSocket clients', { timeout: 90_000 }, () => {
  it(`keeps answering /api/health while ${SLOW_CLIENTS} clients trickle their headers, and cuts them off after ${HEADERS_TIMEOUT_MS / 1000} s`, async () => {
    const calm = [await healthMs(), await healthMs(), await healthMs()];
    const closedAfter: number[] = [];
    const opened = performance.now();
    const slow: Socket[] = [];
    const trickle = setInterval(() => slow.forEach((socket) => socket.writable && socket.write('a')), 500);
    for (let index = 0; index < SLOW_CLIENTS; index += 1) {
      const socket = connect(port(), '127.0.0.1', () => socket.write(`GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow-${index}: `));
      socket.on('close', () => closedAfter.push(performance.now() - opened));
      socket.on('error', () => undefined);
      slow.push(socket);
    }
    try {
      const during: number[] = [];
      for (let round = 0; round < 20; round += 1) {
        during.push(await healthMs());
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      during.sort((a, b) => a - b);
      const p95 = during[Math.floor(during.length * 0.95)]!;
      console.log(`health with ${SLOW_CLIENTS} slow clients: p95 ${p95.toFixed(1)} ms (calm ${Math.max(...calm).toFixed(1)} ms)`);
      expect(p95).toBeLessThan(500);
      await expect.poll(() => closedAfter.length, { timeout: HEADERS_TIMEOUT_MS + 10_000, interval: 250 }).toBe(SLOW_CLIENTS);
      console.log(`slow clients cut off after ${(Math.min(...closedAfter) / 1000).toFixed(1)}–${(Math.max(...closedAfter) / 1000).toFixed(1)} s`);
      expect(Math.min(...closedAfter)).toBeGreaterThan(HEADERS_TIMEOUT_MS - 500);
    } finally {
      clearInterval(trickle);
      slow.forEach((socket) => socket.destroy());
    }
    expect(await healthMs()).toBeLessThan(500);
  });

  it('refuses a 100 MB WebSocket message at its frame header, and answers a 10 MB one with a typed error, in bounded memory', async () => {
    const before = await nodeRssBytes();

    // Only the frame header announcing 100 MB is sent: the node must answer it without the payload.
    const started = performance.now();
    const closeCode = await announceHugeFrame(100 * 1024 * 1024);
    expect(closeCode).toBe(1009); // RFC 6455: message too big
    const refusedMs = performance.now() - started;
    const afterHuge = await nodeRssBytes();
    expect(afterHuge - before).toBeLessThan(20 * 2 ** 20);

    const big = await openSession();
    const text = 'x'.repeat(10 * 1000 * 1000);
    const answered = nextResponse(big);
    const bigStarted = performance.now();
    big.send(JSON.stringify({ kind: 'request', id: 7, method: 'messages.send', params: { text } }));
    expect(await answered).toMatchObject({ id: 7, ok: false, error: { code: 'invalid_input' } });
    const bigMs = performance.now() - bigStarted;
    // The same socket still works.
    const info = nextResponse(big);
    big.send(JSON.stringify({ kind: 'request', id: 8, method: 'node.info', params: {} }));
    expect(await info).toMatchObject({ id: 8, ok: true });
    big.close();

    const after = await nodeRssBytes();
    const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(0);
    console.log(`100 MB message refused in ${refusedMs.toFixed(0)} ms from its header alone (node RSS ${mib(before)} → ${mib(afterHuge)} MiB); 10 MB message answered in ${bigMs.toFixed(0)} ms (RSS → ${mib(after)} MiB)`);
    // Parsing 10 MB of JSON costs a few copies of it until the next collection, not more.
    expect(after - afterHuge).toBeLessThan(100 * 2 ** 20);
  });

  it('never serves a file outside the console, whatever the path says', async () => {
    const tricks = [
      '/../package.json',
      '/..%2f..%2fpackage.json',
      '/%2e%2e/%2e%2e/package.json',
      '/assets/..%5c..%5cpackage.json',
      '/..\\..\\package.json',
      '/%c0%ae%c0%ae/package.json',
      '//etc/passwd',
      '/....//....//etc/passwd',
      '/assets/%00../../package.json',
      'http://127.0.0.1/../package.json',
      `/${'a/'.repeat(4000)}`,
      '/%',
    ];
    for (const path of tricks) {
      const answer = await rawRequest(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port()}\r\nConnection: close\r\n\r\n`);
      expect(answer, path).toMatch(/^HTTP\/1\.1 (200|400|404|414|431) /);
      expect(answer, path).not.toContain('"name": "pakit-mesh"');
      expect(answer, path).not.toContain('root:x:0:0');
      if (answer.startsWith('HTTP/1.1 200')) expect(answer, path).toContain('<div id="root">'); // the console's page, nothing else
    }
    expect(await healthMs()).toBeLessThan(500);
  });
});
