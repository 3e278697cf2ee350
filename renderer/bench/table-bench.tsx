// The page `npm run bench -- table` opens in Chromium: the real Nodes view, its stores fed with a
// realistic mesh of synthetic nodes (contract-valid: each list goes through its zod schema, as the
// contract's events do). `?virtual=0` renders every row: the benchmark's baseline.
import { flushSync } from 'react-dom';
import { createRoot } from 'react-dom/client';
import { z } from 'zod';
import { MeshNode, MeshPeer } from '../../shared/contract/index.ts';
import { useMesh, useRadio } from '../src/stores/index.ts';
import { Nodes } from '../src/views/Nodes.tsx';
import '../src/styles.css';

const OWN = { latitude: 46.6863, longitude: 7.8632, altitude: 570 };
const ROLES = ['CLIENT', 'CLIENT', 'CLIENT', 'CLIENT', 'CLIENT', 'CLIENT', 'CLIENT_MUTE', 'ROUTER', 'TRACKER', 'ROUTER_LATE'];
const HARDWARE = ['TBEAM', 'HELTEC_V3', 'RAK4631', 'T_ECHO', 'STATION_G2'];

/** Deterministic, so every run and both modes see the same mesh (mulberry32). */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function syntheticMesh(count: number, now: number): { nodes: MeshNode[]; peers: MeshPeer[] } {
  const random = seeded(2000);
  const pick = <T,>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const maybe = <T,>(share: number, value: () => T): T | undefined => (random() < share ? value() : undefined);
  const nums = new Set<number>();
  while (nums.size < count) nums.add(Math.floor(random() * 0xffffffff) >>> 0);
  const nodes = [...nums].map((nodeNum, index) => {
    const battery = random() < 0.3 ? 101 : Math.round(random() * 100);
    return {
      nodeNum,
      nodeId: `!${nodeNum.toString(16).padStart(8, '0')}`,
      longName: `Field node ${String(index + 1).padStart(4, '0')}`,
      shortName: `F${(index + 1).toString(36).toUpperCase()}`,
      hardware: pick(HARDWARE),
      role: pick(ROLES),
      snr: maybe(0.9, () => Math.round((random() * 32 - 20) * 4) / 4),
      // RSSI is known only for nodes heard since the radio connected.
      rssi: maybe(0.6, () => -Math.round(60 + random() * 70)),
      hopsAway: Math.floor(random() * 5),
      lastHeard: now - Math.floor(random() * 24 * 3_600_000),
      batteryLevel: battery,
      voltage: battery > 100 ? 0 : Math.round((3.1 + (battery / 100) * 1.09) * 1000) / 1000,
      channelUtilization: Math.round(random() * 400) / 10,
      airUtilTx: Math.round(random() * 50) / 10,
      uptimeSeconds: Math.floor(random() * 30 * 86_400),
      isFavorite: random() < 0.02,
      position: maybe(0.7, () => ({ latitude: OWN.latitude + (random() - 0.5) * 0.9, longitude: OWN.longitude + (random() - 0.5) * 1.3, altitude: Math.round(400 + random() * 2000) })),
    };
  });
  // A fifth of the radios also run Pakit (reachable over IP too), and 50 peers are IP only.
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
    ...Array.from({ length: 50 }, (_, index) => peer(`12D3KooWIpOnly${String(index).padStart(4, '0')}${'y'.repeat(30)}`, undefined)),
  ];
  return { nodes: z.array(MeshNode).parse(nodes), peers: z.array(MeshPeer).parse(peers) };
}

/** Resolves after the next frame has been painted. */
const afterPaint = () => new Promise<void>((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));

const params = new URLSearchParams(location.search);
const virtualize = params.get('virtual') !== '0';
const count = Number(params.get('count') ?? 2000);
const { nodes, peers } = syntheticMesh(count, Date.now());
useRadio.setState({
  nodes,
  state: { phase: 'ready', queueDepth: 0, device: { nodeId: '!0000abcd', nodeNum: 0xabcd, longName: 'Base', shortName: 'BASE', firmware: '2.6.11', region: 'EU_868', preset: 'LONG_FAST', channelIndex: 0, position: OWN } },
});
useMesh.setState({ peers });

const started = performance.now();
const root = createRoot(document.getElementById('root')!);
flushSync(() =>
  root.render(
    <main className="main" style={{ height: '100vh' }}>
      <Nodes virtualize={virtualize} />
    </main>,
  ),
);
const firstCommitMs = performance.now() - started;
await afterPaint();
const firstRenderMs = performance.now() - started;

const scroller = () => document.querySelector<HTMLElement>('.node-table-scroller')!;

const bench = {
  /** Until React has written the DOM, and until the browser has painted it. */
  firstCommitMs,
  firstRenderMs,
  renderedRows: () => document.querySelectorAll('[data-testid="node-table"] tbody tr[data-node-id]').length,
  /** Clicks a column's sort button: ms until React has re-rendered (a click is flushed synchronously), and until painted. */
  async sort(column: string): Promise<{ commitMs: number; paintMs: number }> {
    const button = document.querySelector<HTMLButtonElement>(`button.sort[data-column="${column}"]`)!;
    const t0 = performance.now();
    button.click();
    await Promise.resolve(); // React flushes a click's update in a microtask queued before this one
    const commitMs = performance.now() - t0;
    await afterPaint();
    return { commitMs, paintMs: performance.now() - t0 };
  },
  /** Scrolls `step` px per frame for `frames` frames (0: stands still); returns the time between frames, in ms. */
  scroll(frames: number, step: number): Promise<number[]> {
    const element = scroller();
    element.scrollTop = 0;
    const stamps: number[] = [];
    return new Promise((resolve) => {
      const tick = (at: number) => {
        stamps.push(at);
        if (stamps.length > frames) {
          resolve(stamps.slice(1).map((stamp, index) => stamp - stamps[index]!));
          return;
        }
        element.scrollTop += step;
        requestAnimationFrame(tick);
      };
      requestAnimationFrame(tick);
    });
  },
};
(window as unknown as { tableBench: typeof bench }).tableBench = bench;
document.body.dataset.ready = 'true';
