// The fetching side of a LoRa file transfer: ask for a content id, follow the first holder that
// answers, check every chunk against the hash tree (a group of file chunks once all of it is in),
// report gaps in NACK bitmaps (about one per round of the sender: see README.md), check the whole
// file against the content id and hand it over for storing. A holder whose chunks fail their hash
// is blamed and the rest is asked of the others. Pure: time is passed in, randomness injected;
// what to send, store, save and blame comes back as effects.
import { sha256 } from '@noble/hashes/sha2.js';
import { RAW_CODEC, contentIdBytes, type ContentId } from '../../storage/content-id.ts';
import { equalBytes, toHex } from '../bytes.ts';
import {
  DEFAULT_MAX_FILE_BYTES,
  MAX_EXCLUDED_SIGNERS,
  MAX_FILE_BYTES,
  topHashCount,
  type ChunkBitmapMessage,
  type FileChunkMessage,
  type FileManifestMessage,
  type FileRequestMessage,
} from '../messages.ts';
import type { KeyId } from '../wire.ts';
import { TransferLayout, offsetOf } from './layout.ts';
import { IncomingSnapshot } from './snapshot.ts';
import { FINISHED_SHOWN, nodeIdOf, type TransferView } from './view.ts';

export type FetchEffect =
  /** `hopLimit`: relays the frame may cross (0: radio neighbours only). */
  | { readonly kind: 'send'; readonly message: FileRequestMessage | ChunkBitmapMessage; readonly hopLimit: number }
  /** The whole file is in and matches its content id: store it, then call stored() or storeFailed(). */
  | {
      readonly kind: 'complete';
      readonly id: string;
      readonly contentId: ContentId;
      readonly bytes: Uint8Array;
      readonly vouchedBy: readonly { readonly keyId: KeyId; readonly verified: boolean }[];
      /** The name and media type the followed holder's manifest gave, if any. */
      readonly name: string | undefined;
      readonly mediaType: string | undefined;
    }
  /** A holder served a chunk that fails its hash, or vouched for bytes that are not the content id. */
  | { readonly kind: 'blame'; readonly id: string; readonly node: number; readonly keyId: KeyId; readonly verified: boolean }
  | { readonly kind: 'save'; readonly id: string }
  | { readonly kind: 'forget'; readonly id: string };

/** Who signed a manifest; `verified` once the signature checked out against a known key. */
export type ManifestSigner = { readonly keyId: KeyId; readonly verified: boolean };

export type FetcherOptions = {
  readonly random: () => number;
  /** Radio time one full frame takes at a sender's pace (its airtime over the channel share); follows the preset. */
  readonly frameIntervalMs: () => number;
  /** Incoming transfers under way at once. */
  readonly maxActive?: number;
  /** A transfer that made no progress for this long (radio time, with the link up) fails. */
  readonly giveUpAfterMs?: number;
};

export type RequestOutcome =
  | { readonly ok: true; readonly id: string }
  | { readonly ok: false; readonly reason: 'bad_content_id' | 'bad_max_bytes' | 'bad_hop_limit' | 'too_many'; readonly message: string };

export type RestoreOutcome = { readonly ok: true; readonly id: string } | { readonly ok: false; readonly problem: string };

type IncomingState = 'requesting' | 'receiving' | 'paused' | 'verifying' | 'done' | 'failed' | 'cancelled';
/** `hops`: relays between the holder and us, as its manifest arrived (0: a radio neighbour). */
type Source = { readonly node: number; readonly keyId: KeyId; verified: boolean; readonly transferId: number; readonly firstPosition: number; readonly hops: number };
type Signer = { readonly node: number; verified: boolean };
type Tree = { readonly layout: TransferLayout; readonly topHashes: readonly Uint8Array[]; readonly signers: Map<KeyId, Signer> };
/** Who sent a chunk not yet checked; undefined for one saved before a restart. */
type Sender = { readonly node: number; readonly keyId: KeyId };
type Held = { readonly data: Uint8Array; readonly from: Sender | undefined };

type Incoming = {
  readonly id: string;
  readonly contentId: ContentId;
  readonly maxBytes: number;
  /** Relays a request may cross: the device's hop limit, or what the operator widened it to. */
  hopLimit: number;
  readonly startedAt: number;
  state: IncomingState;
  /** What a paused transfer goes back to when the link returns. */
  resumeAs: 'requesting' | 'receiving';
  updatedAt: number;
  error: string | null;
  readonly badPeers: Set<string>;
  /** Signers asked not to answer, and radios whose manifests are ignored: caught serving bad data. */
  readonly excluded: Set<KeyId>;
  readonly badNodes: Set<number>;
  tree: Tree | undefined;
  /** The name and media type the followed holder's manifest gave. */
  name: string | undefined;
  mediaType: string | undefined;
  /** Verified chunks by offset. */
  chunks: (Uint8Array | undefined)[];
  /**
   * Chunks in but not yet checked: the rest of their group, or the tree chunk that vouches for them,
   * is still to come. Kept when another holder of the same tree takes over.
   */
  held: Map<number, Held>;
  /** Verified chunks. */
  have: number;
  fileBytes: number;
  source: Source | undefined;
  /** The sender's rounds as seen here: a chunk offset lower than the last one starts a new round. */
  round: number;
  /** The source said its round ended and we answered: it should start another. */
  awaitingRound: boolean;
  highest: number;
  lastOffset: number;
  /** Per chunk, the round in which it was last reported missing (-1: never). */
  lastNack: Int32Array;
  lastHeardAt: number;
  gapEwmaMs: number;
  deadline: number | undefined;
  /** Requests or quiet-time nacks sent without an answer: each waits twice as long. */
  attempts: number;
  requestedAt: number;
  /** When the current round of asking began (no holder answering since). */
  askingSince: number;
  lastProgressAt: number;
  framesHeard: number;
  gapsFound: number;
  unsaved: number;
};

