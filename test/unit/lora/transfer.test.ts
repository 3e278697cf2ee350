// File transfer cores on virtual time: a broadcast channel with seeded random loss, holders that
// send one frame per frame interval, receivers that answer at once. Every message crosses the wire
// codec, so what the cores exchange is what fits on air.
import { describe, expect, it } from 'vitest';
import { FileFetcher, FileServer, MAX_CHUNK_DATA_BYTES, TransferLayout, hashTreeLevels, type FetchEffect } from '../../../electron/node/lora/index.ts';
import { equalBytes } from '../../../electron/node/lora/bytes.ts';
import { BUILTIN_CODES, CHUNKS_PER_LEAF_HASH, decodeBuiltinBody, encodeBuiltinBody, type BuiltinMessage } from '../../../electron/node/lora/messages.ts';
import { planChunks } from '../../../electron/node/lora/transfer/index.ts';
import { RAW_CODEC, contentIdFor } from '../../../electron/node/storage/content-id.ts';
import { seededRandom, type Random } from '../../../electron/sim/random.ts';

const INTERVAL = 5000;
/** Airtime of a full frame and of a short control frame on LONG_FAST, roughly. */
const FULL_AIRTIME = 2200;
const SHORT_AIRTIME = 600;

const fileOf = (size: number, seed: number) => {
  const random = seededRandom(seed);
  return Uint8Array.from({ length: size }, () => Math.floor(random() * 256));
};
const idOf = (bytes: Uint8Array) => contentIdFor(RAW_CODEC, bytes).toString();
const keyOf = (node: number) => node.toString(16).padStart(16, '0');

type Node = {
  readonly num: number;
  readonly server: FileServer;
  readonly fetcher: FileFetcher;
  readonly files: Map<string, Uint8Array>;
  readonly stored: Map<string, Uint8Array>;
  readonly blamed: Extract<FetchEffect, { kind: 'blame' }>[];
  /** Rewrites chunks before they go on air (a lying holder). */
  corrupt?: (data: Uint8Array) => Uint8Array;
  /** Manifests and chunks it put on air. */
  bulkFrames: number;
  controlFrames: number;
  bytesOnAir: number;
  linkUp: boolean;
  /** The one pending tick of the node's cores (a newer one replaces it). */
  timer: { at: number; generation: number };
};

/** A broadcast channel on virtual time; `loss` applies to every reception on its own. */
class Air {
  now = 0;
  readonly nodes: Node[] = [];
  #events: { at: number; seq: number; run: () => void }[] = [];
  #seq = 0;
  readonly #random: Random;
  loss: number;

  constructor(options: { loss?: number; seed?: number } = {}) {
    this.loss = options.loss ?? 0;
    this.#random = seededRandom(options.seed ?? 1);
  }

  add(num: number): Node {
    const random = seededRandom(num * 7919);
    const node: Node = {
      num,
      server: new FileServer({ random, frameIntervalMs: () => INTERVAL, keyId: keyOf(num) }),
      fetcher: new FileFetcher({ random, frameIntervalMs: () => INTERVAL }),
      files: new Map(),
      stored: new Map(),
      blamed: [],
      bulkFrames: 0,
      controlFrames: 0,
      bytesOnAir: 0,
      linkUp: true,
      timer: { at: Infinity, generation: 0 },
    };
    node.server.resume(this.now);
    node.fetcher.resume(this.now);
    this.nodes.push(node);
    this.#schedulePump(node, 0);
    return node;
  }

  at(time: number, run: () => void): void {
    this.#events.push({ at: time, seq: this.#seq++, run });
  }

  /** Runs events until `done` holds or `limitMs` of virtual time passed; returns the time reached. */
  runUntil(done: () => boolean, limitMs = 6 * 3600_000): number {
    const end = this.now + limitMs;
    while (!done()) {
      this.#events.sort((a, b) => a.at - b.at || a.seq - b.seq);
      const next = this.#events[0];
      if (!next || next.at > end) break; // left queued: a later run goes on from here
      this.#events.shift();
      this.now = Math.max(this.now, next.at);
      next.run();
    }
    return this.now;
  }

