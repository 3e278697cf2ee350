// The page `npm run bench -- table` opens in Chromium: the real Nodes view, its stores fed the
// synthetic mesh the benchmark hands over (checked against the contract's schemas here, as the
// contract's events are). `?virtual=0` renders every row: the benchmark's baseline.
import { flushSync } from 'react-dom';
import { createRoot } from 'react-dom/client';
import { z } from 'zod';
import { MeshNode, MeshPeer, NodePosition } from '../../shared/contract/index.ts';
import { useMesh, useRadio } from '../src/stores/index.ts';
import { Nodes } from '../src/views/Nodes.tsx';
import '../src/styles.css';

/** Resolves after the next frame has been painted. */
const afterPaint = () => new Promise<void>((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));

/** What the benchmark puts on the page before it loads (`page.addInitScript`). */
const BenchMesh = z.object({ own: NodePosition, nodes: z.array(MeshNode), peers: z.array(MeshPeer) });
const { own, nodes, peers } = BenchMesh.parse((globalThis as { benchMesh?: unknown }).benchMesh);
const virtualize = new URLSearchParams(location.search).get('virtual') !== '0';
useRadio.setState({
  nodes,
  state: { phase: 'ready', queueDepth: 0, device: { nodeId: '!0000abcd', nodeNum: 0xabcd, longName: 'Base', shortName: 'BASE', firmware: '2.6.11', region: 'EU_868', preset: 'LONG_FAST', channelIndex: 0, position: own } },
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
