// `npm run bench -- lora-fuzz`: 1,000,000 random and mutated frames through the LoRa decoder
// (electron/node/lora): throughput, rejections by reason, exceptions that escaped (must be 0) and
// how much state the decoder keeps (its own accounting and the heap after a forced GC).
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { verifySignature } from '../electron/node/identity/index.ts';
import { REJECT_REASONS } from '../electron/node/lora/index.ts';
import { fuzzFrames, primedReceiver } from '../test/unit/lora/fuzz-corpus.ts';

const FRAME_COUNT = 1_000_000;
/** Frames are made in batches outside the timed part, so the timing covers the decoder only. */
const BATCH = 100_000;
const SEED = 0x10fa_f022;

function collectGarbage(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

export async function run(log: (line: string) => void): Promise<Record<string, number>> {
  const gc = collectGarbage();
  const next = fuzzFrames(SEED);
  let signatureChecks = 0;
  const rx = primedReceiver({
    verify: (publicKey, message, signature) => {
      signatureChecks += 1;
      return verifySignature(publicKey, message, signature);
    },
  });
  signatureChecks = 0;
  gc();
  const heapBefore = process.memoryUsage().heapUsed;
  const outcomes = { partial: 0, delivered: 0 };
  let escaped = 0;
  let elapsedMs = 0;
  for (let done = 0; done < FRAME_COUNT; done += BATCH) {
    const batch = Array.from({ length: BATCH }, next);
    const started = performance.now();
    for (const { frame, from, now } of batch) {
      try {
        const result = rx.receive(frame, from, now);
        if (result.ok) outcomes[result.status] += 1;
      } catch (error) {
        escaped += 1;
        if (escaped <= 3) log(`exception escaped: ${String(error)}`);
      }
    }
    elapsedMs += performance.now() - started;
  }
  gc();
  const heapGrowth = process.memoryUsage().heapUsed - heapBefore;
  const retained = rx.retained();
  const totals = rx.rejectionTotals();
  log(`${FRAME_COUNT} frames in ${(elapsedMs / 1000).toFixed(1)} s, ${escaped} exceptions escaped`);
  const figures: Record<string, number> = {
    'lora_fuzz.frames': FRAME_COUNT,
    'lora_fuzz.frames_per_s': Math.round(FRAME_COUNT / (elapsedMs / 1000)),
    'lora_fuzz.exceptions_escaped': escaped,
    'lora_fuzz.delivered': outcomes.delivered,
    'lora_fuzz.partial': outcomes.partial,
    'lora_fuzz.signature_checks': signatureChecks,
  };
  for (const reason of REJECT_REASONS) figures[`lora_fuzz.rejected.${reason}`] = totals[reason];
  for (const [name, value] of Object.entries(retained)) figures[`lora_fuzz.retained.${name}`] = value;
  figures['lora_fuzz.heap_growth_kb'] = Math.round(heapGrowth / 1024);
  return figures;
}