  /** Unplugs or plugs back a node's radio: its cores pause or resume. */
  setLink(node: Node, up: boolean): void {
    node.linkUp = up;
    if (up) {
      node.server.resume(this.now);
      node.fetcher.resume(this.now);
    } else {
      node.server.pause(this.now);
      node.fetcher.pause(this.now);
    }
    this.settle(node);
  }

  /** After any input: drain the fetcher's effects and re-arm the cores' timers. */
  settle(node: Node): void {
    for (const effect of node.fetcher.takeEffects()) {
      if (effect.kind === 'send') this.#broadcast(node, effect.message, SHORT_AIRTIME);
      if (effect.kind === 'complete') {
        node.stored.set(effect.contentId, effect.bytes);
        node.fetcher.stored(effect.id, this.now);
      }
      if (effect.kind === 'blame') node.blamed.push(effect);
    }
    const at = Math.max(this.now, Math.min(node.fetcher.wakeAt() ?? Infinity, node.server.wakeAt() ?? Infinity));
    if (at === node.timer.at || at === Infinity) return;
    const generation = node.timer.generation + 1;
    node.timer = { at, generation };
    this.at(at, () => {
      if (node.timer.generation !== generation) return;
      node.timer = { at: Infinity, generation };
      node.fetcher.tick(this.now);
      node.server.tick(this.now);
      this.settle(node);
    });
  }

  /** A holder's radio: one manifest or chunk per frame interval, manifests first. */
  #schedulePump(node: Node, delay: number): void {
    this.at(this.now + delay, () => {
      if (node.linkUp) {
        const manifest = node.server.takeManifests(this.now)[0]?.manifest;
        const chunk = manifest ? undefined : node.server.sendingIds().map((id) => node.server.nextChunk(id, this.now)).find((c) => c !== undefined);
        const message = manifest ?? (chunk && node.corrupt ? { ...chunk, data: node.corrupt(chunk.data) } : chunk);
        if (message) {
          node.bulkFrames += 1;
          this.#broadcast(node, message, FULL_AIRTIME);
          this.settle(node);
          this.#schedulePump(node, INTERVAL);
          return;
        }
      }
      this.#schedulePump(node, INTERVAL / 5);
    });
  }

  #broadcast(from: Node, message: BuiltinMessage, airtime: number): void {
    if (!from.linkUp) return;
    const body = encodeBuiltinBody(message);
    from.bytesOnAir += 4 + 1 + body.length + (message.type === 'file-manifest' ? 78 - 1 : 0);
    if (message.type !== 'file-manifest' && message.type !== 'file-chunk') from.controlFrames += 1;
    for (const to of this.nodes) {
      if (to === from || this.#random() < this.loss) continue;
      this.at(this.now + airtime, () => this.#deliver(to, from, decodeBuiltinBody(message.type, body)));
    }
  }

  #deliver(node: Node, from: Node, decoded: ReturnType<typeof decodeBuiltinBody>): void {
    if (!node.linkUp || !('type' in decoded)) return;
    const now = this.now;
    switch (decoded.type) {
      case 'file-request': {
        const bytes = node.files.get(decoded.contentId);
        if (bytes && node.server.onRequest(decoded, from.num, now) === 'load') node.server.offer(decoded.contentId, bytes, now);
        break;
      }
      case 'file-manifest':
        node.server.onManifestHeard(decoded, keyOf(from.num));
        node.fetcher.onManifest(decoded, from.num, { keyId: keyOf(from.num), verified: true }, now);
        break;
      case 'file-chunk':
        node.fetcher.onChunk(decoded, from.num, now);
        break;
      case 'ack':
      case 'nack':
        node.server.onBitmap(decoded, from.num, now);
        break;
      default:
        break;
    }
    this.settle(node);
  }
}

const stateOf = (node: Node, id: string) => node.fetcher.views().find((view) => view.id === id)?.state;
const requestOn = (air: Air, node: Node, contentId: string, maxBytes?: number) => {
  const outcome = node.fetcher.request({ contentId, ...(maxBytes === undefined ? {} : { maxBytes }) }, air.now);
  if (!outcome.ok) throw new Error(outcome.message);
  air.settle(node);
  return outcome.id;
};

