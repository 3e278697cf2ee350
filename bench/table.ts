// `npm run bench -- table`: render time of the Nodes view for 2,000 nodes in Chromium, virtualised
// (rows in view only, as the console runs) against the same view rendering every row, in the same
// run. The page (renderer/bench/table.html) is the real view with its stores fed a synthetic,
// contract-valid mesh made here: what is measured is the table's own cost, not a WebSocket or a
// simulator.
import { once } from 'node:events';
import { createReadStream, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { loadavg, tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import type { Browser } from 'playwright-core';
import { build } from 'vite';
import type { MeshNode, MeshPeer, NodePosition } from '../shared/contract/index.ts';
import { randomUint32, seededRandom } from '../electron/sim/random.ts';
import { launchChromium } from '../test/helpers/browser.ts';

/** `TABLE_BENCH_NODES` tries another size (the IP-only peers stay IP_ONLY_PEERS). */
const NODES = Number(process.env.TABLE_BENCH_NODES ?? 2000);
/** Each page is loaded this many times per mode; medians are reported. */
const RUNS = 3;
/** Columns clicked in turn for the sort timing (each click re-sorts all rows). */
const SORT_COLUMNS = ['snr', 'name', 'distance', 'battery', 'lastHeard', 'rssi'];
const SCROLL_FRAMES = 120;
/** Ten rows per frame: a fast flick through the list. */
const SCROLL_STEP_PX = 340;
/** A frame longer than 1.5 vsyncs at 60 Hz was dropped. */
const JANK_FRAME_MS = 25;

const OWN: NodePosition = { latitude: 46.6863, longitude: 7.8632, altitude: 570 };
const ROLES = ['CLIENT', 'CLIENT', 'CLIENT', 'CLIENT', 'CLIENT', 'CLIENT', 'CLIENT_MUTE', 'ROUTER', 'TRACKER', 'ROUTER_LATE'];
const HARDWARE = ['TBEAM', 'HELTEC_V3', 'RAK4631', 'T_ECHO', 'STATION_G2'];
const IP_ONLY_PEERS = 50;

type BenchMesh = { own: NodePosition; nodes: MeshNode[]; peers: MeshPeer[] };

/**
 * A busy mesh as a radio reports it after a day: every field filled the way the device fills it
 * (RSSI only for nodes heard since the radio connected, 101 for external power), positions for
 * most within ~50 km; a fifth also run Pakit (reachable over IP too), plus IP-only peers. Seeded,
 * so every run and both modes see the same mesh.
 */
function syntheticMesh(count: number, now: number): BenchMesh {
  const random = seededRandom(2000);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const maybe = <T>(share: number, value: () => T): T | undefined => (random() < share ? value() : undefined);
  const nums = new Set<number>();
  while (nums.size < count) nums.add(randomUint32(random));
  const nodes: MeshNode[] = [...nums].map((nodeNum, index) => {
    const battery = random() < 0.3 ? 101 : Math.round(random() * 100);
    const position = maybe(0.7, () => ({ latitude: OWN.latitude + (random() - 0.5) * 0.9, longitude: OWN.longitude + (random() - 0.5) * 1.3, altitude: Math.round(400 + random() * 2000) }));
    const snr = maybe(0.9, () => Math.round((random() * 32 - 20) * 4) / 4);
    const rssi = maybe(0.6, () => -Math.round(60 + random() * 70));
    return {
      nodeNum,
      nodeId: `!${nodeNum.toString(16).padStart(8, '0')}`,
      longName: `Field node ${String(index + 1).padStart(4, '0')}`,
      shortName: `F${(index + 1).toString(36).toUpperCase()}`,
      hardware: pick(HARDWARE),
      role: pick(ROLES),
      ...(snr === undefined ? {} : { snr }),
      ...(rssi === undefined ? {} : { rssi }),
      hopsAway: Math.floor(random() * 5),
      lastHeard: now - Math.floor(random() * 24 * 3_600_000),
      batteryLevel: battery,
      voltage: battery > 100 ? 0 : Math.round((3.1 + (battery / 100) * 1.09) * 1000) / 1000,
      channelUtilization: Math.round(random() * 400) / 10,
      airUtilTx: Math.round(random() * 50) / 10,
      uptimeSeconds: Math.floor(random() * 30 * 86_400),
      isFavorite: random() < 0.02,
      ...(position ? { position } : {}),
    };
  });
  const peer = (id: string, radioNodeId: string | undefined): MeshPeer => ({
    id,
    ...(radioNodeId ? { radioNodeId } : {}),
    transports: radioNodeId ? ['ip', 'lora'] : ['ip'],
    addresses: [],
    reputation: { score: Math.round(random() * 100) / 100, reasons: [] },
    lastSeen: now - Math.floor(random() * 3_600_000),
    storageCapacity: null,
    connected: random() < 0.5,
    filtered: random() < 0.05,
  });
  const peers = [
    ...nodes.filter(() => random() < 0.2).map((node) => peer(`12D3KooW${node.nodeId.slice(1)}Pakit${'x'.repeat(30)}`, node.nodeId)),
    ...Array.from({ length: IP_ONLY_PEERS }, (_, index) => peer(`12D3KooWIpOnly${String(index).padStart(4, '0')}${'y'.repeat(30)}`, undefined)),
  ];
  return { own: OWN, nodes, peers };
}

type Figures = {
  firstCommitMs: number;
  firstRenderMs: number;
  sortCommitMs: number;
  sortMs: number;
  scrollP95Ms: number;
  scrollMaxMs: number;
  jankFrames: number;
  /** The same frames with the table standing still: what the machine itself allows. */
  idleP95Ms: number;
  renderedRows: number;
};
type PageBench = {
  firstCommitMs: number;
  firstRenderMs: number;
  renderedRows(): number;
  sort(column: string): Promise<{ commitMs: number; paintMs: number }>;
  scroll(frames: number, step: number): Promise<number[]>;
};

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};
const percentile = (values: number[], p: number): number => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor((p / 100) * values.length))]!;

