// `npm run bench -- radio`: our stream decoder (electron/node/radio/framing.ts) against
// @meshtastic/core's `fromDeviceStream` on the same device byte stream: frames lost and parse speed.
// @meshtastic/core stays out of the project's dependencies: it is installed with scripts off into
// a scratch folder and run in a worker thread, because it can hang (see FIELD-NOTES §2).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { FrameDecoder, encodeFrame } from '../electron/node/radio/index.ts';
import { seededRandom } from '../electron/sim/random.ts';

const REFERENCE_PACKAGE = '@meshtastic/core';
const REFERENCE_VERSION = '2.6.7';
const REFERENCE_DIR = join(tmpdir(), 'pakit-bench-meshtastic-core');
const FRAME_COUNT = 20_000;
const MAX_PAYLOAD = 231;
const SEED = 0x5eed_4403;
/** A reference run that has not finished by then is stuck (a wedge or an endless loop). */
const REFERENCE_DEADLINE_MS = 10_000;

type Corpus = { stream: Uint8Array; frames: Uint8Array[]; chunkSizes: number[] };
type ReferenceResult = { delivered: number; matched: number; fedBytes: number; elapsedMs: number; done: boolean; warnings: number };
type WorkerJob = { role: 'reference'; modulePath: string; corpus: Corpus };

const LOG_LINES = [
  '\u001b[34mDEBUG\u001b[0m | 12:00:%s [Router] Rx: fr=0x1a2b3c4d to=0xffffffff id=0x%s',
  '\u001b[32mINFO \u001b[0m | 12:00:%s [RadioIf] Started Tx (id=0x%s Fr0x4d To0xff)',
  '\u001b[33mWARN \u001b[0m | 12:00:%s [Power] Battery %s%%',
];

type CorpusShape = { strayBytes: boolean; headerInPayloads: boolean };

/**
 * Frames of 1..231 random bytes between log lines. `strayBytes` puts a lone 0x94 in some lines,
 * sometimes as the last byte before a frame; without `headerInPayloads` no payload holds `94 C3`.
 */
function buildCorpus(random: () => number, shape: CorpusShape): Corpus {
  const encoder = new TextEncoder();
  const parts: Uint8Array[] = [];
  const frames: Uint8Array[] = [];
  for (let n = 0; n < FRAME_COUNT; n += 1) {
    if (random() < 0.3) {
      const template = LOG_LINES[Math.floor(random() * LOG_LINES.length)]!;
      const line = template.replace('%s', String(n % 60).padStart(2, '0')).replace('%s', n.toString(16));
      const bytes = encoder.encode(`${line}\r\n`);
      if (shape.strayBytes && random() < 0.2) {
        const stray = new Uint8Array(bytes.length + 1);
        const at = random() < 0.5 ? bytes.length : Math.floor(random() * bytes.length);
        stray.set(bytes.subarray(0, at));
        stray[at] = 0x94;
        stray.set(bytes.subarray(at), at + 1);
        parts.push(stray);
      } else {
        parts.push(bytes);
      }
    }
    const payload = new Uint8Array(1 + Math.floor(random() * MAX_PAYLOAD));
    for (let i = 0; i < payload.length; i += 1) payload[i] = Math.floor(random() * 256);
    if (!shape.headerInPayloads) {
      for (let i = 1; i < payload.length; i += 1) if (payload[i - 1] === 0x94 && payload[i] === 0xc3) payload[i] = 0;
    }
    frames.push(payload);
    parts.push(encodeFrame(payload));
  }
  const stream = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let at = 0;
  for (const part of parts) {
    stream.set(part, at);
    at += part.length;
  }
  const chunkSizes: number[] = [];
  for (let fed = 0; fed < stream.length; ) {
    const size = 1 + Math.floor(random() * 4096);
    chunkSizes.push(size);
    fed += size;
  }
  return { stream, frames, chunkSizes };
}

function* chunksOf(corpus: Corpus): Generator<Uint8Array> {
  let at = 0;
  for (const size of corpus.chunkSizes) {
    yield corpus.stream.subarray(at, at + size);
    at += size;
  }
}

const sameBytes = (a: Uint8Array, b: Uint8Array): boolean =>
  a.length === b.length && a.every((byte, i) => byte === b[i]);