describe('transfer layout (hash tree)', () => {
  it('keeps the manifest to one frame by adding hash levels above one leaf hash per group of file chunks', () => {
    expect(CHUNKS_PER_LEAF_HASH).toBe(8);
    expect(MAX_CHUNK_DATA_BYTES).toBe(225);
    expect(hashTreeLevels(51_200, 225)).toEqual([2, 228]); // 29 leaf hashes in 2 tree chunks
    expect(hashTreeLevels(204_800, 225)).toEqual([5, 911]); // 114 leaf hashes in 5 tree chunks
    expect(hashTreeLevels(20_000, 225)).toEqual([89]); // 12 leaf hashes ride in the manifest
    expect(hashTreeLevels(22_000, 225)).toEqual([1, 98]);
    expect(planChunks(fileOf(20_000, 1)).topHashes).toHaveLength(12);
    expect(TransferLayout.of(0, MAX_CHUNK_DATA_BYTES)).toBeUndefined();
    expect(TransferLayout.of(1000, 8)).toBeUndefined();
  });

  it('checks every tree chunk and every group of file chunks, a shorter last group included, through its parent', () => {
    for (const size of [2_000, 60_000]) {
      const plan = planChunks(fileOf(size, 3));
      const layout = plan.layout;
      const chunkAt = (offset: number) => plan.chunks[offset];
      let units = 0;
      for (let offset = 0; offset < layout.total; units++) {
        const { first, count } = layout.unitOf(offset);
        expect(first).toBe(offset);
        expect(layout.matches(first, plan.chunks.slice(first, first + count), layout.expectedHash(first, plan.topHashes, chunkAt)!)).toBe(true);
        offset += count;
      }
      expect(units).toBe(layout.fileStart + layout.groups);
      // The last group holds what is left: 2,000 B are 9 chunks (8 + 1), 60,000 B 267 (33 x 8 + 3).
      const fileChunks = Math.ceil(size / MAX_CHUNK_DATA_BYTES);
      expect(layout.unitOf(layout.total - 1)).toEqual({ first: layout.total - (fileChunks % 8), count: fileChunks % 8 });
      expect(layout.lengthOf(layout.total - 1)).toBe(size - (fileChunks - 1) * MAX_CHUNK_DATA_BYTES);
    }
  });

  it('fails a group for one changed byte in one chunk, a chunk missing, or its bytes cut differently', () => {
    const plan = planChunks(fileOf(60_000, 4));
    const layout = plan.layout;
    const group = layout.unitOf(layout.fileStart + 19);
    expect(group).toEqual({ first: layout.fileStart + 16, count: 8 });
    const expected = layout.expectedHash(group.first, plan.topHashes, (offset) => plan.chunks[offset])!;
    const chunks = plan.chunks.slice(group.first, group.first + group.count);
    expect(layout.matches(group.first, chunks, expected)).toBe(true);
    const tampered = chunks.map((chunk, i) => (i === 3 ? Uint8Array.from(chunk, (byte, j) => (j === 10 ? byte ^ 1 : byte)) : chunk));
    expect(layout.matches(group.first, tampered, expected)).toBe(false);
    expect(layout.matches(group.first, chunks.slice(0, 7), expected)).toBe(false);
    const recut = [Uint8Array.from([...chunks[0]!, chunks[1]![0]!]), chunks[1]!.subarray(1), ...chunks.slice(2)];
    expect(layout.matches(group.first, recut, expected)).toBe(false);
    expect(layout.matches(group.first + 1, chunks.slice(1), expected)).toBe(false); // not where a group starts
    expect(layout.expectedHash(layout.fileStart, plan.topHashes, () => undefined)).toBeUndefined(); // parent not in yet
  });
});