type Finished = { readonly node: number; readonly hops: number; readonly transferId: number; readonly firstPosition: number; readonly total: number; lastAckAt: number };

const ACTIVE: ReadonlySet<IncomingState> = new Set(['requesting', 'receiving', 'paused']);
/**
 * Report the round's gaps when at most this many expected chunks are still to come: the nack
 * reaches the sender before it takes its round's last chunk (it takes each a frame ahead).
 */
const EARLY_NACK_AHEAD = 3;
/**
 * Silence from the source, in frame intervals, before it is nudged: two chunks lost in a row (1 %
 * of chunks at 10 % loss) mean three intervals between arrivals and are no news; a nudge then
 * would only cost a frame (and the chunk it may collide with).
 */
const QUIET_FRAMES = 3.5;
const AWAITING_ROUND_FRAMES = 1.5;
/** Nacks into silence before the source is given up and the file asked for again. */
const QUIET_RETRIES = 3;
const REQUEST_RETRY_FRAMES = 4;
const MAX_BACKOFF_FRAMES = 16;
const SAVE_EVERY_CHUNKS = 16;
const DEFAULT_GIVE_UP_MS = 30 * 60_000;
const FINISHED_REMEMBERED = 16;
/** Meshtastic's default hop limit (HOP_RELIABLE), for a device whose own is not known. */
export const DEFAULT_REQUEST_HOP_LIMIT = 3;
/** The largest hop limit the firmware allows. */
export const MAX_REQUEST_HOP_LIMIT = 7;

export class FileFetcher {
  readonly #random: () => number;
  readonly #intervalMs: () => number;
  readonly #maxActive: number;
  readonly #giveUpAfterMs: number;
  readonly #transfers = new Map<string, Incoming>();
  readonly #finished: Finished[] = [];
  #effects: FetchEffect[] = [];
  #linkUp = false;

  constructor(options: FetcherOptions) {
    this.#random = options.random;
    this.#intervalMs = options.frameIntervalMs;
    this.#maxActive = options.maxActive ?? 8;
    this.#giveUpAfterMs = options.giveUpAfterMs ?? DEFAULT_GIVE_UP_MS;
  }

  /** Effects since the last call, in order. */
  takeEffects(): FetchEffect[] {
    const effects = this.#effects;
    this.#effects = [];
    return effects;
  }