/** Counts delivered frames that are the expected ones, in order (garbled or extra ones do not count). */
class InOrderMatcher {
  matched = 0;
  private next = 0;
  private readonly expected: Uint8Array[];
  constructor(expected: Uint8Array[]) {
    this.expected = expected;
  }
  offer(frame: Uint8Array): void {
    for (let probe = this.next; probe < this.expected.length && probe < this.next + 64; probe += 1) {
      if (sameBytes(this.expected[probe]!, frame)) {
        this.matched += 1;
        this.next = probe + 1;
        return;
      }
    }
  }
}

function runOurs(corpus: Corpus): { matched: number; elapsedMs: number } {
  const decoder = new FrameDecoder();
  const frames: Uint8Array[] = [];
  const started = performance.now();
  for (const chunk of chunksOf(corpus)) {
    for (const item of decoder.push(chunk)) if (item.type === 'frame') frames.push(item.payload);
  }
  decoder.flush();
  const elapsedMs = performance.now() - started;
  const matcher = new InOrderMatcher(corpus.frames);
  frames.forEach((frame) => matcher.offer(frame));
  return { matched: matcher.matched, elapsedMs };
}

function fastestOf3(measure: () => { matched: number; elapsedMs: number }): { matched: number; elapsedMs: number } {
  const runs = [measure(), measure(), measure()];
  return runs.reduce((best, next) => (next.elapsedMs < best.elapsedMs ? next : best));
}

/** Worker side: feeds the corpus through `fromDeviceStream`, reporting progress as it goes. */
async function referenceWorker(job: WorkerJob): Promise<void> {
  let warnings = 0;
  console.warn = () => {
    warnings += 1;
  };
  const { Utils } = (await import(pathToFileURL(job.modulePath).href)) as {
    Utils: { fromDeviceStream: () => TransformStream<Uint8Array, { type: string; data: unknown }> };
  };
  const transform = Utils.fromDeviceStream();
  const matcher = new InOrderMatcher(job.corpus.frames);
  let delivered = 0;
  let fedBytes = 0;
  const started = performance.now();
  const report = (done: boolean): void =>
    parentPort!.postMessage({ delivered, matched: matcher.matched, fedBytes, elapsedMs: performance.now() - started, done, warnings });
  const reading = (async () => {
    for await (const item of transform.readable) {
      if (item.type === 'packet') {
        delivered += 1;
        matcher.offer(item.data as Uint8Array);
      }
    }
  })();
  const writer = transform.writable.getWriter();
  let chunkCount = 0;
  for (const chunk of chunksOf(job.corpus)) {
    await writer.write(chunk);
    fedBytes += chunk.length;
    chunkCount += 1;
    if (chunkCount % 64 === 0) report(false);
  }
  await writer.close();
  await reading;
  report(true);
}

function runReference(modulePath: string, corpus: Corpus): Promise<ReferenceResult> {
  return new Promise((resolve, reject) => {
    const job: WorkerJob = { role: 'reference', modulePath, corpus };
    const worker = new Worker(new URL(import.meta.url), { workerData: job });
    let last: ReferenceResult = { delivered: 0, matched: 0, fedBytes: 0, elapsedMs: 0, done: false, warnings: 0 };
    const deadline = setTimeout(() => {
      void worker.terminate().then(() => resolve({ ...last, elapsedMs: REFERENCE_DEADLINE_MS }));
    }, REFERENCE_DEADLINE_MS);
    worker.on('message', (result: ReferenceResult) => {
      last = result;
      if (result.done) {
        clearTimeout(deadline);
        void worker.terminate().then(() => resolve(result));
      }
    });
    worker.on('error', (error) => {
      clearTimeout(deadline);
      reject(error);
    });
  });
}

function referenceModulePath(log: (line: string) => void): string | undefined {
  const packageDir = join(REFERENCE_DIR, 'node_modules', ...REFERENCE_PACKAGE.split('/'));
  const installed = (): boolean => {
    try {
      const manifest = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as { version?: string };
      return manifest.version === REFERENCE_VERSION;
    } catch {
      return false;
    }
  };
  if (!installed()) {
    log(`installing ${REFERENCE_PACKAGE}@${REFERENCE_VERSION} into ${REFERENCE_DIR} (scripts off)`);
    const result = spawnSync(
      'npm',
      ['install', '--ignore-scripts', '--no-save', '--no-audit', '--no-fund', '--prefix', REFERENCE_DIR, `${REFERENCE_PACKAGE}@${REFERENCE_VERSION}`],
      // npm runs on the same Node 24 as the bench.
      { encoding: 'utf8', env: { ...process.env, PATH: `${dirname(process.execPath)}${delimiter}${process.env.PATH ?? ''}` } },
    );
    if (result.status !== 0 || !installed()) {
      log(`!!! REFERENCE UNAVAILABLE: could not install ${REFERENCE_PACKAGE}@${REFERENCE_VERSION}: ${result.error?.message ?? result.stderr.trim().split('\n').slice(-3).join(' | ')}`);
      log('!!! reference figures are reported as -1');
      return undefined;
    }
  }
  const modulePath = join(packageDir, 'dist', 'mod.js');
  return existsSync(modulePath) ? modulePath : undefined;
}