const MIME: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css' };

async function serve(dir: string): Promise<{ server: Server; url: string }> {
  const server = createServer((request, response) => {
    const path = normalize(join(dir, decodeURIComponent(new URL(request.url ?? '/', 'http://x').pathname)));
    if (!path.startsWith(dir) || !existsSync(path)) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { 'content-type': MIME[extname(path)] ?? 'application/octet-stream' });
    createReadStream(path).pipe(response);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('no address');
  return { server, url: `http://127.0.0.1:${address.port}` };
}

async function measure(browser: Browser, url: string, mesh: BenchMesh): Promise<Figures> {
  const page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
  await page.addInitScript((data) => Object.assign(globalThis, { benchMesh: data }), mesh);
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(url);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 60_000 }).catch(() => {
    throw new Error(`the bench page did not start: ${errors.join('; ') || 'no error reported'}`);
  });
  // Run in the page, where globalThis is the window.
  type BenchWindow = { tableBench: PageBench };
  const { firstCommitMs, firstRenderMs } = await page.evaluate(() => {
    const { firstCommitMs, firstRenderMs } = (globalThis as unknown as BenchWindow).tableBench;
    return { firstCommitMs, firstRenderMs };
  });
  const renderedRows = await page.evaluate(() => (globalThis as unknown as BenchWindow).tableBench.renderedRows());
  const sorts: { commitMs: number; paintMs: number }[] = [];
  for (const column of SORT_COLUMNS) sorts.push(await page.evaluate((name) => (globalThis as unknown as BenchWindow).tableBench.sort(name), column));
  const framesOf = (step: number) => page.evaluate(([count, px]) => (globalThis as unknown as BenchWindow).tableBench.scroll(count!, px!), [SCROLL_FRAMES, step]);
  const idle = await framesOf(0);
  const frames = await framesOf(SCROLL_STEP_PX);
  await page.close();
  return {
    firstCommitMs,
    firstRenderMs,
    sortCommitMs: median(sorts.map((sort) => sort.commitMs)),
    sortMs: median(sorts.map((sort) => sort.paintMs)),
    scrollP95Ms: percentile(frames, 95),
    scrollMaxMs: Math.max(...frames),
    jankFrames: frames.filter((frame) => frame > JANK_FRAME_MS).length,
    idleP95Ms: percentile(idle, 95),
    renderedRows,
  };
}

function medians(runs: Figures[]): Figures {
  const of = (key: keyof Figures) => median(runs.map((run) => run[key]));
  return {
    firstCommitMs: of('firstCommitMs'),
    firstRenderMs: of('firstRenderMs'),
    sortCommitMs: of('sortCommitMs'),
    sortMs: of('sortMs'),
    scrollP95Ms: of('scrollP95Ms'),
    scrollMaxMs: of('scrollMaxMs'),
    jankFrames: of('jankFrames'),
    idleP95Ms: of('idleP95Ms'),
    renderedRows: of('renderedRows'),
  };
}