  /**
   * Asks for a file within `hopLimit` relays. Asking again for a file still unanswered sends the
   * request at once (try again), further if the hop limit grew (widen).
   */
  request(request: { contentId: string; maxBytes?: number; hopLimit?: number }, now: number): RequestOutcome {
    let idBytes: Uint8Array;
    try {
      idBytes = contentIdBytes(request.contentId);
    } catch {
      return { ok: false, reason: 'bad_content_id', message: `"${request.contentId.slice(0, 80)}" is not a content id.` };
    }
    if (idBytes[1] !== RAW_CODEC) return { ok: false, reason: 'bad_content_id', message: 'Only single-block files (ids starting "bafkrei") travel over LoRa.' };
    const maxBytes = request.maxBytes ?? DEFAULT_MAX_FILE_BYTES;
    if (!Number.isInteger(maxBytes) || maxBytes < 1 || maxBytes > MAX_FILE_BYTES) {
      return { ok: false, reason: 'bad_max_bytes', message: `The size limit must be 1 to ${MAX_FILE_BYTES} bytes.` };
    }
    const hopLimit = request.hopLimit ?? DEFAULT_REQUEST_HOP_LIMIT;
    if (!Number.isInteger(hopLimit) || hopLimit < 0 || hopLimit > MAX_REQUEST_HOP_LIMIT) {
      return { ok: false, reason: 'bad_hop_limit', message: `The hop limit must be 0 to ${MAX_REQUEST_HOP_LIMIT}.` };
    }
    const existing = [...this.#transfers.values()].find((t) => t.contentId === request.contentId && (ACTIVE.has(t.state) || t.state === 'verifying' || t.state === 'failed'));
    if (existing) {
      existing.hopLimit = Math.max(existing.hopLimit, hopLimit);
      existing.updatedAt = now;
      if (existing.state === 'failed') this.retry(existing.id, now);
      else if (existing.state === 'requesting') {
        existing.attempts = 0;
        existing.askingSince = now;
        this.#sendRequest(existing, now);
      }
      return { ok: true, id: existing.id };
    }
    if (this.#activeCount() >= this.#maxActive) {
      return { ok: false, reason: 'too_many', message: `${this.#maxActive} files are already on their way; cancel one or wait.` };
    }
    const t = this.#create(this.#newId(), request.contentId, maxBytes, hopLimit, now);
    this.#begin(t, now);
    return { ok: true, id: t.id };
  }

  /** `hops`: relays the manifest crossed to reach us. */
  onManifest(manifest: FileManifestMessage, from: number, signer: ManifestSigner, now: number, hops = 0): void {
    for (const t of this.#transfers.values()) {
      if (!ACTIVE.has(t.state)) continue;
      const followed = t.source;
      if (followed?.node === from && followed.transferId !== manifest.transferId && this.#overlaps(t, followed, manifest)) {
        // The holder restarted and reuses the positions: its chunks are no longer ours.
        this.#dropSource(t);
        this.#sendRequest(t, now);
      }
      if (t.contentId !== manifest.contentId) continue;
      if (t.excluded.has(signer.keyId) || t.badNodes.has(from)) continue;
      const source = t.source;
      if (source?.node === from && source.transferId === manifest.transferId) {
        // The same offer again (sent for another receiver, or for our request asked again): what we
        // hold is acked, so the holder neither sends it again nor shows us at its start.
        if (signer.verified && !source.verified) this.#vouchedBy(t, signer.keyId, from, true, now);
        this.#ackReceived(t);
        continue;
      }
      const layout = TransferLayout.of(manifest.size, manifest.chunkSize);
      if (source || !layout || manifest.size > t.maxBytes) {
        // Another holder answered too: one is enough, the other stops sending to us.
        this.#send(ackOfAll(manifest.transferId), hops);
        continue;
      }
      this.#follow(t, manifest, layout, from, signer, now, hops);
    }
  }

  onChunk(chunk: FileChunkMessage, from: number, now: number): void {
    const t = [...this.#transfers.values()].find((candidate) => {
      const source = candidate.source;
      return source?.node === from && ACTIVE.has(candidate.state) && offsetOf(source.firstPosition, chunk.position) < candidate.tree!.layout.total;
    });
    if (!t) {
      this.#ackAgain(chunk, from, now);
      this.#askAgainIfAnswered(now);
      return;
    }
    const source = t.source!;
    const layout = t.tree!.layout;
    const offset = offsetOf(source.firstPosition, chunk.position);
    t.framesHeard += 1;
    if (t.framesHeard > 1) t.gapEwmaMs = 0.8 * t.gapEwmaMs + 0.2 * (now - t.lastHeardAt);
    t.lastHeardAt = now;
    t.attempts = 0;
    t.awaitingRound = false;
    if (t.state === 'receiving') t.deadline = now + this.#quietMs(t);
    if (offset < t.lastOffset) this.#roundEnded(t);
    t.lastOffset = offset;
    t.highest = Math.max(t.highest, offset);

    if (!t.chunks[offset] && !t.held.has(offset)) {
      // A wrong length is the sender's alone, whoever sent the rest of its group.
      if (chunk.data.length !== layout.lengthOf(offset)) {
        this.#caught(t, now);
        return;
      }
      t.held.set(offset, { data: chunk.data, from: { node: source.node, keyId: source.keyId } });
      t.unsaved += 1;
      if (!this.#check(t, offset, now)) return;
    }
    if (this.#fileComplete(t)) {
      this.#complete(t, now);
      return;
    }
    this.#reportGaps(t, chunk.endOfRound);
    t.updatedAt = now;
    if (t.unsaved >= SAVE_EVERY_CHUNKS) this.#save(t);
  }

  /** Time passed: retries, quiet-time nacks, giving up. */
  tick(now: number): void {
    for (const t of this.#transfers.values()) {
      if (t.deadline === undefined || t.deadline > now || t.state === 'paused') continue;
      if (now - t.lastProgressAt >= this.#giveUpAfterMs) {
        this.#fail(t, `No holder has sent anything for ${Math.round(this.#giveUpAfterMs / 60_000)} minutes.`, now);
        continue;
      }
      if (t.state === 'requesting') {
        this.#sendRequest(t, now);
      } else if (t.state === 'receiving') {
        if (t.attempts >= QUIET_RETRIES) {
          // The holder went quiet: ask again, keeping what is here (it or another may answer).
          this.#dropSource(t);
          this.#sendRequest(t, now);
        } else {
          this.#quiet(t);
          t.attempts += 1;
          t.deadline = now + this.#quietMs(t);
        }
      }
      t.updatedAt = now;
    }
  }

  /** When tick() next has something to do. */
  wakeAt(): number | undefined {
    let at: number | undefined;
    for (const t of this.#transfers.values()) {
      if (t.deadline !== undefined && t.state !== 'paused' && (at === undefined || t.deadline < at)) at = t.deadline;
    }
    return at;
  }

  /** The radio went away: transfers wait, their timers stop (chunks still arriving are kept). */
  pause(now: number): void {
    this.#linkUp = false;
    for (const t of this.#transfers.values()) {
      if (t.state !== 'requesting' && t.state !== 'receiving') continue;
      t.resumeAs = t.state;
      t.state = 'paused';
      t.deadline = undefined;
      t.updatedAt = now;
    }
  }

  resume(now: number): void {
    this.#linkUp = true;
    for (const t of this.#transfers.values()) if (t.state === 'paused') this.#begin(t, now);
  }

  cancel(id: string, now: number): boolean {
    const t = this.#transfers.get(id);
    if (!t || !ACTIVE.has(t.state)) return false;
    this.#stopSource(t);
    this.#end(t, 'cancelled', null, now);
    return true;
  }

  /** Starts a failed transfer again, keeping the chunks it has. */
  retry(id: string, now: number): boolean {
    const t = this.#transfers.get(id);
    if (!t || t.state !== 'failed') return false;
    t.error = null;
    this.#dropSource(t); // whoever served it went quiet: ask everyone again
    this.#begin(t, now);
    return true;
  }

  /** The completed file is in the block store. */
  stored(id: string, now: number): void {
    const t = this.#transfers.get(id);
    if (t?.state === 'verifying') this.#end(t, 'done', null, now);
  }

  storeFailed(id: string, message: string, now: number): void {
    const t = this.#transfers.get(id);
    if (t?.state === 'verifying') this.#end(t, 'failed', `The file arrived but could not be stored: ${message}`, now);
  }

  views(): TransferView[] {
    return [...this.#transfers.values()].map((t) => this.#view(t));
  }

  snapshot(id: string): IncomingSnapshot | undefined {
    const t = this.#transfers.get(id);
    // A verifying transfer is saved too: the app may quit before the store has the file.
    if (!t || !(ACTIVE.has(t.state) || t.state === 'failed' || t.state === 'verifying')) return undefined;
    const tree = t.tree;
    return {
      version: 2,
      id: t.id,
      contentId: t.contentId,
      maxBytes: t.maxBytes,
      hopLimit: t.hopLimit,
      ...(t.name === undefined ? {} : { name: t.name }),
      ...(t.mediaType === undefined ? {} : { mediaType: t.mediaType }),
      startedAt: t.startedAt,
      error: t.state === 'failed' ? t.error : null,
      badPeers: [...t.badPeers],
      excluded: [...t.excluded],
      tree: tree
        ? {
            size: tree.layout.size,
            chunkSize: tree.layout.chunkSize,
            topHashes: tree.topHashes.map(toHex),
            signers: [...tree.signers].map(([keyId, signer]) => ({ keyId, ...signer })),
          }
        : null,
      chunks: this.#received(t).map((offset) => ({ offset, data: Buffer.from(t.chunks[offset] ?? t.held.get(offset)!.data).toString('base64') })),
    };
  }

  /** Takes a saved transfer back; anything malformed is refused whole, chunks are checked again. */
  restore(saved: unknown, now: number): RestoreOutcome {
    const parsed = IncomingSnapshot.safeParse(saved);
    if (!parsed.success) return { ok: false, problem: parsed.error.issues[0]?.message ?? 'not a saved transfer' };
    const data = parsed.data;
    if (this.#transfers.has(data.id)) return { ok: false, problem: `transfer ${data.id} is already loaded` };
    let idBytes: Uint8Array;
    try {
      idBytes = contentIdBytes(data.contentId);
    } catch {
      return { ok: false, problem: 'its content id is not valid' };
    }
    if (idBytes[1] !== RAW_CODEC || data.maxBytes > MAX_FILE_BYTES) return { ok: false, problem: 'it is not a transfer this node makes' };
    const layout = data.tree && TransferLayout.of(data.tree.size, data.tree.chunkSize);
    if (data.tree && (!layout || topHashCount(layout.levels) !== data.tree.topHashes.length)) return { ok: false, problem: 'its hash tree does not fit its size' };
    const t = this.#create(data.id, data.contentId, data.maxBytes, data.hopLimit ?? DEFAULT_REQUEST_HOP_LIMIT, data.startedAt);
    t.name = data.name;
    t.mediaType = data.mediaType;
    data.badPeers.forEach((peer) => t.badPeers.add(peer));
    data.excluded.forEach((keyId) => t.excluded.add(keyId));
    if (data.tree && layout) {
      t.tree = { layout, topHashes: data.tree.topHashes.map((hash) => Uint8Array.from(Buffer.from(hash, 'hex'))), signers: new Map() };
      for (const { keyId, ...signer } of data.tree.signers) t.tree.signers.set(keyId, signer);
      this.#resetChunks(t);
      for (const chunk of data.chunks) {
        const bytes = Uint8Array.from(Buffer.from(chunk.data, 'base64'));
        if (chunk.offset < layout.total && bytes.length === layout.lengthOf(chunk.offset)) t.held.set(chunk.offset, { data: bytes, from: undefined });
      }
      // Offsets run from the top of the tree down, so every parent is checked before its children;
      // a unit that fails (damaged on disk) is dropped and fetched again.
      for (const offset of [...t.held.keys()].sort((a, b) => a - b)) this.#check(t, offset, now);
    }
    t.unsaved = 0;
    if (data.error !== null) {
      t.state = 'failed';
      t.error = data.error;
    } else if (this.#fileComplete(t)) {
      this.#complete(t, now); // complete before the restart, not yet stored
    } else {
      this.#begin(t, now);
    }
    return { ok: true, id: t.id };
  }

  // ---- the transfer's course ----

  #create(id: string, contentId: ContentId, maxBytes: number, hopLimit: number, startedAt: number): Incoming {
    const t: Incoming = {
      id,
      contentId,
      maxBytes,
      hopLimit,
      startedAt,
      state: 'requesting',
      resumeAs: 'requesting',
      updatedAt: startedAt,
      error: null,
      badPeers: new Set(),
      excluded: new Set(),
      badNodes: new Set(),
      tree: undefined,
      name: undefined,
      mediaType: undefined,
      chunks: [],
      held: new Map(),
      have: 0,
      fileBytes: 0,
      source: undefined,
      round: 0,
      awaitingRound: false,
      highest: -1,
      lastOffset: -1,
      lastNack: new Int32Array(0),
      lastHeardAt: startedAt,
      gapEwmaMs: this.#intervalMs(),
      deadline: undefined,
      attempts: 0,
      requestedAt: startedAt,
      askingSince: startedAt,
      lastProgressAt: startedAt,
      framesHeard: 0,
      gapsFound: 0,
      unsaved: 0,
    };
    this.#transfers.set(id, t);
    this.#trimFinished();
    return t;
  }

  /** Starts (or restarts) asking: now if the link is up, else when it comes back. */
  #begin(t: Incoming, now: number): void {
    t.lastProgressAt = now;
    t.lastHeardAt = now;
    t.attempts = 0;
    t.updatedAt = now;
    const as = t.state === 'paused' ? t.resumeAs : t.source ? 'receiving' : 'requesting';
    if (!this.#linkUp) {
      t.resumeAs = as;
      t.state = 'paused';
      t.deadline = undefined;
    } else if (as === 'receiving' && t.source) {
      // Chunks may have gone by while the radio was away: a quiet spell nudges the source.
      t.state = 'receiving';
      t.deadline = now + this.#quietMs(t);
    } else {
      t.state = 'requesting';
      t.askingSince = now;
      this.#sendRequest(t, now);
    }
    this.#save(t);
  }

  #sendRequest(t: Incoming, now: number): void {
    const excluded = [...t.excluded].slice(-MAX_EXCLUDED_SIGNERS);
    this.#send({ type: 'file-request', contentId: t.contentId, maxBytes: t.maxBytes, excluded }, t.hopLimit);
    t.deadline = now + this.#backoffMs(REQUEST_RETRY_FRAMES, t.attempts);
    t.attempts += 1;
    t.requestedAt = now;
  }

  /**
   * A chunk no transfer of ours can place, heard while asking: a holder is likely sending ours and
   * its manifest was lost, and every chunk it sends until it hears us again is wasted. So the
   * request goes again a frame interval after the last (a holder answers with its manifest first,
   * its chunks follow a frame apart), doubling per attempt up to the usual cap, so that a stranger's
   * transfer draws no more requests than the back-off would.
   */
  #askAgainIfAnswered(now: number): void {
    for (const t of this.#transfers.values()) {
      const wait = Math.min(2 ** Math.max(0, t.attempts - 1), MAX_BACKOFF_FRAMES) * this.#intervalMs();
      if (t.state !== 'requesting' || now - t.requestedAt < wait) continue;
      this.#sendRequest(t, now);
      t.updatedAt = now;
    }
  }

