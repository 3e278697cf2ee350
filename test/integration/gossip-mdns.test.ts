// mDNS discovery, run where multicast cannot leak: a network namespace of our own with only a
// loopback interface (multicast enabled on it). Needs root and iproute2; skipped otherwise.
import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { expect, test } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const namespace = `pakit-gossip-mdns-${process.pid}`;

function netnsUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'not root';
  const probe = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) return `"ip netns" does not work here (${probe.error?.message ?? probe.stderr.trim()})`;
  return undefined;
}

const unavailable = netnsUnavailable();
if (unavailable) console.warn(`gossip mDNS test skipped: it needs its own network namespace, and ${unavailable}.`);

// Three nodes with mDNS (1 s interval), no bootstrap list: they must find and connect to each other.
const script = `
const { GossipService } = await import(${JSON.stringify(join(root, 'electron/node/gossip/index.ts'))});
const { NodeIdentity } = await import(${JSON.stringify(join(root, 'electron/node/identity/index.ts'))});
const { BlockStore } = await import(${JSON.stringify(join(root, 'electron/node/storage/index.ts'))});
const { defaultMeshSettings } = await import(${JSON.stringify(join(root, 'electron/node/config.ts'))});
const { mkdtempSync, rmSync } = await import('node:fs');
const { tmpdir } = await import('node:os');
const { join } = await import('node:path');
const dir = mkdtempSync(join(tmpdir(), 'pakit-mdns-'));
const nodes = [];
const started = Date.now();
for (let i = 0; i < 3; i++) {
  const store = await BlockStore.open(join(dir, String(i)));
  const service = new GossipService({
    identity: NodeIdentity.generate(), store, settings: { ...defaultMeshSettings, networkId: 'mdns-net' },
    listen: { host: '127.0.0.1', port: 0 }, mdns: 1000, dht: false,
  });
  await service.start();
  nodes.push({ service, store });
}
while (Date.now() - started < 10000 && !nodes.every((node) => node.service.health().peerCount >= 2)) await new Promise((r) => setTimeout(r, 50));
const result = { ms: Date.now() - started, peerCounts: nodes.map((node) => node.service.health().peerCount) };
for (const node of nodes) { await node.service.stop(); node.store.close(); }
rmSync(dir, { recursive: true, force: true });
console.log(JSON.stringify(result));
`;

test.skipIf(unavailable !== undefined)('mDNS: three nodes in a private network namespace find and connect to each other', () => {
  const ip = (...args: string[]) => execFileSync('ip', args, { stdio: 'pipe' });
  ip('netns', 'add', namespace);
  try {
    ip('-n', namespace, 'link', 'set', 'lo', 'up');
    ip('-n', namespace, 'link', 'set', 'lo', 'multicast', 'on');
    ip('-n', namespace, 'route', 'add', '224.0.0.0/4', 'dev', 'lo');
    const output = execFileSync('ip', ['netns', 'exec', namespace, process.execPath, '--input-type=module', '-e', script], {
      cwd: root,
      encoding: 'utf8',
      timeout: 30_000,
    });
    const result = JSON.parse(output.trim().split('\n').at(-1)!) as { ms: number; peerCounts: number[] };
    expect(result.peerCounts).toEqual([2, 2, 2]);
    expect(result.ms).toBeLessThan(10_000);
  } finally {
    ip('netns', 'del', namespace);
  }
}, 40_000);
