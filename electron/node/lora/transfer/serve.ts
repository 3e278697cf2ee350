// The serving side of a LoRa file transfer: answers requests for files this node holds with a
// signed manifest, then broadcasts the chunks in rounds. Every receiver of a transfer is tracked:
// a chunk goes (again) when some receiver lacks it and reported so after it last went, so the
// NACKs of several receivers merge and one broadcast serves them all. A holder that hears another
// answer first stays quiet. Pure: time is passed in, randomness injected; the caller loads files,
// signs and sends manifests, and pulls chunks at the pace of its airtime budget.
import { RAW_CODEC, contentIdBytes, type ContentId } from '../../storage/content-id.ts';
import { CHUNK_POSITIONS, DEFAULT_MAX_FILE_BYTES, MAX_FILE_BYTES, fitManifestName, type ChunkBitmapMessage, type FileChunkMessage, type FileManifestMessage, type FileRequestMessage } from '../messages.ts';
import type { KeyId } from '../wire.ts';
import { offsetOf, planChunks, positionOf, type ChunkPlan } from './layout.ts';
import { FINISHED_SHOWN, nodeIdOf, type TransferView } from './view.ts';

export type ServerOptions = {
  readonly random: () => number;
  /** Radio time one full frame takes at our pace (its airtime over our channel share); follows the preset. */
  readonly frameIntervalMs: () => number;
  /** Our signing key: a request that excludes it is not ours to answer. */
  readonly keyId: KeyId;
  /** Transfers served (or about to be) at once. */
  readonly maxTransfers?: number;
};

/** `load`: read the file and call offer() (or unavailable()); the others need nothing. */
export type RequestDecision = 'load' | 'joined' | 'ignored';

type Receiver = {
  /** Relays between it and us, as its request or nack arrived (0: a radio neighbour). */
  hops: number;
  /** Send count when it asked: every chunk sent before then is due to it. */
  joinedAt: number;
  /** Send count when it last reported a chunk missing. */
  readonly nackedAt: Map<number, number>;
  readonly held: Set<number>;
  done: boolean;
};

type Pending = {
  readonly contentId: ContentId;
  /** Requesting radios, the size each accepts and the relays between it and us. */
  readonly requesters: Map<number, { maxBytes: number; hops: number }>;
  readonly excluded: Set<KeyId>;
  readonly answerAt: number;
  readonly loadBy: number;
  plan?: ChunkPlan;
  description?: FileDescription;
};

/** What the holder calls a file, carried in its manifest. */
export type FileDescription = { readonly name?: string; readonly mediaType?: string };

type Outgoing = {
  readonly id: string;
  readonly transferId: number;
  readonly contentId: ContentId;
  readonly firstPosition: number;
  readonly size: number;
  readonly total: number;
  readonly manifest: FileManifestMessage;
  /** The chunks in offset order; emptied when the transfer ends. */
  chunks: readonly Uint8Array[];
  readonly fileLengths: (offset: number) => number;
  state: 'sending' | 'paused' | 'done' | 'failed' | 'cancelled';
  readonly startedAt: number;
  updatedAt: number;
  error: string | null;
  readonly receivers: Map<number, Receiver>;
  /** Send count at which each chunk last went (-1: never). */
  readonly sentAt: Int32Array;
  sends: number;
  /** Where the current round goes on: chunks go in offset order, a round wraps to the start. */
  cursor: number;
  lastSent: number;
  manifestDue: boolean;
  lastActivityAt: number;
  probes: number;
  probeDue: boolean;
};

/**
 * Holders answer at a random time within this many frame intervals, so that often one answers and
 * the others hear it and stay quiet (a manifest is on air for ~40 % of an interval); when two
 * answer anyway, the receiver stops the second with an ack. Each relay between the asker and a
 * holder puts its window one further back, so the nearest holder (the least airtime) answers first.
 */