  #follow(t: Incoming, manifest: FileManifestMessage, layout: TransferLayout, from: number, signer: ManifestSigner, now: number, hops: number): void {
    const tree = t.tree;
    const sameTree =
      tree !== undefined &&
      tree.layout.size === layout.size &&
      tree.layout.chunkSize === layout.chunkSize &&
      tree.topHashes.every((hash, i) => equalBytes(hash, manifest.topHashes[i]!));
    if (!sameTree) {
      // Another tree for the same id: at most one is true, and the file check at the end tells.
      // Chunks checked against the old one cannot be trusted under the new one.
      t.tree = { layout, topHashes: manifest.topHashes.map((hash) => Uint8Array.from(hash)), signers: new Map() };
      this.#resetChunks(t);
    }
    t.source = { node: from, keyId: signer.keyId, verified: signer.verified, transferId: manifest.transferId, firstPosition: manifest.firstPosition, hops };
    t.name = manifest.name ?? t.name;
    t.mediaType = manifest.mediaType ?? t.mediaType;
    this.#vouchedBy(t, signer.keyId, from, signer.verified, now);
    t.round = 0;
    t.awaitingRound = false;
    t.highest = -1;
    t.lastOffset = -1;
    t.lastNack.fill(-1);
    t.attempts = 0;
    t.lastHeardAt = now;
    t.lastProgressAt = now;
    if (t.state === 'paused') {
      t.resumeAs = 'receiving';
    } else {
      t.state = 'receiving';
      t.deadline = now + this.#quietMs(t);
    }
    // Resuming: the holder need not send what is already here.
    this.#ackReceived(t);
    if (this.#fileComplete(t)) this.#complete(t, now);
    else this.#save(t);
  }

