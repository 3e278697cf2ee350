// The scripts in examples/ run as an operator would run them, against two real nodes on loopback:
// one announces a file, the other discovers it as a peer and finds it as the file's holder.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '../../cli/connect.ts';
import { targetOf } from '../../cli/target.ts';
import { runScript, startHeadlessNode, type RunningNode } from '../helpers/headless-node.ts';

const example = (name: string, args: string[], node: RunningNode) => runScript(`examples/${name}`, args, { PAKIT_URL: node.consoleUrl });

/** The node's libp2p address with its peer id, as MESH_BOOTSTRAP wants it. */
async function meshAddressOf(node: RunningNode): Promise<{ address: string; peerId: string }> {
  const client = await connect(targetOf({ url: node.consoleUrl }));
  try {
    const health = await client.call('mesh.health', {});
    if (!health.ok) throw new Error(health.error.message);
    const [address] = health.value.addresses;
    if (!address) throw new Error('the node does not listen for mesh peers');
    return { address: address.includes('/p2p/') ? address : `${address}/p2p/${health.value.peerId}`, peerId: health.value.peerId };
  } finally {
    client.close();
  }
}

describe('examples/ against two nodes', { timeout: 60_000 }, () => {
  let holder: RunningNode;
  let seeker: RunningNode;
  let holderPeerId: string;
  beforeAll(async () => {
    holder = await startHeadlessNode();
    const { address, peerId } = await meshAddressOf(holder);
    holderPeerId = peerId;
    seeker = await startHeadlessNode(['--api', '127.0.0.1:0'], { MESH_BOOTSTRAP: address });
  });
  afterAll(async () => {
    // Both stop whatever happened before: a failed start must not leave a node running.
    expect(await Promise.all([seeker?.stop(), holder?.stop()])).toEqual([0, 0]);
  });

  it('discover-peers lists the node it bootstrapped from', async () => {
    await expect
      .poll(async () => (await example('discover-peers.ts', [], seeker)).stdout, { timeout: 20_000, interval: 500 })
      .toContain(holderPeerId);
  });

  it('announce-block stores and announces a file; find-block on the other node names its holder', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'pakit-example-')), 'report.txt');
    writeFileSync(file, `Water point 3 is dry (${Date.now()}).\n`);
    const announced = await example('announce-block.ts', [file], holder);
    expect(announced.stderr).toBe('');
    const cid = announced.stdout.trim();
    expect(cid).toMatch(/^bafkrei[a-z2-7]+$/);
    await expect
      .poll(async () => (await example('find-block.ts', [cid], seeker)).stdout, { timeout: 20_000, interval: 500 })
      .toContain(holderPeerId);
    const refused = await example('find-block.ts', ['not-a-cid'], seeker);
    expect(refused.code).toBe(1);
  });

  it('health-loop prints the samples it was asked for, then ends', async () => {
    const run = await example('health-loop.ts', ['2'], seeker);
    expect(run.code).toBe(0);
    const lines = run.stdout.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/\trunning\t\d+ peers\t/);
  });
});