describe('file transfer on virtual time', () => {
  it('moves a 50 KB file without loss with one request, one manifest, every chunk once and one ack', () => {
    const air = new Air();
    const [holder, asker] = [air.add(1), air.add(2)];
    const file = fileOf(51_200, 1);
    holder.files.set(idOf(file), file);
    const id = requestOn(air, asker, idOf(file));
    const end = air.runUntil(() => stateOf(asker, id) === 'done');
    air.runUntil(() => holder.server.views()[0]?.state === 'done', 60_000); // the final ack on its way
    expect(asker.stored.get(idOf(file))).toEqual(file);
    const total = TransferLayout.of(file.length, MAX_CHUNK_DATA_BYTES)!.total;
    expect(holder.bulkFrames).toBe(1 + total);
    expect(asker.controlFrames).toBe(2); // the request and the final ack
    const efficiency = file.length / (holder.bytesOnAir + asker.bytesOnAir);
    expect(efficiency).toBeGreaterThan(0.96);
    // About one frame interval per frame: no pause between request, manifest and chunks.
    expect(end).toBeLessThan((total + 3) * INTERVAL);
    expect(holder.server.views()[0]).toMatchObject({ direction: 'outgoing', state: 'done', chunksDone: total, bytesDone: file.length });
  });

  it('repairs 10 % random loss with few nacks, in close to the lossless time', () => {
    const air = new Air({ loss: 0.1, seed: 11 });
    const [holder, asker] = [air.add(1), air.add(2)];
    const file = fileOf(51_200, 2);
    holder.files.set(idOf(file), file);
    const id = requestOn(air, asker, idOf(file));
    const end = air.runUntil(() => stateOf(asker, id) === 'done');
    expect(asker.stored.get(idOf(file))).toEqual(file);
    const total = TransferLayout.of(file.length, MAX_CHUNK_DATA_BYTES)!.total;
    const ideal = (file.length / 231) * INTERVAL;
    expect(end / ideal).toBeLessThan(1.25);
    expect(holder.bulkFrames).toBeLessThan((total + 1) * 1.2); // each loss re-sent about once
    expect(asker.controlFrames).toBeLessThan(16);
  });

  it('serves several receivers of the same file with one broadcast, merging their nacks', () => {
    const air = new Air({ loss: 0.1, seed: 5 });
    const holder = air.add(1);
    const askers = [air.add(2), air.add(3), air.add(4), air.add(5)];
    const file = fileOf(20_000, 3);
    holder.files.set(idOf(file), file);
    const ids = askers.map((asker) => requestOn(air, asker, idOf(file)));
    air.runUntil(() => askers.every((asker, i) => stateOf(asker, ids[i]!) === 'done'));
    for (const asker of askers) expect(asker.stored.get(idOf(file))).toEqual(file);
    const total = TransferLayout.of(file.length, MAX_CHUNK_DATA_BYTES)!.total;
    expect(holder.server.views()).toHaveLength(1);
    expect(holder.server.views()[0]!.peers).toHaveLength(4);
    // Four receivers, each losing 10 %: far fewer frames than four transfers would take.
    expect(holder.bulkFrames).toBeLessThan(1.6 * total);
  });

  it('lets one holder serve: the others stay quiet, or stop after their manifest', () => {
    for (const seed of [1, 2, 3, 4]) {
      const air = new Air({ seed });
      const holders = [air.add(10 + seed), air.add(20 + seed), air.add(30 + seed)];
      const asker = air.add(2);
      const file = fileOf(20_000, 4);
      for (const holder of holders) holder.files.set(idOf(file), file);
      const id = requestOn(air, asker, idOf(file));
      air.runUntil(() => stateOf(asker, id) === 'done');
      const frames = holders.map((holder) => holder.bulkFrames).sort((a, b) => b - a);
      expect(frames[0]).toBe(1 + TransferLayout.of(file.length, MAX_CHUNK_DATA_BYTES)!.total);
      expect(frames[1]! + frames[2]!).toBeLessThanOrEqual(2);
    }
  });

  it('catches a holder whose chunks fail their hash, blames it and completes from an honest one', () => {
    const air = new Air();
    const [liar, honest, asker] = [air.add(1), air.add(3), air.add(2)];
    const file = fileOf(30_000, 5);
    liar.files.set(idOf(file), file);
    liar.corrupt = (data) => Uint8Array.from(data, (byte, i) => (i === 0 ? byte ^ 0xff : byte));
    const id = requestOn(air, asker, idOf(file));
    air.runUntil(() => asker.blamed.length > 0);
    expect(asker.blamed[0]).toMatchObject({ node: liar.num, keyId: keyOf(liar.num), verified: true });
    honest.files.set(idOf(file), file); // a holder within reach now
    air.runUntil(() => stateOf(asker, id) === 'done');
    expect(asker.stored.get(idOf(file))).toEqual(file);
    const view = asker.fetcher.views()[0]!;
    expect(view.badPeers).toEqual([keyOf(liar.num)]);
    expect(view.peers).toEqual([keyOf(honest.num)]);
    // The liar was asked to stand aside and did.
    expect(liar.server.views().filter((v) => v.state === 'sending')).toEqual([]);
  });

  it('catches one corrupted chunk once its group is in, keeps the groups before it and refetches the group from an honest holder', () => {
    const air = new Air();
    const [liar, honest, asker] = [air.add(1), air.add(3), air.add(2)];
    const file = fileOf(30_000, 16);
    const plan = planChunks(file);
    const layout = plan.layout;
    const bad = layout.unitOf(layout.fileStart + 5 * CHUNKS_PER_LEAF_HASH + 2); // third chunk of the sixth group
    const target = plan.chunks[bad.first + 2]!;
    liar.files.set(idOf(file), file);
    liar.corrupt = (data) => (equalBytes(data, target) ? Uint8Array.from(data, (byte, i) => (i === 100 ? byte ^ 1 : byte)) : data);
    const id = requestOn(air, asker, idOf(file));
    air.runUntil(() => asker.blamed.length > 0);
    expect(asker.blamed).toEqual([expect.objectContaining({ node: liar.num, keyId: keyOf(liar.num), verified: true })]);
    // Caught when the group's last chunk came, not before; the groups before it stay, the whole group goes.
    expect(liar.bulkFrames).toBe(1 + bad.first + bad.count);
    expect(asker.fetcher.views()[0]!.chunksDone).toBe(bad.first);

    honest.files.set(idOf(file), file);
    air.runUntil(() => stateOf(asker, id) === 'done');
    expect(asker.stored.get(idOf(file))).toEqual(file);
    expect(honest.bulkFrames).toBe(1 + layout.total - bad.first); // the group again, and the rest
    expect(asker.blamed).toHaveLength(1);
    expect(asker.fetcher.views()[0]).toMatchObject({ badPeers: [keyOf(liar.num)], peers: [keyOf(honest.num)] });
  });

  it('blames no honest holder for a group it shared with a liar: the group comes again from one holder, which answers for it', () => {
    const air = new Air();
    const [honest, liar, asker] = [air.add(1), air.add(3), air.add(2)];
    const file = fileOf(30_000, 17);
    const layout = TransferLayout.of(file.length, MAX_CHUNK_DATA_BYTES)!;
    honest.files.set(idOf(file), file);
    const id = requestOn(air, asker, idOf(file));
    // The honest holder goes away halfway through a group; a liar with the same tree takes over.
    air.runUntil(() => (asker.fetcher.views()[0]?.chunksDone ?? 0) >= layout.fileStart + 3 * CHUNKS_PER_LEAF_HASH + 4);
    air.setLink(honest, false);
    liar.files.set(idOf(file), file);
    liar.corrupt = (data) => Uint8Array.from(data, (byte, i) => (i === 0 ? byte ^ 0xff : byte));
    air.runUntil(() => asker.blamed.length > 0);
    expect(asker.blamed.map((effect) => effect.node)).toEqual([liar.num]);
    // Its lies in the shared group went without blame; the next group was its own.
    expect(liar.bulkFrames).toBe(1 + 4 + CHUNKS_PER_LEAF_HASH);

    air.setLink(honest, true);
    air.runUntil(() => stateOf(asker, id) === 'done');
    expect(asker.stored.get(idOf(file))).toEqual(file);
    expect(asker.blamed).toHaveLength(1);
    expect(asker.fetcher.views()[0]!.badPeers).toEqual([keyOf(liar.num)]);
  });

  it('moves a file whose last group and last chunk are short under loss, and catches a lie in that last group', () => {
    const air = new Air({ loss: 0.1, seed: 3 });
    const [liar, honest, asker] = [air.add(1), air.add(3), air.add(2)];
    const file = fileOf(89 * 225 + 64, 18); // 90 chunks: 11 groups of 8, then 2; the last chunk 64 bytes
    const plan = planChunks(file);
    const last = plan.chunks[plan.chunks.length - 1]!;
    expect(plan.layout.unitOf(plan.layout.total - 1).count).toBe(2);
    expect(last).toHaveLength(64);
    liar.files.set(idOf(file), file);
    liar.corrupt = (data) => (equalBytes(data, last) ? Uint8Array.from(data, (byte) => byte ^ 1) : data);
    const id = requestOn(air, asker, idOf(file));
    air.runUntil(() => asker.blamed.length > 0);
    expect(asker.blamed.map((effect) => effect.node)).toEqual([liar.num]);
    expect(stateOf(asker, id)).toBe('requesting');
    honest.files.set(idOf(file), file);
    air.runUntil(() => stateOf(asker, id) === 'done');
    expect(asker.stored.get(idOf(file))).toEqual(file);
    expect(asker.blamed).toHaveLength(1);
  });

  it('refuses a file whose chunks match a lying tree but not the content id, and blames the signer', () => {
    const air = new Air();
    const [liar, asker] = [air.add(1), air.add(2)];
    const file = fileOf(8_000, 6);
    const other = fileOf(8_000, 7);
    liar.files.set(idOf(file), other); // a consistent lie: the manifest vouches for the wrong bytes
    const id = requestOn(air, asker, idOf(file));
    air.runUntil(() => asker.blamed.length > 0);
    expect(asker.blamed[0]).toMatchObject({ keyId: keyOf(liar.num) });
    expect(asker.stored.size).toBe(0);
    expect(stateOf(asker, id)).toBe('requesting');
  });

  it('cancels: the holder is told to stop and nothing more is sent', () => {
    const air = new Air();
    const [holder, asker] = [air.add(1), air.add(2)];
    const file = fileOf(30_000, 8);
    holder.files.set(idOf(file), file);
    const id = requestOn(air, asker, idOf(file));
    air.runUntil(() => (asker.fetcher.views()[0]?.chunksDone ?? 0) >= 20);
    expect(asker.fetcher.cancel(id, air.now)).toBe(true);
    air.settle(asker);
    const framesAtCancel = holder.bulkFrames;
    air.runUntil(() => false, 10 * 60_000);
    expect(stateOf(asker, id)).toBe('cancelled');
    expect(holder.bulkFrames - framesAtCancel).toBeLessThanOrEqual(2); // frames already on their way
    expect(holder.server.views()[0]!.state).not.toBe('sending');
    expect(asker.fetcher.cancel(id, air.now)).toBe(false);
  });

  it('pauses while its radio is away and finishes after it returns', () => {
    const air = new Air();
    const [holder, asker] = [air.add(1), air.add(2)];
    const file = fileOf(20_000, 9);
    holder.files.set(idOf(file), file);
    const id = requestOn(air, asker, idOf(file));
    air.runUntil(() => (asker.fetcher.views()[0]?.chunksDone ?? 0) >= 30);
    air.setLink(asker, false);
    expect(stateOf(asker, id)).toBe('paused');
    air.runUntil(() => false, 5 * 60_000);
    air.setLink(asker, true);
    air.runUntil(() => stateOf(asker, id) === 'done');
    expect(asker.stored.get(idOf(file))).toEqual(file);
  });

  it('resumes from its saved state in a new fetcher, keeping the verified chunks and those of a group still partial', () => {
    const air = new Air();
    const [holder, other, asker] = [air.add(1), air.add(3), air.add(2)];
    const file = fileOf(40_000, 10);
    const layout = TransferLayout.of(file.length, MAX_CHUNK_DATA_BYTES)!;
    holder.files.set(idOf(file), file);
    const id = requestOn(air, asker, idOf(file));
    // Three chunks into a group: they wait for the rest of it, unchecked.
    const had = layout.fileStart + 12 * CHUNKS_PER_LEAF_HASH + 3;
    air.runUntil(() => (asker.fetcher.views()[0]?.chunksDone ?? 0) >= had);
    const saved = JSON.parse(JSON.stringify(asker.fetcher.snapshot(id)));
    expect(saved.chunks).toHaveLength(had);
    expect(asker.fetcher.views()[0]!.bytesDone).toBe(12 * CHUNKS_PER_LEAF_HASH * MAX_CHUNK_DATA_BYTES); // checked file bytes only

    // The app restarts, and another holder is the one in reach now.
    air.setLink(holder, false);
    const restarted = new FileFetcher({ random: seededRandom(99), frameIntervalMs: () => INTERVAL });
    Object.assign(asker, { fetcher: restarted });
    restarted.resume(air.now);
    expect(restarted.restore(saved, air.now)).toEqual({ ok: true, id });
    expect(restarted.views()[0]).toMatchObject({ chunksDone: had, state: 'requesting' });
    other.files.set(idOf(file), file);
    air.settle(asker);
    air.runUntil(() => stateOf(asker, id) === 'done');
    expect(asker.stored.get(idOf(file))).toEqual(file);
    // The partial group is completed from the other holder, and checked: nothing here is sent twice.
    expect(other.bulkFrames).toBe(1 + layout.total - had);
  });

  it('drops saved chunks that no longer match (a whole group when one of its chunks changed), and refuses saved state that is not one', () => {
    const air = new Air();
    const [holder, asker] = [air.add(1), air.add(2)];
    const file = fileOf(10_000, 12); // 45 chunks in 6 groups, hashed straight into the manifest
    holder.files.set(idOf(file), file);
    const id = requestOn(air, asker, idOf(file));
    air.runUntil(() => (asker.fetcher.views()[0]?.chunksDone ?? 0) >= 20);
    const saved = asker.fetcher.snapshot(id)!;
    expect(saved.chunks.map((chunk) => chunk.offset)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    const flipped = (data: string) => Buffer.from(Buffer.from(data, 'base64').map((byte, i) => (i === 0 ? byte ^ 1 : byte))).toString('base64');
    const damaged = {
      ...saved,
      chunks: saved.chunks.map((chunk) => (chunk.offset === 3 ? { ...chunk, data: flipped(chunk.data) } : chunk.offset === 9 ? { ...chunk, data: Buffer.from('damaged').toString('base64') } : chunk)),
    };
    const fetcher = new FileFetcher({ random: seededRandom(1), frameIntervalMs: () => INTERVAL });
    expect(fetcher.restore(damaged, air.now).ok).toBe(true);
    // Chunk 3 changed: its group (0-7) fails and goes whole, blaming no one. Chunk 9 has the wrong
    // length: it goes alone, and the rest of its group waits for it.
    expect(fetcher.views()[0]).toMatchObject({ chunksDone: 20 - 8 - 1, badPeers: [] });
    expect(fetcher.takeEffects().filter((effect) => effect.kind === 'blame')).toEqual([]);
    for (const garbage of [null, 'x', { ...saved, version: 1 }, { ...saved, id: '../etc' }, { ...saved, contentId: 'nope' }, { ...saved, tree: { ...saved.tree!, size: 1 } }]) {
      expect(new FileFetcher({ random: seededRandom(1), frameIntervalMs: () => INTERVAL }).restore(garbage, air.now).ok).toBe(false);
    }
  });

  it('fails after long silence, and a failed transfer can be resumed', () => {
    const air = new Air();
    const asker = air.add(2);
    const file = fileOf(3_000, 13);
    const id = requestOn(air, asker, idOf(file));
    air.runUntil(() => stateOf(asker, id) === 'failed', 3 * 3600_000);
    expect(asker.fetcher.views()[0]!.error).toMatch(/No holder/);
    expect(asker.fetcher.retry(id, air.now)).toBe(true);
    air.settle(asker);
    const holder = air.add(1);
    holder.files.set(idOf(file), file);
    air.runUntil(() => stateOf(asker, id) === 'done');
    expect(asker.stored.get(idOf(file))).toEqual(file);
  });

  it('asks again a frame after its request when it hears chunks it cannot place (the manifest was lost), then backs off', () => {
    const fetcher = new FileFetcher({ random: seededRandom(1), frameIntervalMs: () => INTERVAL });
    fetcher.resume(0);
    const file = fileOf(3_000, 14);
    expect(fetcher.request({ contentId: idOf(file) }, 0).ok).toBe(true);
    const requests = () => fetcher.takeEffects().filter((effect) => effect.kind === 'send' && effect.message.type === 'file-request').length;
    expect(requests()).toBe(1);
    const chunk = { type: 'file-chunk', position: 100, endOfRound: false, data: new Uint8Array(MAX_CHUNK_DATA_BYTES) } as const;
    fetcher.onChunk(chunk, 1, INTERVAL / 2); // too soon to be an answer to our request
    expect(requests()).toBe(0);
    fetcher.onChunk(chunk, 1, INTERVAL);
    expect(requests()).toBe(1);
    fetcher.onChunk(chunk, 1, 2 * INTERVAL); // the next waits two frames, as a stranger's chunks may go on
    expect(requests()).toBe(0);
    fetcher.onChunk(chunk, 1, 3 * INTERVAL);
    expect(requests()).toBe(1);
  });

  it('refuses bad requests and respects the size limit', () => {
    const fetcher = new FileFetcher({ random: seededRandom(1), frameIntervalMs: () => INTERVAL });
    expect(fetcher.request({ contentId: 'not-an-id' }, 0)).toMatchObject({ ok: false, reason: 'bad_content_id' });
    expect(fetcher.request({ contentId: idOf(fileOf(10, 1)), maxBytes: 300 * 1024 }, 0)).toMatchObject({ ok: false, reason: 'bad_max_bytes' });
    const air = new Air();
    const [holder, asker] = [air.add(1), air.add(2)];
    const file = fileOf(6_000, 14);
    holder.files.set(idOf(file), file);
    const id = requestOn(air, asker, idOf(file), 5_000);
    air.runUntil(() => false, 5 * 60_000);
    expect(stateOf(asker, id)).toBe('requesting');
    expect(holder.bulkFrames).toBe(0); // the holder does not offer what is too large
  });

  it('takes garbage without throwing or losing its way', () => {
    const air = new Air();
    const [holder, asker] = [air.add(1), air.add(2)];
    const file = fileOf(12_000, 15);
    holder.files.set(idOf(file), file);
    const id = requestOn(air, asker, idOf(file));
    air.runUntil(() => (asker.fetcher.views()[0]?.chunksDone ?? 0) >= 5);
    const random = seededRandom(77);
    const bytes = (n: number) => Uint8Array.from({ length: n }, () => Math.floor(random() * 256));
    for (let i = 0; i < 2000; i++) {
      const from = [1, 9, 0xffffffff][i % 3]!;
      const body = bytes(Math.floor(random() * 230));
      const types = Object.keys(BUILTIN_CODES) as BuiltinMessage['type'][];
      const decoded = decodeBuiltinBody(types[Math.floor(random() * types.length)]!, body);
      if (!('type' in decoded)) continue;
      // Straight into the cores: a stranger's frames, and the holder's with random positions.
      if (decoded.type === 'file-chunk') asker.fetcher.onChunk(decoded, from === 1 ? 9 : from, air.now);
      if (decoded.type === 'ack' || decoded.type === 'nack') holder.server.onBitmap(decoded, from, air.now);
      if (decoded.type === 'file-manifest') asker.fetcher.onManifest(decoded, from === 1 ? 9 : from, { keyId: keyOf(from), verified: false }, air.now);
    }
    air.settle(asker);
    air.runUntil(() => stateOf(asker, id) === 'done');
    expect(asker.stored.get(idOf(file))).toEqual(file);
  });
});
