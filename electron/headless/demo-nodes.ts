// The demo's other Pakit nodes: full node cores (electron/node/node.ts) in the demo's process, each
// with its own identity, store and data folder in a temp folder, on its own simulated radio over TCP
// exactly like the operator's node. They ack emergencies, announce and sync their index, and answer
// file requests, so the demo shows all three with no setup.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32, deflateSync } from 'node:zlib';
import type { RadioPort } from '../../shared/contract/index.ts';
import { defaultMeshSettings } from '../node/config.ts';
import { NodeIdentity } from '../node/identity/index.ts';
import { PakitNode } from '../node/node.ts';
import { BlockStore } from '../node/storage/index.ts';

export type DemoFile = { name: string; type: string; bytes: Uint8Array };
export type DemoNodePlan = {
  name: string;
  port: RadioPort;
  files: DemoFile[];
  /** Someone at this node reads a signed emergency's banner and presses "Seen" this long after it arrives. */
  seesAlertsAfterMs?: number;
};
export type DemoStoredFile = { name: string; type: string; contentId: string; size: number };
export type DemoPakitNode = { name: string; node: PakitNode; files: DemoStoredFile[] };

export type DemoPakitNodes = {
  readonly nodes: readonly DemoPakitNode[];
  /** Connects every node to its radio (after the radios have announced, like the operator's node). */
  connect(): Promise<void>;
  close(): Promise<void>;
};

/** Each node is a field node on LoRa only: the demo's IP peers are the separate gossip peers. */
const LORA_ONLY = { ...defaultMeshSettings, enabled: false, mdns: false };

export async function startDemoPakitNodes(options: { networkId: string; version: string; plans: DemoNodePlan[] }): Promise<DemoPakitNodes> {
  const dir = mkdtempSync(join(tmpdir(), 'pakit-demo-nodes-'));
  const nodes: DemoPakitNode[] = [];
  const readers = new Set<NodeJS.Timeout>();
  for (const [index, plan] of options.plans.entries()) {
    const dataDir = join(dir, `node-${index + 1}`);
    const node = new PakitNode({
      host: 'headless',
      version: options.version,
      mesh: { ...LORA_ONLY, networkId: options.networkId },
      dataDir,
      identity: NodeIdentity.generate(),
      protection: { level: 'passphrase', description: 'throw-away demo identity, kept in memory' },
      store: await BlockStore.open(join(dataDir, 'store')),
    });
    const files: DemoStoredFile[] = [];
    for (const file of plan.files) {
      const contentId = await node.store.store(file.bytes);
      node.fileNames.set(contentId, file.name, file.type);
      files.push({ name: file.name, type: file.type, contentId, size: file.bytes.length });
    }
    const after = plan.seesAlertsAfterMs;
    if (after !== undefined) {
      node.lora.emergencies.on('alert', (record) => {
        if (record.signed === false) return; // a stock alert has nobody to tell
        const reader = setTimeout(() => {
          readers.delete(reader);
          node.lora.emergencies.acknowledge(record.id);
        }, after);
        readers.add(reader);
      });
    }
    nodes.push({ name: plan.name, node, files });
  }
  return {
    nodes,
    async connect() {
      await Promise.all(
        nodes.map(async ({ node }, index) => {
          const connected = await node.radio.connect(options.plans[index]!.port);
          if (!connected.ok) process.stderr.write(`pakit demo: ${options.plans[index]!.name} could not reach its radio: ${connected.error.message}\n`);
        }),
      );
    },
    async close() {
      for (const reader of readers) clearTimeout(reader);
      for (const { node } of nodes) await node.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The small files the demo's far nodes hold: a text report, a table and a picture, each well under one LoRa transfer's default limit. */
export function demoFiles(): { report: DemoFile; waterPoints: DemoFile; sketch: DemoFile } {
  const text = (value: string) => new TextEncoder().encode(value);
  return {
    report: {
      name: 'report.txt',
      type: 'text/plain',
      bytes: text(
        'Field report, camp 2\n' +
          'Water point 3 is dry since Tuesday; point 5 runs clear.\n' +
          'Bridge at km 12: passable on foot only.\n' +
          '14 people at the camp, 2 need a doctor (not urgent).\n' +
          'Next report by radio at 18:00.\n',
      ),
    },
    waterPoints: {
      name: 'water-points.csv',
      type: 'text/csv',
      bytes: text('point,latitude,longitude,state,checked\n1,46.52030,6.63410,flowing,2026-12-01\n3,46.53144,6.65982,dry,2026-12-02\n5,46.54010,6.68120,flowing,2026-12-03\n'),
    },
    sketch: { name: 'camp-sketch.png', type: 'image/png', bytes: sketchPng() },
  };
}

/**
 * A 32 × 24 picture of a camp by a river, drawn here rather than shipped as a binary: a real PNG
 * (signature, IHDR, one zlib IDAT, IEND, each with its CRC) that any viewer opens.
 */
function sketchPng(): Uint8Array {
  const width = 32;
  const height = 24;
  const rows: number[] = [];
  for (let y = 0; y < height; y += 1) {
    rows.push(0); // filter: none
    for (let x = 0; x < width; x += 1) {
      const river = Math.abs(x - (10 + Math.round(4 * Math.sin(y / 4)))) <= 1;
      const tent = x >= 20 && x <= 26 && y >= 8 && y <= 14 && Math.abs(x - 23) <= y - 8;
      rows.push(...(river ? [40, 110, 200] : tent ? [200, 90, 40] : [120, 170, 90]));
    }
  }
  const chunk = (type: string, data: Uint8Array): Buffer => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const framed = Buffer.alloc(body.length + 8);
    framed.writeUInt32BE(data.length, 0);
    body.copy(framed, 4);
    framed.writeUInt32BE(crc32(body), body.length + 4);
    return framed;
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8 bits per sample, RGB, deflate, adaptive filters, no interlace
  return new Uint8Array(
    Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', header), chunk('IDAT', deflateSync(Uint8Array.from(rows))), chunk('IEND', new Uint8Array())]),
  );
}