const ANSWER_WINDOW_FRAMES = 1;
/** Reading a file from the store takes far less; past this the request is dropped. */
const LOAD_TIMEOUT_MS = 60_000;
/** Idle with receivers that have not confirmed: re-send the last chunk (flagged) to draw a nack or ack. */
const PROBE_AFTER_FRAMES = 4;
const MAX_PROBES = 3;
const POSITION_TRIES = 64;
/** Receivers one transfer tracks: nacks are unsigned, so strangers' cannot grow it without bound. */
const MAX_RECEIVERS = 32;

export class FileServer {
  readonly #random: () => number;
  readonly #intervalMs: () => number;
  readonly #keyId: KeyId;
  readonly #maxTransfers: number;
  readonly #pending = new Map<ContentId, Pending>();
  readonly #transfers = new Map<string, Outgoing>();
  #nextPosition: number;
  #linkUp = false;

  constructor(options: ServerOptions) {
    this.#random = options.random;
    this.#intervalMs = options.frameIntervalMs;
    this.#keyId = options.keyId;
    this.#maxTransfers = options.maxTransfers ?? 4;
    // A restarted node starts elsewhere in its ring, so old receivers rarely mistake new chunks for theirs.
    this.#nextPosition = Math.floor(this.#random() * CHUNK_POSITIONS);
  }