export async function run(log: (line: string) => void): Promise<Record<string, number>> {
  const root = join(import.meta.dirname, '..', 'renderer');
  const outDir = mkdtempSync(join(tmpdir(), 'pakit-table-bench-'));
  const browser = await launchChromium();
  let server: Server | undefined;
  try {
    log('building the benchmark page (production React) ...');
    await build({
      configFile: false,
      root,
      base: './',
      logLevel: 'warn',
      build: { outDir, emptyOutDir: true, target: 'esnext', rollupOptions: { input: join(root, 'bench', 'table.html') } },
      oxc: { jsx: { runtime: 'automatic' } },
    });
    const served = await serve(outDir);
    server = served.server;
    const mesh = syntheticMesh(NODES, Date.now());
    const page = (virtual: boolean) => `${served.url}/bench/table.html?virtual=${virtual ? 1 : 0}`;
    const results: Record<'virtual' | 'all', Figures[]> = { virtual: [], all: [] };
    for (let runIndex = 0; runIndex < RUNS; runIndex += 1) {
      // Alternated, so a slower moment of a shared machine hits both modes alike.
      results.virtual.push(await measure(browser, page(true), mesh));
      results.all.push(await measure(browser, page(false), mesh));
    }
    const virtual = medians(results.virtual);
    const all = medians(results.all);
    // Frame times stretch when other work shares the CPU: the idle column and the load say how much.
    log(`${NODES} nodes, ${RUNS} page loads per mode, medians (Chromium ${browser.version()}, load average ${loadavg()[0]!.toFixed(1)}):`);
    log('  (commit: React done writing the DOM; paint: the next frame shown)');
    log(`  mode          first render commit/paint   sort commit/paint   scroll frame p95/max   frames >${JANK_FRAME_MS} ms of ${SCROLL_FRAMES}   idle frame p95   rows in DOM`);
    const ms = (value: number, width: number) => `${value.toFixed(0).padStart(width)}`;
    for (const [name, figures] of [['virtualised', virtual], ['all rows', all]] as const) {
      log(
        `  ${name.padEnd(12)}  ${ms(figures.firstCommitMs, 10)} / ${ms(figures.firstRenderMs, 5)} ms  ${ms(figures.sortCommitMs, 9)} / ${ms(figures.sortMs, 5)} ms  ${ms(figures.scrollP95Ms, 12)} / ${ms(figures.scrollMaxMs, 4)} ms  ${String(figures.jankFrames).padStart(14)}  ${ms(figures.idleP95Ms, 12)} ms  ${String(figures.renderedRows).padStart(12)}`,
      );
    }
    return {
      'table.nodes': NODES,
      'table.virtual.first_commit_ms': virtual.firstCommitMs,
      'table.virtual.first_render_ms': virtual.firstRenderMs,
      'table.virtual.sort_commit_ms': virtual.sortCommitMs,
      'table.virtual.sort_ms': virtual.sortMs,
      'table.virtual.scroll_frame_p95_ms': virtual.scrollP95Ms,
      'table.virtual.scroll_janky_frames': virtual.jankFrames,
      'table.idle_frame_p95_ms': virtual.idleP95Ms,
      'table.virtual.rows_in_dom': virtual.renderedRows,
      'table.all_rows.first_commit_ms': all.firstCommitMs,
      'table.all_rows.first_render_ms': all.firstRenderMs,
      'table.all_rows.sort_commit_ms': all.sortCommitMs,
      'table.all_rows.sort_ms': all.sortMs,
      'table.all_rows.scroll_frame_p95_ms': all.scrollP95Ms,
      'table.all_rows.scroll_janky_frames': all.jankFrames,
      'table.all_rows.rows_in_dom': all.renderedRows,
      'table.first_render_speedup': all.firstRenderMs / virtual.firstRenderMs,
      'table.sort_speedup': all.sortMs / virtual.sortMs,
      'table.sort_commit_speedup': all.sortCommitMs / virtual.sortCommitMs,
      'table.scroll_p95_ratio': all.scrollP95Ms / virtual.scrollP95Ms,
    };
  } finally {
    server?.close();
    await browser.close();
    rmSync(outDir, { recursive: true, force: true });
  }
}
