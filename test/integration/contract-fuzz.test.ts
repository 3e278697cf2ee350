// Every contract method against random and mutated input, on a real node (store, database, libp2p
// on loopback): each answer well-formed, no internal failure, no stack trace or path leaked, the
// node still answering and its memory bounded afterwards. `npm run bench -- contract-fuzz` runs more.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResponseMessage } from '../../shared/contract/index.ts';
import type { PakitNode } from '../../electron/node/node.ts';
import { seededRandom } from '../../electron/sim/random.ts';
import { exampleInputs } from '../helpers/contract-examples.ts';
import { fuzzMessage, judge } from '../helpers/contract-fuzz.ts';
import { repoRoot } from '../helpers/headless-node.ts';
import { createTestNode } from '../helpers/test-node.ts';

const CALLS = 2_000;
const BATCH = 25;
const SEED = Number(process.env.PAKIT_FUZZ_SEED ?? 20261204);

describe('contract fuzzing', { timeout: 180_000 }, () => {
  let node: PakitNode;
  beforeAll(async () => {
    node = await createTestNode();
    await node.start();
  });
  afterAll(async () => {
    await node?.stop();
  });

  it(`answers ${CALLS} random and mutated requests (seed ${SEED}) without an internal failure, and keeps serving`, async () => {
    const stored = await node.api.call('storage.upload', { name: 'seed', dataBase64: Buffer.from('fuzz seed block').toString('base64') });
    const examples = exampleInputs(stored.ok ? (stored.value as { id: string }).id : '');
    const connection = node.api.connect({ send: () => undefined });
    const random = seededRandom(SEED);
    const failures: string[] = [];
    const perMethod = new Map<string, number>();
    global.gc?.();
    const heapBefore = process.memoryUsage().heapUsed;
    for (let start = 0; start < CALLS; start += BATCH) {
      const batch = Array.from({ length: BATCH }, (_, offset) => fuzzMessage(random, examples, start + offset + 1));
      const answers = await Promise.all(batch.map(({ message }) => connection.handle(message)));
      answers.forEach((answer: ResponseMessage, index) => {
        const method = batch[index]!.method ?? '(envelope)';
        perMethod.set(method, (perMethod.get(method) ?? 0) + 1);
        const verdict = judge(answer, repoRoot);
        if (!verdict.ok) failures.push(`${method}: ${verdict.why}`);
      });
    }
    connection.close();
    expect(failures).toEqual([]);
    // Every method of the contract was tried.
    expect(perMethod.size).toBeGreaterThan(Object.keys(examples).length);
    expect(await node.api.call('node.info', {})).toMatchObject({ ok: true });
    global.gc?.();
    const growth = process.memoryUsage().heapUsed - heapBefore;
    console.log(`contract fuzz: ${CALLS} requests, ${perMethod.size} methods and envelopes, heap growth ${(growth / 2 ** 20).toFixed(1)} MiB`);
    expect(growth).toBeLessThan(64 * 2 ** 20);
  });
});