  /** A request for a file this node holds; `hops`: relays it crossed to reach us. */
  onRequest(request: FileRequestMessage, from: number, now: number, hops = 0): RequestDecision {
    // A bigger file's id names its root node, not its bytes: receivers could not check it.
    if (request.excluded?.includes(this.#keyId) || contentIdBytes(request.contentId)[1] !== RAW_CODEC) return 'ignored';
    const maxBytes = request.maxBytes ?? DEFAULT_MAX_FILE_BYTES;
    const serving = this.#servingOf(request.contentId);
    if (serving) {
      if (serving.size > maxBytes) return 'ignored';
      const receiver = serving.receivers.get(from);
      if (!receiver && serving.receivers.size >= MAX_RECEIVERS) return 'ignored';
      if (receiver) {
        // Asked again: it lost the manifest or restarted; what it holds it will ack.
        receiver.hops = hops;
        receiver.joinedAt = serving.sends;
        receiver.nackedAt.clear();
        receiver.held.clear();
        receiver.done = false;
      } else {
        serving.receivers.set(from, newReceiver(serving.sends, hops));
      }
      serving.manifestDue = true;
      serving.updatedAt = now;
      return 'joined';
    }
    const pending = this.#pending.get(request.contentId);
    if (pending) {
      pending.requesters.set(from, { maxBytes, hops });
      request.excluded?.forEach((keyId) => pending.excluded.add(keyId));
      return 'joined';
    }
    if (this.#activeCount() >= this.#maxTransfers) return 'ignored';
    this.#pending.set(request.contentId, {
      contentId: request.contentId,
      requesters: new Map([[from, { maxBytes, hops }]]),
      excluded: new Set(request.excluded),
      answerAt: now + (hops + this.#random()) * ANSWER_WINDOW_FRAMES * this.#intervalMs(),
      loadBy: now + LOAD_TIMEOUT_MS,
    });
    return 'load';
  }

  /** The file asked for, read from the store (its id already checked by the store), with its name if known. */
  offer(contentId: ContentId, bytes: Uint8Array, now: number, description: FileDescription = {}): void {
    const pending = this.#pending.get(contentId);
    if (!pending) return;
    for (const [node, { maxBytes }] of pending.requesters) if (bytes.length > maxBytes) pending.requesters.delete(node);
    if (bytes.length === 0 || bytes.length > MAX_FILE_BYTES || pending.requesters.size === 0) {
      this.#pending.delete(contentId);
      return;
    }
    pending.plan = planChunks(bytes);
    pending.description = description;
    if (pending.answerAt <= now) this.#answer(pending, now);
  }

  unavailable(contentId: ContentId): void {
    this.#pending.delete(contentId);
  }

  /** Another holder answered a request we were about to answer: it serves, we stay quiet. */
  onManifestHeard(manifest: FileManifestMessage, signer: KeyId): void {
    const pending = this.#pending.get(manifest.contentId);
    if (pending && !pending.excluded.has(signer)) this.#pending.delete(manifest.contentId);
  }

  /** `hops`: relays the bitmap crossed to reach us. */
  onBitmap(message: ChunkBitmapMessage, from: number, now: number, hops = 0): void {
    const transfer = [...this.#transfers.values()].find((t) => t.transferId === message.transferId && (t.state === 'sending' || t.state === 'paused'));
    if (!transfer) return;
    let receiver = transfer.receivers.get(from);
    if (!receiver) {
      // It overheard our manifest and joined on its own: it needs what it says it misses.
      if (message.type === 'ack' || transfer.receivers.size >= MAX_RECEIVERS) return;
      receiver = newReceiver(-1, hops);
      transfer.receivers.set(from, receiver);
    }
    receiver.hops = hops;
    for (const offset of message.chunks) {
      if (offset >= transfer.total) continue;
      if (message.type === 'nack') {
        receiver.nackedAt.set(offset, transfer.sends);
        receiver.held.delete(offset);
      } else {
        receiver.held.add(offset);
      }
    }
    // An ack of no chunks: it has them all, or wants no more.
    if (receiver.held.size >= transfer.total || (message.type === 'ack' && message.chunks.length === 0)) receiver.done = true;
    // An empty nack: a receiver heard nothing for a while. If we are idle, our last chunk (which
    // ended the round) was lost; sending it again lets the receiver report what it misses.
    if (message.type === 'nack' && message.chunks.length === 0 && transfer.lastSent >= 0 && this.#nextDue(transfer) === undefined) transfer.probeDue = true;
    transfer.lastActivityAt = now;
    transfer.probes = 0;
    transfer.updatedAt = now;
    if ([...transfer.receivers.values()].every((r) => r.done)) this.#end(transfer, 'done', null, now);
  }

  /** Manifests to sign and send now (new transfers, or again for a receiver that joined), with the relays each must cross. */
  takeManifests(now: number): { manifest: FileManifestMessage; hopLimit: number }[] {
    const due: { manifest: FileManifestMessage; hopLimit: number }[] = [];
    for (const transfer of this.#transfers.values()) {
      if (transfer.state !== 'sending' || !transfer.manifestDue) continue;
      transfer.manifestDue = false;
      transfer.lastActivityAt = now;
      due.push({ manifest: transfer.manifest, hopLimit: farthest(transfer) });
    }
    return due;
  }

  /**
   * Relays a transfer's manifest and chunks must cross: enough for its farthest receiver still
   * waiting, no more (each relay sends every chunk again).
   */
  hopLimitOf(id: string): number {
    const transfer = this.#transfers.get(id);
    return transfer ? farthest(transfer) : 0;
  }

  /** Transfers that may have chunks to send. */
  sendingIds(): string[] {
    return [...this.#transfers.values()].filter((t) => t.state === 'sending').map((t) => t.id);
  }

  /** The next chunk of a transfer to put on air, if any is due (its manifest goes first). */
  nextChunk(id: string, now: number): FileChunkMessage | undefined {
    const transfer = this.#transfers.get(id);
    if (!transfer || transfer.state !== 'sending' || transfer.manifestDue) return undefined;
    let offset = this.#nextDue(transfer);
    if (transfer.probeDue) {
      transfer.probeDue = false;
      offset ??= transfer.lastSent;
    }
    if (offset === undefined || offset < 0) return undefined;
    transfer.sentAt[offset] = transfer.sends++;
    transfer.cursor = offset + 1;
    transfer.lastSent = offset;
    transfer.lastActivityAt = now;
    transfer.updatedAt = now;
    const endOfRound = this.#nextDue(transfer) === undefined;
    return { type: 'file-chunk', position: positionOf(transfer.firstPosition, offset), endOfRound, data: transfer.chunks[offset]! };
  }

  tick(now: number): void {
    for (const pending of [...this.#pending.values()]) {
      if (pending.plan && pending.answerAt <= now) this.#answer(pending, now);
      else if (!pending.plan && pending.loadBy <= now) this.#pending.delete(pending.contentId);
    }
    for (const transfer of this.#transfers.values()) {
      const at = this.#probeAt(transfer);
      if (at === undefined || at > now) continue;
      if (transfer.probes < MAX_PROBES) {
        transfer.probes += 1;
        transfer.probeDue = true;
        transfer.lastActivityAt = now;
      } else {
        this.#end(transfer, 'failed', 'The receiver went quiet before confirming it has the file; it can ask again to resume.', now);
      }
    }
  }

  wakeAt(): number | undefined {
    const times: number[] = [];
    for (const pending of this.#pending.values()) times.push(pending.plan ? pending.answerAt : pending.loadBy);
    for (const transfer of this.#transfers.values()) {
      const at = this.#probeAt(transfer);
      if (at !== undefined) times.push(at);
    }
    return times.length > 0 ? Math.min(...times) : undefined;
  }

  pause(now: number): void {
    this.#linkUp = false;
    for (const transfer of this.#transfers.values()) {
      if (transfer.state !== 'sending') continue;
      transfer.state = 'paused';
      transfer.updatedAt = now;
    }
  }

  resume(now: number): void {
    this.#linkUp = true;
    for (const transfer of this.#transfers.values()) {
      if (transfer.state !== 'paused') continue;
      transfer.state = 'sending';
      transfer.lastActivityAt = now;
      transfer.updatedAt = now;
    }
  }

  cancel(id: string, now: number): boolean {
    const transfer = this.#transfers.get(id);
    if (!transfer || (transfer.state !== 'sending' && transfer.state !== 'paused')) return false;
    this.#end(transfer, 'cancelled', null, now);
    return true;
  }

  views(): TransferView[] {
    return [...this.#transfers.values()].map((transfer) => this.#view(transfer));
  }

  // ---- internals ----

  #answer(pending: Pending, now: number): void {
    this.#pending.delete(pending.contentId);
    const plan = pending.plan!;
    const layout = plan.layout;
    let transferId: number;
    do transferId = Math.floor(this.#random() * 2 ** 32);
    while ([...this.#transfers.values()].some((t) => t.transferId === transferId));
    const firstPosition = this.#allocatePositions(layout.total);
    const { name, mediaType } = pending.description ?? {};
    // The name is cut to keep the manifest one frame where it can (see fitManifestName).
    const description = { ...(name ? { name: fitManifestName(name, plan.topHashes.length) } : {}), ...(mediaType ? { mediaType } : {}) };
    const id = `out-${transferId.toString(16).padStart(8, '0')}`;
    this.#transfers.set(id, {
      id,
      transferId,
      contentId: pending.contentId,
      firstPosition,
      size: layout.size,
      total: layout.total,
      manifest: { type: 'file-manifest', transferId, contentId: pending.contentId, size: layout.size, chunkSize: layout.chunkSize, firstPosition, topHashes: plan.topHashes, ...description },
      chunks: plan.chunks,
      fileLengths: (offset) => (layout.isFileChunk(offset) ? layout.lengthOf(offset) : 0),
      state: this.#linkUp ? 'sending' : 'paused',
      startedAt: now,
      updatedAt: now,
      error: null,
      receivers: new Map([...pending.requesters].map(([node, { hops }]) => [node, newReceiver(0, hops)])),
      sentAt: new Int32Array(layout.total).fill(-1),
      sends: 0,
      cursor: 0,
      lastSent: -1,
      manifestDue: true,
      lastActivityAt: now,
      probes: 0,
      probeDue: false,
    });
    this.#trimFinished();
  }

  #due(transfer: Outgoing, offset: number): boolean {
    const sentAt = transfer.sentAt[offset]!;
    for (const receiver of transfer.receivers.values()) {
      if (receiver.done || receiver.held.has(offset)) continue;
      if ((receiver.nackedAt.get(offset) ?? receiver.joinedAt) > sentAt) return true;
    }
    return false;
  }

  /** The first due chunk from the cursor on, wrapping to the start (a new round). */
  #nextDue(transfer: Outgoing): number | undefined {
    for (let step = 0; step < transfer.total; step++) {
      const offset = (transfer.cursor + step) % transfer.total;
      if (this.#due(transfer, offset)) return offset;
    }
    return undefined;
  }

  #probeAt(transfer: Outgoing): number | undefined {
    if (transfer.state !== 'sending' || transfer.probeDue || transfer.manifestDue || this.#nextDue(transfer) !== undefined) return undefined;
    return transfer.lastActivityAt + PROBE_AFTER_FRAMES * this.#intervalMs() * 2 ** transfer.probes;
  }

  /** A run of ring positions no live transfer of ours uses. */
  #allocatePositions(total: number): number {
    let first = this.#nextPosition;
    for (let tries = 0; tries < POSITION_TRIES; tries++) {
      const clash = [...this.#transfers.values()].find(
        (t) => (t.state === 'sending' || t.state === 'paused') && (offsetOf(first, t.firstPosition) < total || offsetOf(t.firstPosition, first) < t.total),
      );
      if (!clash) break;
      first = positionOf(clash.firstPosition, clash.total);
    }
    this.#nextPosition = positionOf(first, total);
    return first;
  }

  #servingOf(contentId: ContentId): Outgoing | undefined {
    return [...this.#transfers.values()].find((t) => t.contentId === contentId && (t.state === 'sending' || t.state === 'paused'));
  }

  #activeCount(): number {
    return this.#pending.size + [...this.#transfers.values()].filter((t) => t.state === 'sending' || t.state === 'paused').length;
  }

  #end(transfer: Outgoing, state: 'done' | 'failed' | 'cancelled', error: string | null, now: number): void {
    transfer.state = state;
    transfer.error = error;
    transfer.updatedAt = now;
    transfer.chunks = [];
    this.#trimFinished();
  }

  #trimFinished(): void {
    const finished = [...this.#transfers.values()].filter((t) => t.state === 'done' || t.state === 'failed' || t.state === 'cancelled');
    for (const t of finished.slice(0, Math.max(0, finished.length - FINISHED_SHOWN))) this.#transfers.delete(t.id);
  }

  #view(transfer: Outgoing): TransferView {
    // What some receiver still lacks; for an ended transfer, what it lacked at the end.
    let left = 0;
    let bytesLeft = 0;
    for (let offset = 0; offset < transfer.total; offset++) {
      if (!this.#due(transfer, offset)) continue;
      left += 1;
      bytesLeft += transfer.fileLengths(offset);
    }
    return {
      id: transfer.id,
      contentId: transfer.contentId,
      direction: 'outgoing',
      state: transfer.state,
      size: transfer.size,
      chunksDone: transfer.total - left,
      chunksTotal: transfer.total,
      bytesDone: transfer.size - bytesLeft,
      etaMs: transfer.state === 'sending' ? left * this.#intervalMs() : null,
      peers: [...transfer.receivers.keys()].map(nodeIdOf),
      name: transfer.manifest.name ?? null,
      mediaType: transfer.manifest.mediaType ?? null,
      airtimeMs: null,
      hopLimit: farthest(transfer),
      hops: farthest(transfer) + 1,
      unansweredMs: null,
      badPeers: [],
      error: transfer.error,
      startedAt: transfer.startedAt,
      updatedAt: transfer.updatedAt,
    };
  }
}

function newReceiver(joinedAt: number, hops: number): Receiver {
  return { hops, joinedAt, nackedAt: new Map(), held: new Set(), done: false };
}

/** Relays to the farthest receiver still waiting (all of them, once none is). */
function farthest(transfer: Outgoing): number {
  const receivers = [...transfer.receivers.values()];
  const waiting = receivers.filter((receiver) => !receiver.done);
  return Math.max(0, ...(waiting.length > 0 ? waiting : receivers).map((receiver) => receiver.hops));
}
