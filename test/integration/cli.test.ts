import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runScript, startHeadlessNode, type RunningNode } from '../helpers/headless-node.ts';

/** The `pakit` command as an operator runs it: a separate process, over the node's WebSocket. */
const pakit = (args: string[], env: Record<string, string> = {}) => runScript('cli/pakit.ts', args, env);

describe('pakit command-line client against the demo node', { timeout: 60_000 }, () => {
  let node: RunningNode;
  beforeAll(async () => {
    node = await startHeadlessNode(['--demo', '--api', '127.0.0.1:0']);
  });
  afterAll(async () => {
    expect(await node?.stop()).toBe(0);
  });

  it('status --json prints the node, its radio and its mesh, from the console URL alone', async () => {
    const run = await pakit(['--url', node.consoleUrl, 'status', '--json']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const status = JSON.parse(run.stdout) as { info: { product: string; host: string }; status: { uptimeS: number }; radio: { phase: string }; mesh: { phase: string } };
    expect(status.info).toMatchObject({ product: 'Pakit Mesh', host: 'headless' });
    expect(status.status.uptimeS).toBeGreaterThan(0);
    expect(['connecting', 'ready', 'disconnected']).toContain(status.radio.phase);
    expect(status.mesh.phase).toBe('running');
  });

  it('peers lists the demo’s IP peers; the token may come from PAKIT_API_TOKEN', async () => {
    await expect
      .poll(async () => {
        const run = await pakit(['--url', node.base, 'peers', '--json', '--filtered'], { PAKIT_API_TOKEN: node.token });
        return run.code === 0 ? (JSON.parse(run.stdout) as { transports: string[] }[]).filter((peer) => peer.transports.includes('ip')).length : -1;
      }, { timeout: 30_000, interval: 1_000 })
      .toBeGreaterThanOrEqual(3);
    const text = await pakit(['--url', node.consoleUrl, 'peers', '--filtered']);
    expect(text.stdout).toMatch(/reputation \d\.\d\d/);
  });

  it('watch health prints samples as they come', async () => {
    const run = await pakit(['--url', node.consoleUrl, 'watch', 'health', '--count', '2', '--json']);
    expect(run.code).toBe(0);
    const samples = run.stdout.trim().split('\n').map((line) => JSON.parse(line) as { phase: string; sampledAt: number });
    expect(samples).toHaveLength(2);
    expect(samples[1]!.sampledAt).toBeGreaterThan(samples[0]!.sampledAt);
  });

  it('sends an emergency and requests a file; a refused request exits 1 with the node’s words and fix', async () => {
    const sent = await pakit(['--url', node.consoleUrl, 'emergency', 'send', 'Road washed out at km 12', '--priority', 'advisory', '--json']);
    expect(sent.code).toBe(0);
    expect(JSON.parse(sent.stdout)).toMatchObject({ text: 'Road washed out at km 12', priority: 'advisory', direction: 'sent' });

    const requested = await pakit(['--url', node.consoleUrl, 'files', 'request', 'bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku']);
    expect(requested.code).toBe(0);
    // Requesting, or paused while the demo's radio is still connecting.
    expect(requested.stdout).toMatch(/^Transfer \S+: (requesting|paused) bafkrei\S+ over LoRa within 3 hops/);
    // Asked again, further: the same transfer, its request widened to 5 hops.
    const widened = await pakit(['--url', node.consoleUrl, 'files', 'request', 'bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku', '--hops', '5', '--json']);
    expect(JSON.parse(widened.stdout)).toMatchObject({ hopLimit: 5, contentId: 'bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku' });

    const bad = await pakit(['--url', node.consoleUrl, 'files', 'request', 'not-a-content-id']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/contentId/);
  });

  it('messages send posts a channel text and a direct message; a bad node id is refused before sending', async () => {
    const channel = await pakit(['--url', node.consoleUrl, 'messages', 'send', 'Checking in from the CLI', '--json']);
    expect(channel.stderr).toBe('');
    expect(JSON.parse(channel.stdout)).toMatchObject([{ conversation: 'channel:0', direction: 'out', text: 'Checking in from the CLI' }]);
    const bad = await pakit(['--url', node.consoleUrl, 'messages', 'send', 'hi', '--to', 'bob']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/to: a node id like !a1b2c3d4/);
    expect((await pakit(['--url', node.consoleUrl, 'messages', 'send', 'hi', '--channel', '9'])).code).toBe(2);
  });

  it('export writes CSV to standard output or a file; a table that does not exist exits 2', async () => {
    const log = await pakit(['--url', node.consoleUrl, 'export', 'log']);
    expect(log.code).toBe(0);
    expect(log.stdout.startsWith('time,level,source,message\r\n')).toBe(true);
    expect(log.stdout).toMatch(/\r\n\d{4}-\d\d-\d\dT[\d:.]+Z,info,node,/);
    const file = join(mkdtempSync(join(tmpdir(), 'pakit-cli-export-')), 'emergencies.csv');
    const saved = await pakit(['--url', node.consoleUrl, 'export', 'emergencies', '--out', file]);
    expect(saved.stdout).toMatch(/^Saved \d+ rows? to .*emergencies\.csv\n$/);
    expect(readFileSync(file, 'utf8').split('\r\n')[0]).toBe('time,direction,priority,text,from_node,signer,verified,hops,acked_by,acknowledged,latitude,longitude,roll_call,closed_at,closed_why,id');
    const wrong = await pakit(['--url', node.consoleUrl, 'export', 'passwords']);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/no table "passwords"/);
  });

  it('a wrong token or no node exits 3 with a fix; a typo exits 2 without connecting', async () => {
    const refused = await pakit(['--url', `${node.base}/#token=${'x'.repeat(24)}`, 'status']);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toMatch(/access token is missing or wrong/);

    const nobody = await pakit(['--url', 'http://127.0.0.1:9/#token=abcdefghijklmnop', 'status']);
    expect(nobody.code).toBe(3);
    expect(nobody.stderr).toMatch(/No node answered at http:\/\/127.0.0.1:9/);

    const typo = await pakit(['--url', node.consoleUrl, 'emergncy', 'send', 'x']);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toMatch(/unknown command "emergncy"/);
    expect((await pakit(['--url', node.consoleUrl, 'emergency', 'send', 'x', '--priority', 'panic'])).stderr).toMatch(/--priority must be/);
  });
});