function describeReference(log: (line: string) => void, label: string, corpus: Corpus, result: ReferenceResult): void {
  const outcome = result.done
    ? 'finished'
    : `DID NOT FINISH within ${REFERENCE_DEADLINE_MS / 1000} s (fed ${result.fedBytes} of ${corpus.stream.length} bytes; frames not delivered by then count as lost)`;
  log(`reference (${label}): ${outcome}; delivered ${result.delivered}, correct ${result.matched} of ${corpus.frames.length}, "malformed" warnings ${result.warnings}`);
}

const megabytesPerSecond = (bytes: number, ms: number): number => bytes / 1e6 / (ms / 1000);

export async function run(log: (line: string) => void): Promise<Record<string, number>> {
  const random = seededRandom(SEED);
  const noisy = buildCorpus(random, { strayBytes: true, headerInPayloads: true });
  const noStray = buildCorpus(random, { strayBytes: false, headerInPayloads: true });
  const clean = buildCorpus(random, { strayBytes: false, headerInPayloads: false });
  log(`radio: ${FRAME_COUNT} frames of 1..${MAX_PAYLOAD} B, ${(noisy.stream.length / 1e6).toFixed(2)} MB with log text and stray 0x94s, ${noisy.chunkSizes.length} chunks`);

  runOurs(clean); // warm-up so the decoder is measured compiled
  const oursNoisy = fastestOf3(() => runOurs(noisy));
  const oursNoStray = runOurs(noStray);
  const oursClean = fastestOf3(() => runOurs(clean));
  const figures: Record<string, number> = {
    'radio.frames_expected': noisy.frames.length,
    'radio.frames_lost': noisy.frames.length - oursNoisy.matched,
    'radio.frames_lost_without_stray_0x94': noStray.frames.length - oursNoStray.matched,
    'radio.clean_frames_lost': clean.frames.length - oursClean.matched,
    'radio.parse_mb_s': megabytesPerSecond(noisy.stream.length, oursNoisy.elapsedMs),
    'radio.clean_parse_mb_s': megabytesPerSecond(clean.stream.length, oursClean.elapsedMs),
    'radio.reference_frames_lost': -1,
    'radio.reference_parse_mb_s': -1,
    'radio.parse_speed_ratio': -1,
  };

  const modulePath = referenceModulePath(log);
  if (!modulePath) return figures;
  const referenceNoisy = await runReference(modulePath, noisy);
  figures['radio.reference_frames_lost'] = noisy.frames.length - referenceNoisy.matched;
  describeReference(log, 'noisy stream', noisy, referenceNoisy);

  // Without stray 0x94s the reference does not wedge, but drops frames whose payload holds 94 C3
  // (and loops forever on one that starts with it).
  const referenceNoStray = await runReference(modulePath, noStray);
  figures['radio.reference_frames_lost_without_stray_0x94'] = noStray.frames.length - referenceNoStray.matched;
  describeReference(log, 'stream without stray 0x94', noStray, referenceNoStray);

  // Speed is compared on a stream without stray 0x94 or 94 C3 in payloads, which the reference
  // parses without wedging or looping; its figure is only meaningful if it finished.
  const referenceClean = await runReference(modulePath, clean);
  describeReference(log, 'clean stream', clean, referenceClean);
  if (referenceClean.done) {
    figures['radio.reference_clean_frames_lost'] = clean.frames.length - referenceClean.matched;
    figures['radio.reference_parse_mb_s'] = megabytesPerSecond(clean.stream.length, referenceClean.elapsedMs);
    figures['radio.parse_speed_ratio'] = figures['radio.clean_parse_mb_s']! / figures['radio.reference_parse_mb_s'];
  }
  return figures;
}

if (!isMainThread && (workerData as WorkerJob | undefined)?.role === 'reference') {
  await referenceWorker(workerData as WorkerJob);
}