  /** Tells the source which chunks are here (none: nothing to say). */
  #ackReceived(t: Incoming): void {
    const received = this.#received(t);
    if (received.length > 0 && t.source) this.#send({ type: 'ack', transferId: t.source.transferId, chunks: received }, t.source.hops);
  }

  #vouchedBy(t: Incoming, keyId: KeyId, node: number, verified: boolean, now: number): void {
    if (t.source?.keyId === keyId && t.source.node === node) t.source.verified ||= verified;
    const signers = t.tree!.signers;
    const known = signers.get(keyId);
    if (known) known.verified ||= verified;
    else signers.set(keyId, { node, verified });
    t.updatedAt = now;
  }

  /**
   * Checks the unit of chunk `offset` once all of it and the hash above it are in, then the units
   * that waited for it. False if the source we follow was caught lying (it is dropped).
   */
  #check(t: Incoming, offset: number, now: number): boolean {
    const { layout, topHashes } = t.tree!;
    const { first, count } = layout.unitOf(offset);
    if (t.chunks[first]) return true;
    const unit: Held[] = [];
    for (let at = first; at < first + count; at++) {
      const held = t.held.get(at);
      if (!held) return true;
      unit.push(held);
    }
    const expected = layout.expectedHash(first, topHashes, (at) => t.chunks[at]);
    if (!expected) return true;
    for (let at = first; at < first + count; at++) t.held.delete(at);
    if (!layout.matches(first, unit.map((held) => held.data), expected)) return this.#failed(t, first, unit, now);
    unit.forEach((held, i) => this.#store(t, first + i, held.data));
    t.lastProgressAt = now;
    for (const child of layout.childrenOf(first)) if (!this.#check(t, child, now)) return false;
    return true;
  }

  /**
   * A unit failed its hash: its chunks are gone (the next nack asks for them again) and the holder
   * that sent all of them is blamed. False if that is the source we follow.
   */
  #failed(t: Incoming, first: number, unit: readonly Held[], now: number): boolean {
    for (let at = first; at < first + unit.length; at++) t.lastNack[at] = Math.min(t.lastNack[at]!, t.round - 1);
    const sender = unit[0]!.from;
    // Chunks of several holders, or saved before a restart: which one lied is unknown, and blaming
    // them all would let a liar smear an honest holder. The unit comes again from one holder.
    if (!sender || unit.some((held) => held.from?.node !== sender.node || held.from.keyId !== sender.keyId)) return true;
    if (t.source?.node === sender.node && t.source.keyId === sender.keyId) {
      this.#caught(t, now);
      return false;
    }
    // A holder followed earlier lied; the one followed now sends the unit again.
    this.#blame(t, sender.node, sender.keyId, t.tree!.signers.get(sender.keyId)?.verified ?? false);
    this.#dropHeldFrom(t, sender);
    this.#save(t);
    return true;
  }

  #store(t: Incoming, offset: number, data: Uint8Array): void {
    t.chunks[offset] = data;
    t.have += 1;
    if (t.tree!.layout.isFileChunk(offset)) t.fileBytes += data.length;
  }

  /** Offsets of the chunks here, checked or not. */
  #received(t: Incoming): number[] {
    return [...t.chunks.flatMap((data, offset) => (data ? [offset] : [])), ...t.held.keys()].sort((a, b) => a - b);
  }

  /** Unchecked chunks of a liar are worthless. */
  #dropHeldFrom(t: Incoming, liar: Sender): void {
    for (const [offset, held] of t.held) if (held.from?.node === liar.node || held.from?.keyId === liar.keyId) t.held.delete(offset);
  }

  #fileComplete(t: Incoming): boolean {
    const layout = t.tree?.layout;
    return layout !== undefined && t.fileBytes === layout.size;
  }

  /** Every file chunk is in: the whole must be the content id asked for. */
  #complete(t: Incoming, now: number): void {
    const layout = t.tree!.layout;
    const bytes = new Uint8Array(layout.size);
    for (let offset = layout.fileStart; offset < layout.total; offset++) bytes.set(t.chunks[offset]!, (offset - layout.fileStart) * layout.chunkSize);
    const source = t.source;
    if (!equalBytes(sha256(bytes), contentIdBytes(t.contentId).subarray(4))) {
      // Every chunk matched a tree that does not add up to the id: whoever signed it lied.
      for (const [keyId, signer] of t.tree!.signers) this.#blame(t, signer.node, keyId, signer.verified);
      this.#stopSource(t);
      t.tree = undefined;
      this.#resetChunks(t);
      this.#dropSource(t);
      this.#sendRequest(t, now);
      this.#save(t);
      return;
    }
    if (source) {
      this.#send(ackOfAll(source.transferId), source.hops);
      this.#finished.push({ node: source.node, hops: source.hops, transferId: source.transferId, firstPosition: source.firstPosition, total: layout.total, lastAckAt: now });
      if (this.#finished.length > FINISHED_REMEMBERED) this.#finished.shift();
    }
    t.state = 'verifying';
    t.deadline = undefined;
    t.updatedAt = now;
    // Everyone who signed the tree vouched for bytes that proved to be the content id.
    const vouchedBy = [...t.tree!.signers].map(([keyId, signer]) => ({ keyId, verified: signer.verified }));
    this.#effects.push({ kind: 'complete', id: t.id, contentId: t.contentId, bytes, vouchedBy, name: t.name, mediaType: t.mediaType });
  }

  /** The source served chunks that fail their hash: blame it and ask the others. */
  #caught(t: Incoming, now: number): void {
    const source = t.source!;
    this.#blame(t, source.node, source.keyId, source.verified);
    this.#dropHeldFrom(t, source);
    this.#stopSource(t);
    this.#dropSource(t);
    this.#sendRequest(t, now);
    t.updatedAt = now;
    this.#save(t);
  }

  #blame(t: Incoming, node: number, keyId: KeyId, verified: boolean): void {
    // An unverified signature proves nothing about the key: only a verified one is asked to stand aside.
    t.badPeers.add(verified ? keyId : nodeIdOf(node));
    if (verified) t.excluded.add(keyId);
    t.badNodes.add(node);
    this.#effects.push({ kind: 'blame', id: t.id, node, keyId, verified });
  }

  /** Tells the source to stop sending to us (we finished, cancelled, or caught it). */
  #stopSource(t: Incoming): void {
    if (t.source) this.#send(ackOfAll(t.source.transferId), t.source.hops);
  }

  #dropSource(t: Incoming): void {
    t.source = undefined;
    t.attempts = 0;
    t.askingSince = Math.max(t.askingSince, t.lastHeardAt);
    if (t.state === 'receiving') t.state = 'requesting';
  }

  #resetChunks(t: Incoming): void {
    const total = t.tree?.layout.total ?? 0;
    t.chunks = new Array<Uint8Array | undefined>(total);
    t.lastNack = new Int32Array(total).fill(-1);
    t.held.clear();
    t.have = 0;
    t.fileBytes = 0;
  }

  #fail(t: Incoming, error: string, now: number): void {
    t.state = 'failed';
    t.error = error;
    t.deadline = undefined;
    t.updatedAt = now;
    this.#save(t);
  }

  #end(t: Incoming, state: 'done' | 'failed' | 'cancelled', error: string | null, now: number): void {
    t.state = state;
    t.error = error;
    t.deadline = undefined;
    t.updatedAt = now;
    t.held.clear();
    t.chunks = [];
    this.#effects.push({ kind: 'forget', id: t.id });
    this.#trimFinished();
  }

  // ---- gaps ----

  /**
   * Reports chunks missing from the sender's current round: just before the round ends (so the
   * next round carries them without a pause), or at once when the sender said it has nothing left.
   * Chunks already reported this round are not reported again: that nack may still be on its way,
   * and the sender may already be sending them.
   */
  #reportGaps(t: Incoming, endOfRound: boolean): void {
    const unreported = (offset: number) => t.lastNack[offset]! < t.round;
    if (endOfRound) {
      this.#nack(t, this.#missing(t, unreported), t.round);
      t.awaitingRound = true;
      if (t.state === 'receiving') t.deadline = t.lastHeardAt + this.#quietMs(t);
      return;
    }
    const gaps = this.#missing(t, (offset) => offset < t.highest && unreported(offset));
    if (gaps.length === 0) return;
    const stillToCome = this.#missing(t, (offset) => offset > t.highest && unreported(offset)).length;
    if (stillToCome <= EARLY_NACK_AHEAD) this.#nack(t, gaps, t.round);
  }

  /**
   * The source went quiet. If it had ended its round, our answer was lost: everything missing goes
   * again. Otherwise the gaps it passed are reported, or an empty nack asks an idle source to send
   * its last chunk again (its end-of-round flag was lost). Chunks ahead are not reported: they may
   * only be late, and reporting them would have them sent twice.
   */
  #quiet(t: Incoming): void {
    if (t.awaitingRound) {
      this.#nack(t, this.#missing(t, () => true), t.round);
      return;
    }
    const gaps = this.#missing(t, (offset) => offset < t.highest && t.lastNack[offset]! < t.round);
    if (gaps.length > 0) this.#nack(t, gaps, t.round);
    else if (t.source) this.#send({ type: 'nack', transferId: t.source.transferId, chunks: [] }, t.source.hops);
  }

  /** A new round began: whatever the last one should have brought and did not is reported now. */
  #roundEnded(t: Incoming): void {
    const lost = this.#missing(t, (offset) => t.lastNack[offset]! < t.round);
    t.round += 1;
    t.highest = -1;
    this.#nack(t, lost, t.round);
  }

  #missing(t: Incoming, include: (offset: number) => boolean): number[] {
    const missing: number[] = [];
    for (let offset = 0; offset < t.chunks.length; offset++) if (!t.chunks[offset] && !t.held.has(offset) && include(offset)) missing.push(offset);
    return missing;
  }

  #nack(t: Incoming, chunks: number[], round: number): void {
    if (chunks.length === 0 || !t.source) return;
    for (const offset of chunks) {
      if (t.lastNack[offset]! < 0) t.gapsFound += 1;
      t.lastNack[offset] = round;
    }
    this.#send({ type: 'nack', transferId: t.source.transferId, chunks }, t.source.hops);
  }

  /** A chunk of a transfer finished here: the sender missed our ack, so it goes again (once a frame). */
  #ackAgain(chunk: FileChunkMessage, from: number, now: number): void {
    const done = this.#finished.find((f) => f.node === from && offsetOf(f.firstPosition, chunk.position) < f.total);
    if (!done || now - done.lastAckAt < this.#intervalMs()) return;
    done.lastAckAt = now;
    this.#send(ackOfAll(done.transferId), done.hops);
  }

  // ---- helpers ----

  #overlaps(t: Incoming, source: Source, manifest: FileManifestMessage): boolean {
    const total = t.tree!.layout.total;
    const other = TransferLayout.of(manifest.size, manifest.chunkSize)?.total ?? 0;
    return offsetOf(source.firstPosition, manifest.firstPosition) < total || offsetOf(manifest.firstPosition, source.firstPosition) < other;
  }

  #quietMs(t: Incoming): number {
    // Once we answered the end of a round, the next round's first chunk is a frame away.
    const frames = t.awaitingRound ? AWAITING_ROUND_FRAMES : QUIET_FRAMES;
    return frames * Math.max(this.#intervalMs(), t.gapEwmaMs) * 2 ** Math.min(t.attempts, 3);
  }

  #backoffMs(frames: number, attempts: number): number {
    const jitter = 1 + this.#random() / 4;
    return Math.min(frames * 2 ** attempts, MAX_BACKOFF_FRAMES) * this.#intervalMs() * jitter;
  }

  #send(message: FileRequestMessage | ChunkBitmapMessage, hopLimit: number): void {
    this.#effects.push({ kind: 'send', message, hopLimit });
  }

  #save(t: Incoming): void {
    t.unsaved = 0;
    this.#effects.push({ kind: 'save', id: t.id });
  }

  #activeCount(): number {
    return [...this.#transfers.values()].filter((t) => ACTIVE.has(t.state) || t.state === 'verifying').length;
  }

  #newId(): string {
    for (;;) {
      const id = `in-${Math.floor(this.#random() * 2 ** 32).toString(16).padStart(8, '0')}`;
      if (!this.#transfers.has(id)) return id;
    }
  }

  /** Finished transfers stay visible, the oldest go first. */
  #trimFinished(): void {
    const finished = [...this.#transfers.values()].filter((t) => !ACTIVE.has(t.state) && t.state !== 'verifying');
    for (const t of finished.slice(0, Math.max(0, finished.length - FINISHED_SHOWN))) {
      this.#transfers.delete(t.id);
      if (t.state === 'failed') this.#effects.push({ kind: 'forget', id: t.id });
    }
  }

  #view(t: Incoming): TransferView {
    const layout = t.tree?.layout;
    const received = t.have + t.held.size;
    const delivery = t.framesHeard / Math.max(1, t.framesHeard + t.gapsFound);
    const eta = t.state === 'receiving' && layout ? Math.round(((layout.total - received) * this.#intervalMs()) / Math.max(0.5, delivery)) : null;
    return {
      id: t.id,
      contentId: t.contentId,
      direction: 'incoming',
      state: t.state,
      size: layout?.size ?? null,
      chunksDone: received,
      chunksTotal: layout?.total ?? null,
      bytesDone: t.fileBytes,
      etaMs: eta,
      peers: t.source ? [t.source.keyId] : [],
      name: t.name ?? null,
      mediaType: t.mediaType ?? null,
      airtimeMs: null,
      hopLimit: t.hopLimit,
      hops: t.source ? t.source.hops + 1 : null,
      // Said once the first request went unanswered and the next went out.
      unansweredMs: t.state === 'requesting' && t.attempts >= 2 ? t.requestedAt - t.askingSince : null,
      badPeers: [...t.badPeers],
      error: t.error,
      startedAt: t.startedAt,
      updatedAt: t.updatedAt,
    };
  }
}

/** Says every chunk is here (or none is wanted any more): the sender is done with us. */
function ackOfAll(transferId: number): ChunkBitmapMessage {
  return { type: 'ack', transferId, chunks: [] };
}
