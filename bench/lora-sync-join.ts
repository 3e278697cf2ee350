// An empty node joins a 10,000-id index from one neighbour by range sessions (sync/README.md),
// every byte a real frame (test/helpers/sync-air.ts), against the baseline measured in the same run:
// the neighbour sending its whole index as sync messages of whole ids.
//   lora.sync.join_10k_bytes: bytes on air both ways, announces included, no frame lost.
//   lora.sync.join_10k_ratio: that over the whole-index baseline (1.0 = the ids themselves).
//   lora.sync.join_10k_loss5_bytes / _ratio: the same with 5 % of frames lost (sessions retry).
//   lora.sync.join_half_bytes: a node holding 5,000 of the ids (and 300 of its own) catching up.
import { seededRandom } from '../electron/sim/random.ts';
import { SyncAir, SYNC_AIR_START, randomContentId, syncAirNode } from '../test/helpers/sync-air.ts';
import { fullIndexBytes } from './lora-sync.ts';

const N = 10_000;
const MAX_CHANNEL_MS = 48 * 3_600_000;

export function measureJoin(log: (line: string) => void): Record<string, number> {
  const started = performance.now();
  const random = seededRandom(20_261_204);
  const ids = Array.from({ length: N }, () => randomContentId(random));
  const join = (loss: number, own: readonly string[]) => {
    const full = syncAirNode(1, ids);
    const joining = syncAirNode(2, own);
    const air = new SyncAir(joining, full, { loss, seed: 7 });
    const channelMs = air.run(() => joining.index.rootHash() === full.index.rootHash(), MAX_CHANNEL_MS);
    if (joining.index.rootHash() !== full.index.rootHash()) throw new Error(`the joining node did not converge (${joining.index.size} ids)`);
    return { air, channelMs, full };
  };
  const clean = join(0, []);
  const baseline = fullIndexBytes(clean.full.sender, clean.full.index, SYNC_AIR_START);
  log(`baseline: the whole index of ${N} ids as sync messages is ${baseline} bytes`);
  log(`empty node, no loss: ${clean.air.bytes} bytes in ${clean.air.frames} frames = ${(clean.air.bytes / baseline).toFixed(3)}x the whole index`);
  const lossy = join(0.05, []);
  log(`empty node, 5 % frames lost: ${lossy.air.bytes} bytes (${lossy.air.lostFrames} of ${lossy.air.frames} frames lost) = ${(lossy.air.bytes / baseline).toFixed(3)}x the whole index; ${(lossy.channelMs / 60_000).toFixed(0)} min of retries and announces (channel time, airtime not modelled)`);
  const half = join(0, [...ids.slice(0, N / 2), ...Array.from({ length: 300 }, () => randomContentId(random))]);
  const missingBytes = (N / 2 + 300) * 33;
  log(`half the ids and 300 of its own: ${half.air.bytes} bytes = ${(half.air.bytes / missingBytes).toFixed(2)}x the ${N / 2 + 300} differing ids at 33 bytes each`);
  log(`measured in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return {
    'lora.sync.join_10k_bytes': clean.air.bytes,
    'lora.sync.join_10k_ratio': clean.air.bytes / baseline,
    'lora.sync.join_10k_loss5_bytes': lossy.air.bytes,
    'lora.sync.join_10k_loss5_ratio': lossy.air.bytes / baseline,
    'lora.sync.join_half_bytes': half.air.bytes,
    'lora.sync.whole_index_bytes': baseline,
  };
}

/** `npm run bench -- lora-sync-join`. */
export async function run(log: (line: string) => void): Promise<Record<string, number>> {
  return measureJoin(log);
}
