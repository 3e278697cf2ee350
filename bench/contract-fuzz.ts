// The contract under random and mutated input, on a real node (store, database, libp2p on
// loopback), against a baseline of the same number of valid example requests in the same run:
//   contract_fuzz.*: requests per second, answers that break the rules (malformed, internal,
//   stack trace or path leaked: must be 0), and heap and RSS growth over the run.
import { seededRandom } from '../electron/sim/random.ts';
import { exampleInputs } from '../test/helpers/contract-examples.ts';
import { fuzzMessage, judge } from '../test/helpers/contract-fuzz.ts';
import { repoRoot } from '../test/helpers/headless-node.ts';
import { createTestNode } from '../test/helpers/test-node.ts';
import { methods, type MethodName } from '../shared/contract/index.ts';

const CALLS = 5_000;
const BATCH = 50;

export async function run(log: (line: string) => void): Promise<Record<string, number>> {
  const node = await createTestNode();
  await node.start();
  try {
    const stored = await node.api.call('storage.upload', { name: 'seed', dataBase64: Buffer.from('fuzz seed block').toString('base64') });
    const examples = exampleInputs(stored.ok ? (stored.value as { id: string }).id : '');
    const connection = node.api.connect({ send: () => undefined });
    const names = Object.keys(methods) as MethodName[];

    const baselineStart = performance.now();
    for (let start = 0; start < CALLS; start += BATCH) {
      await Promise.all(
        Array.from({ length: BATCH }, (_, offset) => {
          const method = names[(start + offset) % names.length]!;
          return connection.handle({ kind: 'request', id: start + offset + 1, method, params: examples[method] });
        }),
      );
    }
    const baselineS = (performance.now() - baselineStart) / 1000;

    const random = seededRandom(1);
    const heapBefore = process.memoryUsage().heapUsed;
    const rssBefore = process.memoryUsage().rss;
    let broken = 0;
    let refused = 0;
    const fuzzStart = performance.now();
    for (let start = 0; start < CALLS; start += BATCH) {
      const batch = Array.from({ length: BATCH }, (_, offset) => fuzzMessage(random, examples, start + offset + 1));
      const answers = await Promise.all(batch.map(({ message }) => connection.handle(message)));
      answers.forEach((answer, index) => {
        const verdict = judge(answer, repoRoot);
        if (!verdict.ok) {
          broken += 1;
          if (broken <= 5) log(`broken answer to ${batch[index]!.method ?? '(envelope)'}: ${verdict.why}`);
        } else if (!answer.ok) refused += 1;
      });
    }
    const fuzzS = (performance.now() - fuzzStart) / 1000;
    connection.close();
    const stillServing = (await node.api.call('node.info', {})).ok;
    log(`${CALLS} valid example requests, then ${CALLS} fuzzed ones (seed 1); node still serving: ${stillServing}`);
    return {
      'contract_fuzz.valid_requests_per_s': CALLS / baselineS,
      'contract_fuzz.fuzzed_requests_per_s': CALLS / fuzzS,
      'contract_fuzz.fuzzed_vs_valid_time_ratio': fuzzS / baselineS,
      'contract_fuzz.refused_with_typed_error': refused,
      'contract_fuzz.broken_answers': broken,
      'contract_fuzz.heap_growth_mib': (process.memoryUsage().heapUsed - heapBefore) / 2 ** 20,
      'contract_fuzz.rss_growth_mib': (process.memoryUsage().rss - rssBefore) / 2 ** 20,
      'contract_fuzz.still_serving': stillServing ? 1 : 0,
    };
  } finally {
    await node.stop();
  }
}
