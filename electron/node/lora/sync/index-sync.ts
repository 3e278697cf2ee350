// IndexSync: per-peer reconciliation sessions over LoRa, pure. The caller passes what arrived (a
// peer's index-announce, a sync message) with the current time, and gets back the sync messages
// to send and the ids learned (to merge into its index). Flow and byte layout: README.md here.
//
//   announcer A                           listener B (roots differ; lower root starts at once)
//        index-announce  ───────────────▶
//                        ◀─────────────── symbols (a sketch of B's set filling two frames)
//        [peel; if stuck: more ─▶ ◀─ symbols]
//        ids (A's ids B lacks, identities of B's ids A lacks) ─▶
//                        ◀─────────────── reply (those ids, 27 bytes each: A knows the rest)
//
// Every session is bounded (symbols, ids, round trips, idle time) and at most `maxSessions` run
// at once, so a lying or silent peer costs a slot until its timeout, never unbounded memory.
import { LAST_SESSION_IDS_SHOWN } from '../../../../shared/contract/index.ts';
import type { ReadonlyDagIndex } from '../../storage/dag-index.ts';
import { DEFAULT_RECEIVER_LIMITS } from '../receiver.ts';
import type { IndexAnnounceMessage, SyncMessage } from '../messages.ts';
import { SYNC_MESSAGE_OVERHEAD_BYTES, framesFor, payloadCapacity, syncFrameBytes } from './frames.ts';
import {
  FULL_PREFIX_RANGE,
  IDS_HEADER_BYTES,
  RANGE_BYTES,
  MAX_SYMBOL_INDEX,
  REPLY_HEADER_BYTES,
  SYMBOLS_HEADER_BYTES,
  decodeSyncPayload,
  encodeSyncPayload,
  syncReject,
  type AbortReason,
  type IdsPayload,
  type KeyFormat,
  type ReplyPayload,
  type SymbolsPayload,
  type SyncPayload,
  type SyncRange,
  type SyncRejection,
} from './payload.ts';
import { CodedSymbols, PeelingDecoder } from './riblt.ts';
import { DAG_CBOR_CODEC, contentIdBytes, type ContentId } from '../../storage/content-id.ts';
import { IdentityTable } from './identity-table.ts';
import { DIGEST_BYTES, ShortIdScheme, contentIdOfParts, idPartsOf, type IdParts } from './short-ids.ts';

/** What reconciliation reads of the local index. */
export type SyncIndex = Pick<ReadonlyDagIndex, 'ids' | 'has' | 'size' | 'summary'>;

export type SyncLimits = {
  /** Sessions open at once, all peers together. */
  readonly maxSessions: number;
  /**
   * Sessions we started, open at once: the rest wait their turn. On a shared channel each node
   * running one session at a time keeps the load per node, not per link (after one session our
   * root has moved anyway, and the next peer's comparison is made against it).
   */
  readonly maxStarted: number;
  /** Peers whose state is kept for the console; the least recently active idle one goes first. */
  readonly maxPeers: number;
  /** Coded symbols per session (at most 65,536): recovers up to ~maxSymbols / 1.8 differences. */
  readonly maxSymbols: number;
  /** Ids accepted from, and asked of, a peer per session. */
  readonly maxIdsPerSession: number;
  /** Requests for more symbols per session. */
  readonly maxMoreRequests: number;
  /** A session with no traffic for this long fails. */
  readonly sessionTimeoutMs: number;
  /** The side with the higher root waits this long for the other to start before starting itself. */
  readonly startDelayMs: number;
  /** After a failed session, the next one with that peer waits this long. */
  readonly retryAfterFailureMs: number;
  /**
   * The side waiting for an answer sends its last messages again after this long plus
   * `resendPerFrameMs` per frame of them (a lost frame costs a resend, not the session).
   */
  readonly resendAfterMs: number;
  readonly resendPerFrameMs: number;
  /** Resends per session, on a timer or answering the peer's resend, together. */
  readonly maxResends: number;
  /** Largest sync message the peer's receiver reassembles. */
  readonly maxMessageBytes: number;
  /**
   * Differences one range session is sized for. Beyond this (by the block counts, or after a session
   * ran out of bounds) the id space is split into ranges reconciled one after the other.
   */
  readonly rangeDifferences: number;
};

export const DEFAULT_SYNC_LIMITS: SyncLimits = {
  maxSessions: 8,
  maxStarted: 1,
  maxPeers: 256,
  maxSymbols: 4096,
  maxIdsPerSession: 1024,
  maxMoreRequests: 4,
  // Two-frame batches each way on LONG_FAST take ~10 s of airtime; duty cycle and queues add more.
  sessionTimeoutMs: 180_000,
  startDelayMs: 30_000,
  retryAfterFailureMs: 120_000,
  // A round trip of two-frame messages on a quiet channel takes ~20 s: the pacing lets one full
  // frame out every ~5 s (scheduler.ts), so the wait grows with what we sent.
  resendAfterMs: 40_000,
  resendPerFrameMs: 5_000,
  maxResends: 3,
  maxMessageBytes: DEFAULT_RECEIVER_LIMITS.maxMessageBytes,
  rangeDifferences: 256,
};

/**
 * idle: heard from, roots not compared yet; in_sync: equal roots at the last announce, and ours has
 * not changed since; changed: equal at its last announce, ours changed since (the next announce
 * compares again); pending: we start after the delay; reconciled: a session finished (their next
 * announce confirms the roots).
 */
export type PeerSyncStatus = 'idle' | 'in_sync' | 'changed' | 'pending' | 'reconciling' | 'reconciled' | 'failed';


export type SyncFailureReason =
  /** The peer went silent mid-session. */
  | 'timeout'
  /** The differences exceed what a session may carry (symbols, ids or round trips). */
  | 'too_many_differences'
  /** The peer aborted (busy, limits, protocol). */
  | 'aborted'
  /** The peer sent something the session state does not allow. */
  | 'protocol';

export type PeerSyncState = {
  readonly peer: string;
  readonly state: PeerSyncStatus;
  readonly ourRoot: string;
  /** From the peer's last index-announce; null while none was heard. */
  readonly theirRoot: string | null;
  /** Ids learned from this peer, over all sessions. */
  readonly learned: number;
  /** Ids sent to this peer, over all sessions. */
  readonly sent: number;
  /** Frame bytes of sync messages both ways, over all sessions (announces not included). */
  readonly bytesOnAir: number;
  /** Of the current or last session, counting the announce that started it. */
  readonly roundTrips: number;
  /** Ids learned by the latest session or push that brought any (a range plan counts as one session), and the first of them. */
  readonly lastSessionLearned: number;
  readonly lastSessionIds: ContentId[];
  readonly lastActivityAt: number;
  readonly error?: { readonly reason: SyncFailureReason; readonly detail: string };
};

export type OutgoingSync = { readonly peer: string; readonly message: SyncMessage };
/** `via`: a neighbour's push, a whole-set session, or a range session (a join: far too many ids to pass on by push). */
export type LearnedIds = { readonly peer: string; readonly ids: readonly ContentId[]; readonly via: 'push' | 'session' | 'range' };
export type PeerRejection = SyncRejection & { readonly peer: string };
export type SyncOutput = {
  readonly send: readonly OutgoingSync[];
  readonly learned: readonly LearnedIds[];
  readonly rejected: readonly PeerRejection[];
};

export type IndexSyncOptions = {
  readonly index: SyncIndex;
  /** Floats in [0, 1): session numbers, which also salt the short ids. */
  readonly random: () => number;
  readonly limits?: Partial<SyncLimits>;
  /** Key format of the sessions we start; by default 5-byte identities (6 above 65,536 ids) and 2-byte checks. */
  readonly keyFormat?: KeyFormat;
};

/** Our set as one session sees it: ids packed (codec flag + digest) and their keys. */
type Snapshot = {
  readonly scheme: ShortIdScheme;
  /** 33 bytes per id: 1 when dag-cbor, then the digest. */
  readonly packed: Uint8Array;
  readonly keysHi: Uint32Array;
  readonly keysLo: Uint32Array;
  /** Identity -> position in `packed`, for identities held by exactly one of our ids. */
  readonly byIdentity: IdentityTable;
  /** Ids sharing an identity with another of ours: left out of the sketch, sent whole instead. */
  readonly colliding: IdParts[];
};

/** What a session remembers to repair a lost leg: messages heard, and what we said last. */
type Resendable = {
  readonly peer: string;
  readonly id: number;
  /** Fingerprints of the payloads received: a second copy is the peer resending. */
  readonly heard: Set<string>;
  /** The payloads of our last leg, while it is the last leg (empty once the peer answered). */
  lastOut: Uint8Array[];
  lastOutAt: number;
  /** Our messages not yet all handed to the radio: no resend while a copy is still in our queue. */
  unsent: number;
  /** The payload our last leg answers: the peer resending it missed that leg. */
  answering: string | undefined;
  resends: number;
};

type SessionBase = Resendable & {
  readonly snapshot: Snapshot;
  /** Set in a range session: the prefixes it covers and the encoder's id count there. */
  readonly range: SyncRange | undefined;
  lastActivityAt: number;
  legs: number;
  lastDirection: 'in' | 'out' | undefined;
  idsAccepted: number;
};
/** A session that ended: kept a while so a late copy is answered from memory, or ignored, never taken for a new session. */
type FinishedSession = Resendable & { readonly expiresAt: number };
type EncoderSession = SessionBase & {
  readonly role: 'encoder';
  readonly symbols: CodedSymbols;
  moreServed: number;
  /** By request position; a position whose ids message was lost stays empty and is answered as not held. */
  readonly answers: ({ dagCbor: boolean; tail: Uint8Array } | null | undefined)[];
};
type DecoderSession = SessionBase & {
  readonly role: 'decoder';
  readonly decoder: PeelingDecoder;
  stage: 'symbols' | 'reply';
  extras: boolean;
  moreAsked: number;
  requested: [number, number][];
  /** Requests answered, by position. */
  answeredAt: boolean[];
  answered: number;
};
type Session = EncoderSession | DecoderSession;

type PeerRecord = {
  peer: string;
  state: PeerSyncStatus;
  ourRoot: string;
  theirRoot: string | null;
  theirCount: number | undefined;
  learned: number;
  sent: number;
  bytesOnAir: number;
  roundTrips: number;
  lastSessionLearned: number;
  lastSessionIds: ContentId[];
  /** A session or push began since the list was made: the first id it brings starts a new list. */
  learnedListStale: boolean;
  lastActivityAt: number;
  error: { reason: SyncFailureReason; detail: string } | undefined;
  pendingStartAt: number | undefined;
  failedAt: number | undefined;
  /** Ranges we reconcile with this peer one session each, in order; `next` survives a failed session. */
  plan: RangePlan | undefined;
  /** The last whole-set session ran out of bounds: the next one is split into ranges. */
  splitNext: boolean;
  /** The peer runs range sessions with us until about then: we do not start our own meanwhile. */
  peerPlanUntil: number;
};

type RangePlan = { ranges: { first: number; last: number }[]; next: number; differencesPerRange: number };

const PACKED_ID_BYTES = 1 + DIGEST_BYTES;
const CHECK_BYTES = 2;
/** RIBLT needs ~1.7·d symbols on average at d = 20; the margin covers most of the tail. */
const SYMBOLS_PER_DIFFERENCE = 1.8;
const SYMBOLS_MARGIN = 10;
/** A range session's first sketch fills two frames: enough for d ≈ 20 with p ≈ 99.96 %. */
const FIRST_BATCH_FRAMES = 2;
/** The session number of pushes (sessions we start draw theirs from 1 up). */
const PUSH_SESSION = 0;
/** Pushes carry no short ids; their header names the usual format. */
const PUSH_FORMAT: KeyFormat = { idBytes: 5, checkBytes: CHECK_BYTES };
/** Finished sessions remembered at once (all peers): a range plan finishes one every round trip. */
const MAX_FINISHED_SESSIONS = 64;

class Outbox {
  readonly send: OutgoingSync[] = [];
  readonly learned: LearnedIds[] = [];
  readonly rejected: PeerRejection[] = [];
}

export class IndexSync {
  readonly #index: SyncIndex;
  readonly #random: () => number;
  readonly #limits: SyncLimits;
  readonly #keyFormat: KeyFormat | undefined;
  /** Largest payload of one sync message. */
  readonly #maxPayload: number;
  readonly #sessions = new Map<string, Session>();
  /** By `peer/session`, oldest first. */
  readonly #finished = new Map<string, FinishedSession>();
  readonly #peers = new Map<string, PeerRecord>();
  /** Fingerprint of the payload being handled: the legs it starts answer it. */
  #arriving: string | undefined;

  constructor(options: IndexSyncOptions) {
    this.#index = options.index;
    this.#random = options.random;
    const limits = { ...DEFAULT_SYNC_LIMITS, ...options.limits };
    // Symbol indices travel as u16.
    this.#limits = { ...limits, maxSymbols: Math.min(limits.maxSymbols, MAX_SYMBOL_INDEX + 1) };
    this.#keyFormat = options.keyFormat;
    this.#maxPayload = this.#limits.maxMessageBytes - SYNC_MESSAGE_OVERHEAD_BYTES;
  }

  /**
   * A peer's index-announce: equal roots end there; different ones start (or schedule) a session,
   * not before `notBefore` (the caller's reason to wait, such as ids still arriving by push).
   */
  onAnnounce(peer: string, announce: IndexAnnounceMessage, now: number, notBefore = now): SyncOutput {
    this.#arriving = undefined;
    const out = new Outbox();
    const record = this.#record(peer, now);
    record.theirRoot = announce.rootHash;
    record.theirCount = announce.blockCount;
    record.ourRoot = this.#index.summary().root_hash;
    if (record.ourRoot === announce.rootHash) {
      this.#sessions.delete(peer);
      record.state = 'in_sync';
      record.pendingStartAt = undefined;
      record.error = undefined;
      record.plan = undefined;
      record.splitNext = false;
      return out;
    }
    if (this.#sessions.has(peer) || now < record.peerPlanUntil) return out;
    // Deterministic tie-break: the lower root starts now, the higher one only if nothing came.
    const ownTurn = record.ourRoot < announce.rootHash ? now : now + this.#limits.startDelayMs;
    const startAt = Math.max(ownTurn, notBefore, record.failedAt === undefined ? now : record.failedAt + this.#limits.retryAfterFailureMs);
    if (startAt <= now) this.#start(record, now, out);
    else {
      record.pendingStartAt = Math.min(record.pendingStartAt ?? Infinity, startAt);
      record.state = 'pending';
    }
    return out;
  }

  /** A sync message from a peer. */
  onSync(peer: string, message: SyncMessage, now: number): SyncOutput {
    this.#arriving = undefined;
    const out = new Outbox();
    const record = this.#record(peer, now);
    record.bytesOnAir += syncFrameBytes(message.payload.length);
    const payload = decodeSyncPayload(message.payload);
    if (!('kind' in payload)) return this.#rejected(out, peer, payload);
    if (message.session === PUSH_SESSION) return this.#onPush(record, payload, out);
    const session = this.#sessions.get(peer);
    const ours = session !== undefined && session.id === message.session ? session : undefined;
    const fingerprint = fingerprintOf(message.payload);
    // A copy while the session is open: the peer resent before our answer reached it. We wait on
    // it (our own timer resends), or it is a batch we are still reading: nothing to say.
    if (ours?.heard.has(fingerprint)) {
      ours.lastActivityAt = now;
      return out;
    }
    const finished = ours ? undefined : this.#finished.get(finishedKey(peer, message.session));
    if (finished) return finished.heard.has(fingerprint) ? this.#repeated(finished, fingerprint, now, out) : out;
    this.#arriving = fingerprint;
    if (payload.kind === 'symbols' && !ours) return this.#offered(record, session, message.session, payload, now, out);
    if (!ours) return this.#rejected(out, peer, syncReject('unknown_session', `no session ${message.session} with ${peer}`));
    this.#leg(ours, 'in', now);
    switch (payload.kind) {
      case 'symbols':
        return ours.role === 'decoder' ? this.#onSymbols(ours, payload, now, out) : this.#outOfTurn(ours, payload, out);
      case 'more':
        return ours.role === 'encoder' ? this.#onMore(ours, payload.start, payload.count, now, out) : this.#outOfTurn(ours, payload, out);
      case 'ids':
        return ours.role === 'encoder' ? this.#onIds(ours, payload, now, out) : this.#outOfTurn(ours, payload, out);
      case 'reply':
        return ours.role === 'decoder' && ours.stage === 'reply' ? this.#onReply(ours, payload, now, out) : this.#outOfTurn(ours, payload, out);
      case 'abort':
        this.#fail(ours, 'aborted', `peer aborted: ${payload.reason}`, now, payload.reason === 'limits');
        return out;
      case 'whole':
        return ours.role === 'encoder' && ours.range ? this.#onWhole(ours, now, out) : this.#outOfTurn(ours, payload, out);
    }
  }

  /**
   * Ids new to us (stored here, or learned) for all our neighbours at once: one-frame `ids` messages
   * in session 0, broadcast. A frame costs its airtime once however many neighbours hear it, where a
   * session costs it per neighbour, so a few new ids spread like a flood, each sent once per node.
   */
  push(ids: readonly ContentId[]): SyncMessage[] {
    const perMessage = Math.floor((payloadCapacity(1) - IDS_HEADER_BYTES - 1) / DIGEST_BYTES);
    const messages: SyncMessage[] = [];
    for (let at = 0; at < ids.length; at += perMessage) {
      const batch = ids.slice(at, at + perMessage).map(idPartsOf);
      const payload = encodeSyncPayload({ kind: 'ids', format: PUSH_FORMAT, ids: batch, requests: [], requestStart: 0, continued: false });
      messages.push({ type: 'sync', session: PUSH_SESSION, payload });
    }
    return messages;
  }

  /**
   * Our announce goes out now. A peer we wait on (its root is lower, so it starts) learns our root
   * from it and starts at once: our own start waits a full delay from here, or the two cross.
   */
  announced(now: number): void {
    const ourRoot = this.#index.summary().root_hash;
    for (const record of this.#peers.values()) {
      if (record.pendingStartAt === undefined || record.theirRoot === null || ourRoot < record.theirRoot) continue;
      record.pendingStartAt = Math.max(record.pendingStartAt, now + this.#limits.startDelayMs);
    }
  }

  /**
   * A frame of a message of session `id` went to the radio now (`last`: the message's last frame).
   * Queues on a busy channel, or frames paced across a relay, can hold a message for minutes: the
   * session is alive while its frames move, and the wait for the answer (resend) counts from the last.
   */
  onAir(peer: string, id: number, now: number, last = true): void {
    const session = this.#sessions.get(peer);
    const finished = this.#finished.get(finishedKey(peer, id));
    if (session?.id === id) session.lastActivityAt = Math.max(session.lastActivityAt, now);
    if (!last) return;
    for (const resendable of [session?.id === id ? session : undefined, finished]) {
      if (!resendable) continue;
      resendable.lastOutAt = Math.max(resendable.lastOutAt, now);
      resendable.unsent = Math.max(0, resendable.unsent - 1);
    }
  }

  /**
   * A fragment of a longer message from `peer` came to us now: its answer is on the way (a long one
   * takes minutes across a relay). The session stays open and our resend waits: sent now, it would
   * meet the peer's frames at the relay between us.
   */
  peerTalking(peer: string, now: number): void {
    const session = this.#sessions.get(peer);
    if (!session) return;
    session.lastActivityAt = Math.max(session.lastActivityAt, now);
    if (session.lastOut.length > 0) session.lastOutAt = Math.max(session.lastOutAt, now);
  }

  /** Starts sessions whose delay is over and fails sessions idle too long. */
  tick(now: number): SyncOutput {
    this.#arriving = undefined;
    const out = new Outbox();
    for (const [key, finished] of this.#finished) if (finished.expiresAt <= now) this.#finished.delete(key);
    for (const session of [...this.#sessions.values()]) {
      if (now - session.lastActivityAt >= this.#limits.sessionTimeoutMs) {
        this.#fail(session, 'timeout', `no answer for ${Math.round((now - session.lastActivityAt) / 1000)} s`, now);
      } else if (session.lastOut.length > 0 && session.unsent === 0 && now - session.lastOutAt >= this.#resendDelay(session.lastOut)) this.#resend(session, now, out);
    }
    for (const record of this.#peers.values()) {
      if (record.pendingStartAt !== undefined && record.pendingStartAt <= now && !this.#sessions.has(record.peer)) this.#start(record, now, out);
    }
    return out;
  }

  peers(): PeerSyncState[] {
    const root = this.#index.summary().root_hash;
    return [...this.#peers.values()].map((record) => this.#view(record, root));
  }

  peer(peer: string): PeerSyncState | undefined {
    const record = this.#peers.get(peer);
    return record && this.#view(record, this.#index.summary().root_hash);
  }

  /** Sessions open now (for bounds checks and the console). */
  get openSessions(): number {
    return this.#sessions.size;
  }

  #view(record: PeerRecord, root: string): PeerSyncState {
    const { peer, theirRoot, learned, sent, bytesOnAir, roundTrips, lastSessionLearned, lastActivityAt, error } = record;
    // "In sync" is a claim about now: it holds while our root is still the one they announced.
    const state = record.state === 'in_sync' && theirRoot !== root ? 'changed' : record.state;
    const view = { peer, state, ourRoot: record.ourRoot, theirRoot, learned, sent, bytesOnAir, roundTrips, lastSessionLearned, lastSessionIds: [...record.lastSessionIds], lastActivityAt };
    return error ? { ...view, error } : view;
  }

  #record(peer: string, now: number): PeerRecord {
    let record = this.#peers.get(peer);
    if (record) this.#peers.delete(peer);
    else {
      record = {
        peer,
        state: 'idle',
        ourRoot: this.#index.summary().root_hash,
        theirRoot: null,
        theirCount: undefined,
        learned: 0,
        sent: 0,
        bytesOnAir: 0,
        roundTrips: 0,
        lastSessionLearned: 0,
        lastSessionIds: [],
        learnedListStale: false,
        lastActivityAt: now,
        error: undefined,
        pendingStartAt: undefined,
        failedAt: undefined,
        plan: undefined,
        splitNext: false,
        peerPlanUntil: -Infinity,
      };
    }
    record.lastActivityAt = now;
    this.#peers.set(peer, record);
    if (this.#peers.size > this.#limits.maxPeers) {
      for (const [name] of this.#peers) {
        if (!this.#sessions.has(name)) {
          this.#peers.delete(name);
          break;
        }
      }
    }
    return record;
  }

  // ---- encoder: the side that heard a different root ----

  #start(record: PeerRecord, now: number, out: Outbox): void {
    record.pendingStartAt = undefined;
    record.ourRoot = this.#index.summary().root_hash;
    if (record.ourRoot === record.theirRoot) {
      record.state = 'in_sync';
      record.plan = undefined;
      return;
    }
    if (this.#sessions.size >= this.#limits.maxSessions) {
      record.pendingStartAt = now + this.#limits.startDelayMs;
      record.state = 'pending';
      return;
    }
    if ([...this.#sessions.values()].filter((session) => session.role === 'encoder').length >= this.#limits.maxStarted) {
      record.pendingStartAt = now; // the next tick after a slot frees
      record.state = 'pending';
      return;
    }
    const ourCount = this.#index.size;
    const atLeast = Math.abs((record.theirCount ?? ourCount) - ourCount);
    if (record.plan === undefined && (record.splitNext || atLeast > this.#limits.rangeDifferences)) {
      record.plan = this.#plan(Math.max(atLeast, record.splitNext ? this.#limits.maxIdsPerSession : 0));
      record.splitNext = false;
    }
    if (record.plan) {
      this.#startRange(record, record.plan, now, out);
      return;
    }
    if (atLeast * SYMBOLS_PER_DIFFERENCE > this.#limits.maxSymbols || atLeast > this.#limits.maxIdsPerSession) {
      this.#failRecord(record, 'too_many_differences', `the block counts alone differ by ${atLeast}`, now);
      return;
    }
    beginLearning(record);
    const session = this.#openEncoder(record, undefined, now);
    const keyBytes = session.snapshot.scheme.keyBytes;
    const wanted = Math.ceil(atLeast * SYMBOLS_PER_DIFFERENCE) + SYMBOLS_MARGIN;
    // One frame (31 symbols) unless the counts already differ more: on a mesh that pushes new ids
    // (MeshSync), a session repairs a few lost ones, and 31 symbols decode d = 10 in ~97 % of
    // sessions (d = 20 needs a request for more, one round trip).
    const frames = framesFor(SYMBOLS_HEADER_BYTES + wanted * keyBytes);
    this.#sendSymbols(session, 0, this.#symbolsIn(frames, keyBytes), now, out);
  }

  /** Equal slices of the prefix space, each expected to hold at most `rangeDifferences` of the differences. */
  #plan(differences: number): RangePlan {
    const count = Math.min(FULL_PREFIX_RANGE.last + 1, Math.max(2, Math.ceil(differences / this.#limits.rangeDifferences)));
    const width = (FULL_PREFIX_RANGE.last + 1) / count;
    const ranges = Array.from({ length: count }, (_, i) => ({ first: Math.round(i * width), last: Math.round((i + 1) * width) - 1 }));
    return { ranges, next: 0, differencesPerRange: differences / count };
  }

  /** The plan's next range as one session: a sketch sized for its share of the differences. */
  #startRange(record: PeerRecord, plan: RangePlan, now: number, out: Outbox): void {
    const { first, last } = plan.ranges[plan.next]!;
    if (plan.next === 0) beginLearning(record);
    const session = this.#openEncoder(record, { first, last }, now);
    const range = session.range!;
    const keyBytes = session.snapshot.scheme.keyBytes;
    // A peer that announced no ids answers `whole` at once: one symbol is all it needs to see.
    const wanted = record.theirCount === 0 || range.count === 0 ? 1 : Math.ceil(plan.differencesPerRange * SYMBOLS_PER_DIFFERENCE) + SYMBOLS_MARGIN;
    const frames = wanted === 1 ? 1 : Math.max(FIRST_BATCH_FRAMES, framesFor(SYMBOLS_HEADER_BYTES + RANGE_BYTES + wanted * keyBytes));
    this.#sendSymbols(session, 0, Math.min(wanted, this.#symbolsIn(frames, keyBytes, RANGE_BYTES)), now, out);
  }

  /** After a range session finished: the next range, or the plan is done. */
  #continuePlan(session: EncoderSession, now: number, out: Outbox): void {
    const record = this.#peers.get(session.peer)!;
    const plan = record.plan;
    if (!session.range || !plan) return;
    plan.next += 1;
    if (plan.next < plan.ranges.length) this.#startRange(record, plan, now, out);
    else record.plan = undefined;
  }

  #openEncoder(record: PeerRecord, prefixes: { first: number; last: number } | undefined, now: number): EncoderSession {
    const ourCount = this.#index.size;
    const format = this.#keyFormat ?? { idBytes: Math.max(ourCount, record.theirCount ?? 0) > 0x10000 ? 6 : 5, checkBytes: CHECK_BYTES };
    const id = Math.floor(this.#random() * 0xffff_ffff) + 1; // never 0, the push's
    const snapshot = this.#snapshot(new ShortIdScheme({ ...format, salt: id }), prefixes);
    const session: EncoderSession = {
      role: 'encoder',
      snapshot,
      range: prefixes && { ...prefixes, count: Math.min(0xffff, snapshotSize(snapshot)) },
      symbols: new CodedSymbols(snapshot.keysHi, snapshot.keysLo, id),
      ...freshResendable(record.peer, id),
      lastActivityAt: now,
      legs: 1,
      lastDirection: 'in',
      idsAccepted: 0,
      moreServed: 0,
      answers: [],
    };
    this.#sessions.set(record.peer, session);
    record.state = 'reconciling';
    record.error = undefined;
    return session;
  }

  /**
   * Ids travel in whole-frame messages in range sessions: those carry most of a join's ids, and a
   * lost frame then costs its own few ids, not the whole message's (ids are useful one by one).
   */
  #idsPayloadLimit(session: Session): number {
    return session.range ? payloadCapacity(1) : this.#maxPayload;
  }

  /** Symbols that fit `frames` frames (all of one message when undefined). */
  #symbolsIn(frames: number | undefined, keyBytes: number, rangeBytes = 0): number {
    const capacity = frames === undefined ? this.#maxPayload : Math.min(payloadCapacity(frames), this.#maxPayload);
    return Math.floor((capacity - SYMBOLS_HEADER_BYTES - rangeBytes) / keyBytes);
  }

  #sendSymbols(session: EncoderSession, start: number, count: number, now: number, out: Outbox): void {
    const end = Math.min(start + count, this.#limits.maxSymbols);
    session.symbols.extendTo(end);
    const scheme = session.snapshot.scheme;
    const symbols = new Uint8Array((end - start) * scheme.keyBytes);
    for (let index = start; index < end; index++) scheme.writeKey(session.symbols.hiAt(index), session.symbols.loAt(index), symbols, (index - start) * scheme.keyBytes);
    const payload: SymbolsPayload = { kind: 'symbols', format: formatOf(scheme), start, extras: session.snapshot.colliding.length > 0, symbols };
    this.#send(session, session.range ? { ...payload, range: session.range } : payload, now, out);
  }

  #onMore(session: EncoderSession, start: number, count: number, now: number, out: Outbox): SyncOutput {
    if (start > session.symbols.length || start + count > this.#limits.maxSymbols || session.moreServed >= this.#limits.maxMoreRequests) {
      this.#abort(session, 'limits', now, out);
      this.#fail(session, 'too_many_differences', `peer asked for symbols ${start}..${start + count}`, now);
      return out;
    }
    session.moreServed += 1;
    this.#sendSymbols(session, start, Math.min(count, this.#symbolsIn(undefined, session.snapshot.scheme.keyBytes, session.range ? RANGE_BYTES : 0)), now, out);
    return out;
  }

  #onIds(session: EncoderSession, payload: IdsPayload, now: number, out: Outbox): SyncOutput {
    const scheme = session.snapshot.scheme;
    if (!sameFormat(payload.format, scheme)) return this.#outOfTurn(session, payload, out);
    session.idsAccepted += payload.ids.length + payload.requests.length;
    if (session.idsAccepted > this.#limits.maxIdsPerSession || payload.requestStart + payload.requests.length > this.#limits.maxIdsPerSession) {
      this.#abort(session, 'limits', now, out);
      this.#fail(session, 'too_many_differences', `peer sent or asked for over ${this.#limits.maxIdsPerSession} ids`, now);
      return out;
    }
    this.#learn(session.peer, payload.ids, out, session.range ? 'range' : 'session');
    payload.requests.forEach((request, i) => {
      const [hi, lo] = scheme.readIdentity(request, 0);
      const at = session.snapshot.byIdentity.get(scheme.identityOf(hi, lo));
      const parts = at < 0 ? undefined : partsAt(session.snapshot.packed, at);
      session.answers[payload.requestStart + i] = parts ? { dagCbor: parts.dagCbor, tail: scheme.tailOf(parts) } : null;
    });
    if (payload.continued) return out;
    const extras = session.snapshot.colliding;
    if (session.answers.length > 0 || extras.length > 0) this.#sendReply(session, extras, now, out);
    this.#complete(session, now);
    this.#continuePlan(session, now, out);
    return out;
  }

  /** The peer holds nothing in this range: all our ids there go whole. */
  #onWhole(session: EncoderSession, now: number, out: Outbox): SyncOutput {
    if (session.answers.length > 0) return this.#outOfTurn(session, { kind: 'whole' }, out);
    this.#sendReply(session, allParts(session.snapshot), now, out);
    this.#complete(session, now);
    this.#continuePlan(session, now, out);
    return out;
  }

  #sendReply(session: EncoderSession, extras: readonly IdParts[], now: number, out: Outbox): void {
    const format = formatOf(session.snapshot.scheme);
    const tailBytes = DIGEST_BYTES - format.idBytes;
    const capacity = this.#idsPayloadLimit(session) - REPLY_HEADER_BYTES;
    const answers = session.answers;
    let answerAt = 0;
    let extraAt = 0;
    let continued: boolean;
    do {
      let budget = capacity;
      const answerStart = answerAt;
      const batch: ({ dagCbor: boolean; tail: Uint8Array } | null)[] = [];
      // Each answer costs its bitmap bits, each found one its tail; keep a byte spare per bitmap.
      while (answerAt < answers.length && budget >= tailBytes + 2) {
        const answer = answers[answerAt++] ?? null;
        batch.push(answer);
        budget -= answer ? tailBytes : 0;
        if (batch.length % 8 === 1) budget -= 2;
      }
      const extraBatch: IdParts[] = [];
      while (answerAt >= answers.length && extraAt < extras.length && budget >= DIGEST_BYTES + 1) {
        extraBatch.push(extras[extraAt++]!);
        budget -= DIGEST_BYTES;
        if (extraBatch.length % 8 === 1) budget -= 1;
      }
      continued = answerAt < answers.length || extraAt < extras.length;
      this.#send(session, { kind: 'reply', format, answers: batch, answerStart, extras: extraBatch, continued }, now, out);
      this.#peers.get(session.peer)!.sent += batch.filter(Boolean).length + extraBatch.length;
    } while (continued);
  }

  // ---- decoder: the side whose announce was heard ----

  /** Symbols outside a session of ours: a new session, unless a crossing one of ours wins. */
  #offered(record: PeerRecord, current: Session | undefined, id: number, payload: SymbolsPayload, now: number, out: Outbox): SyncOutput {
    if (payload.start !== 0) return this.#rejected(out, record.peer, syncReject('unknown_session', `symbols from ${payload.start} of unknown session ${id}`));
    // Both sides started: the lower session number goes on, on both sides alike.
    if (current?.role === 'encoder' && current.id <= id) return this.#rejected(out, record.peer, syncReject('out_of_turn', `our crossing session ${current.id} has the lower number`));
    this.#sessions.delete(record.peer);
    if (this.#sessions.size >= this.#limits.maxSessions) {
      const abort = encodeSyncPayload({ kind: 'abort', reason: 'busy' });
      out.send.push({ peer: record.peer, message: { type: 'sync', session: id, payload: abort } });
      record.bytesOnAir += syncFrameBytes(abort.length);
      return this.#rejected(out, record.peer, syncReject('busy', `${this.#sessions.size} sessions open`));
    }
    const snapshot = this.#snapshot(new ShortIdScheme({ ...payload.format, salt: id }), payload.range);
    const own = new CodedSymbols(snapshot.keysHi, snapshot.keysLo, id);
    const session: DecoderSession = {
      role: 'decoder',
      snapshot,
      range: payload.range,
      decoder: new PeelingDecoder(snapshot.scheme, own, (identity) => snapshot.byIdentity.has(identity)),
      ...freshResendable(record.peer, id),
      lastActivityAt: now,
      legs: 0,
      lastDirection: undefined,
      idsAccepted: 0,
      stage: 'symbols',
      extras: false,
      moreAsked: 0,
      requested: [],
      answeredAt: [],
      answered: 0,
    };
    this.#sessions.set(record.peer, session);
    record.state = 'reconciling';
    record.error = undefined;
    record.pendingStartAt = undefined;
    // The peer's range sessions, one after another, are one session for the console.
    if (!payload.range || now >= record.peerPlanUntil) beginLearning(record);
    this.#leg(session, 'in', now);
    if (!payload.range) return this.#onSymbols(session, payload, now, out);
    // The peer walks the id space range by range: its plan, not ours, until it goes quiet.
    record.peerPlanUntil = now + this.#limits.sessionTimeoutMs;
    // Either side empty in this range: no sketch to peel, the ids go whole.
    if (payload.range.count === 0) this.#sendIds(session, allParts(snapshot), [], now, out);
    else if (snapshotSize(snapshot) === 0) {
      session.stage = 'reply';
      session.extras = true;
      this.#send(session, { kind: 'whole' }, now, out);
    } else this.#onSymbols(session, payload, now, out);
    return out;
  }

  #onSymbols(session: DecoderSession, payload: SymbolsPayload, now: number, out: Outbox): SyncOutput {
    const scheme = session.snapshot.scheme;
    const decoder = session.decoder;
    if (session.stage !== 'symbols' || !sameFormat(payload.format, scheme) || payload.start !== decoder.length || !sameRange(payload.range, session.range)) {
      return this.#rejected(out, session.peer, syncReject('out_of_turn', `symbols from ${payload.start}, expected ${decoder.length}`));
    }
    const count = payload.symbols.length / scheme.keyBytes;
    if (decoder.length + count > this.#limits.maxSymbols) {
      this.#abort(session, 'limits', now, out);
      this.#fail(session, 'too_many_differences', `more than ${this.#limits.maxSymbols} symbols`, now);
      return out;
    }
    session.extras ||= payload.extras;
    const hi = new Uint32Array(count);
    const lo = new Uint32Array(count);
    for (let i = 0; i < count; i++) [hi[i], lo[i]] = scheme.readKey(payload.symbols, i * scheme.keyBytes);
    decoder.add(hi, lo);
    if (decoder.complete) {
      this.#sendDecoded(session, now, out);
      return out;
    }
    const room = this.#limits.maxSymbols - decoder.length;
    if (session.moreAsked >= this.#limits.maxMoreRequests || room <= 0) {
      this.#abort(session, 'limits', now, out);
      this.#fail(session, 'too_many_differences', `not decoded after ${decoder.length} symbols`, now);
      return out;
    }
    // Ask for enough to decode the estimated difference, in whole frames, at most tripling.
    const estimate = decoder.estimateDifferences(this.#limits.maxSymbols);
    const perFrame = this.#symbolsIn(1, scheme.keyBytes);
    const wanted = Math.min(Math.max(Math.ceil(estimate * SYMBOLS_PER_DIFFERENCE) + SYMBOLS_MARGIN - decoder.length, perFrame), 2 * decoder.length, room);
    const asked = Math.min(this.#symbolsIn(framesFor(SYMBOLS_HEADER_BYTES + wanted * scheme.keyBytes), scheme.keyBytes), room);
    session.moreAsked += 1;
    this.#send(session, { kind: 'more', start: decoder.length, count: asked }, now, out);
    return out;
  }

  /** The peeled difference: our ids the peer lacks go whole, its ids we lack are asked for by identity. */
  #sendDecoded(session: DecoderSession, now: number, out: Outbox): void {
    const { scheme, packed, byIdentity, colliding } = session.snapshot;
    const format = formatOf(scheme);
    const ids: IdParts[] = [...colliding];
    const requests: Uint8Array[] = [];
    for (const key of session.decoder.decoded) {
      if (key.local) ids.push(partsAt(packed, byIdentity.get(scheme.identityOf(key.hi, key.lo))));
      else {
        const identity = new Uint8Array(format.idBytes);
        scheme.writeIdentity(key.hi, key.lo, identity, 0);
        requests.push(identity);
        session.requested.push([key.hi, key.lo]);
      }
    }
    this.#sendIds(session, ids, requests, now, out);
  }

  #sendIds(session: DecoderSession, ids: readonly IdParts[], requests: readonly Uint8Array[], now: number, out: Outbox): void {
    const format = formatOf(session.snapshot.scheme);
    if (ids.length + requests.length > this.#limits.maxIdsPerSession) {
      this.#abort(session, 'limits', now, out);
      this.#fail(session, 'too_many_differences', `${ids.length + requests.length} ids differ`, now);
      return;
    }
    const capacity = this.#idsPayloadLimit(session) - IDS_HEADER_BYTES;
    let idAt = 0;
    let requestAt = 0;
    do {
      let budget = capacity;
      const idBatch: IdParts[] = [];
      while (idAt < ids.length && budget >= DIGEST_BYTES + 1) {
        idBatch.push(ids[idAt++]!);
        budget -= DIGEST_BYTES;
        if (idBatch.length % 8 === 1) budget -= 1;
      }
      const requestStart = requestAt;
      const requestBatch: Uint8Array[] = [];
      while (idAt >= ids.length && requestAt < requests.length && budget >= format.idBytes) {
        requestBatch.push(requests[requestAt++]!);
        budget -= format.idBytes;
      }
      const continued = idAt < ids.length || requestAt < requests.length;
      this.#send(session, { kind: 'ids', format, ids: idBatch, requests: requestBatch, requestStart, continued }, now, out);
      this.#peers.get(session.peer)!.sent += idBatch.length;
    } while (idAt < ids.length || requestAt < requests.length);
    if (requests.length === 0 && !session.extras) this.#complete(session, now);
    else session.stage = 'reply';
  }

  #onReply(session: DecoderSession, payload: ReplyPayload, now: number, out: Outbox): SyncOutput {
    const scheme = session.snapshot.scheme;
    if (!sameFormat(payload.format, scheme) || payload.answerStart + payload.answers.length > session.requested.length) return this.#outOfTurn(session, payload, out);
    // Answers are bounded by our own requests; extras only by this.
    session.idsAccepted += payload.extras.length;
    if (session.idsAccepted > this.#limits.maxIdsPerSession) {
      this.#fail(session, 'too_many_differences', `peer sent over ${this.#limits.maxIdsPerSession} extra ids`, now);
      return out;
    }
    const ids: IdParts[] = [...payload.extras];
    for (const [i, answer] of payload.answers.entries()) {
      const at = payload.answerStart + i;
      if (session.answeredAt[at]) continue;
      session.answeredAt[at] = true;
      session.answered += 1;
      const [hi, lo] = session.requested[at]!;
      if (answer) ids.push(scheme.partsFromTail(hi, lo, answer.dagCbor, answer.tail));
    }
    this.#learn(session.peer, ids, out, session.range ? 'range' : 'session');
    if (payload.continued) return out;
    if (session.answered !== session.requested.length) {
      this.#fail(session, 'protocol', `${session.requested.length - session.answered} requests unanswered`, now);
    } else this.#complete(session, now);
    return out;
  }

  // ---- shared ----

  /** A neighbour's push: whole ids, no session, nothing to answer. */
  #onPush(record: PeerRecord, payload: SyncPayload, out: Outbox): SyncOutput {
    if (payload.kind !== 'ids' || payload.requests.length > 0 || payload.continued) {
      return this.#rejected(out, record.peer, syncReject('out_of_turn', `a push carries ids only, not ${payload.kind === 'ids' ? 'requests' : payload.kind}`));
    }
    if (!this.#sessions.has(record.peer)) beginLearning(record);
    this.#learn(record.peer, payload.ids, out, 'push');
    return out;
  }

  /** Our ids (those whose digest prefix is in `prefixes`, when given) as this session keys them. */
  #snapshot(scheme: ShortIdScheme, prefixes?: { first: number; last: number }): Snapshot {
    let ids = this.#index.ids();
    if (prefixes) ids = ids.filter((id) => inPrefixes(contentIdBytes(id), prefixes));
    const packed = new Uint8Array(ids.length * PACKED_ID_BYTES);
    const allHi = new Uint32Array(ids.length);
    const allLo = new Uint32Array(ids.length);
    const all = new IdentityTable(ids.length);
    const shared = new Set<number>();
    for (let at = 0; at < ids.length; at++) {
      const bytes = contentIdBytes(ids[at]!);
      const offset = at * PACKED_ID_BYTES;
      const dagCbor = bytes[1] === DAG_CBOR_CODEC;
      packed[offset] = dagCbor ? 1 : 0;
      packed.set(bytes.subarray(bytes.length - DIGEST_BYTES), offset + 1);
      const [hi, lo] = scheme.keyOf(dagCbor, packed, offset + 1);
      allHi[at] = hi;
      allLo[at] = lo;
      const identity = scheme.identityOf(hi, lo);
      if (all.add(identity, at) >= 0) shared.add(identity);
    }
    if (shared.size === 0) return { scheme, packed, keysHi: allHi, keysLo: allLo, byIdentity: all, colliding: [] };
    const colliding: IdParts[] = [];
    const keep: number[] = [];
    const byIdentity = new IdentityTable(ids.length);
    for (let at = 0; at < ids.length; at++) {
      const identity = scheme.identityOf(allHi[at]!, allLo[at]!);
      if (shared.has(identity)) colliding.push(partsAt(packed, at));
      else {
        keep.push(at);
        byIdentity.add(identity, at);
      }
    }
    return {
      scheme,
      packed,
      keysHi: Uint32Array.from(keep, (at) => allHi[at]!),
      keysLo: Uint32Array.from(keep, (at) => allLo[at]!),
      byIdentity,
      colliding,
    };
  }

  #learn(peer: string, parts: readonly IdParts[], out: Outbox, via: LearnedIds['via']): void {
    const ids = [...new Set(parts.map(contentIdOfParts))].filter((id) => !this.#index.has(id));
    if (ids.length === 0) return;
    out.learned.push({ peer, ids, via });
    const record = this.#peers.get(peer)!;
    record.learned += ids.length;
    if (record.learnedListStale) {
      record.learnedListStale = false;
      record.lastSessionLearned = 0;
      record.lastSessionIds = [];
    }
    record.lastSessionLearned += ids.length;
    record.lastSessionIds.push(...ids.slice(0, LAST_SESSION_IDS_SHOWN - record.lastSessionIds.length));
  }

  #send(session: Session, payload: SyncPayload, now: number, out: Outbox): void {
    const bytes = encodeSyncPayload(payload);
    this.#put(session.peer, session.id, bytes, out);
    this.#leg(session, 'out', now);
    session.lastOut.push(bytes);
    session.lastOutAt = now;
    session.unsent += 1;
  }

  #put(peer: string, id: number, payload: Uint8Array, out: Outbox): void {
    out.send.push({ peer, message: { type: 'sync', session: id, payload } });
    const record = this.#peers.get(peer);
    if (record) record.bytesOnAir += syncFrameBytes(payload.length);
  }

  #leg(session: Session, direction: 'in' | 'out', now: number): void {
    if (session.lastDirection !== direction) {
      session.legs += 1;
      if (direction === 'in') session.lastOut = [];
      else session.answering = this.#arriving !== undefined && session.heard.has(this.#arriving) ? this.#arriving : undefined;
    }
    if (direction === 'in' && this.#arriving !== undefined) session.heard.add(this.#arriving);
    session.lastDirection = direction;
    session.lastActivityAt = now;
    const record = this.#peers.get(session.peer)!;
    record.roundTrips = Math.ceil(session.legs / 2);
    record.lastActivityAt = now;
  }

  #abort(session: Session, reason: AbortReason, now: number, out: Outbox): void {
    this.#send(session, { kind: 'abort', reason }, now, out);
  }

  #complete(session: Session, now: number): void {
    this.#finish(session, now);
    const record = this.#peers.get(session.peer)!;
    record.state = 'reconciled';
    record.failedAt = undefined;
    record.lastActivityAt = now;
  }

  /** `outOfBounds`: the peer said the differences exceed its bounds (an abort for limits). */
  #fail(session: Session, reason: SyncFailureReason, detail: string, now: number, outOfBounds = false): void {
    this.#finish(session, now);
    const record = this.#peers.get(session.peer)!;
    this.#failRecord(record, reason, detail, now);
    if (session.role !== 'encoder' || (reason !== 'too_many_differences' && !outOfBounds)) {
      // A plan goes on where it stopped once the retry delay is over, without waiting for an announce.
      if (record.plan) record.pendingStartAt = now + this.#limits.retryAfterFailureMs;
      return;
    }
    const plan = record.plan;
    if (!session.range || !plan) {
      record.splitNext = true;
      return;
    }
    // The range held more than a session carries: halve it and go on at once.
    const { first, last } = plan.ranges[plan.next]!;
    if (first < last) {
      const middle = first + Math.floor((last - first) / 2);
      plan.ranges.splice(plan.next, 1, { first, last: middle }, { first: middle + 1, last });
      plan.differencesPerRange /= 2;
    }
    record.failedAt = undefined;
    record.pendingStartAt = now;
  }

  /** The session closes; what it needs to answer a late copy stays for one session timeout. */
  #finish(session: Session, now: number): void {
    this.#sessions.delete(session.peer);
    const { peer, id, heard, lastOut, lastOutAt, unsent, answering, resends } = session;
    const key = finishedKey(peer, id);
    this.#finished.delete(key);
    this.#finished.set(key, { peer, id, heard, lastOut, lastOutAt, unsent, answering, resends, expiresAt: now + this.#limits.sessionTimeoutMs });
    if (this.#finished.size > MAX_FINISHED_SESSIONS) this.#finished.delete(this.#finished.keys().next().value!);
  }

  /**
   * A copy of a payload a finished session handled. When it is the one our last leg answered, and
   * that leg has been on air a while (so the copy did not cross it), the peer missed it: send it again.
   */
  #repeated(session: Resendable, fingerprint: string, now: number, out: Outbox): SyncOutput {
    if (fingerprint === session.answering && session.lastOut.length > 0 && session.unsent === 0 && now - session.lastOutAt >= this.#limits.resendAfterMs / 2) this.#resend(session, now, out);
    return out;
  }

  #resend(session: Resendable, now: number, out: Outbox): void {
    if (session.resends >= this.#limits.maxResends) return;
    session.resends += 1;
    session.lastOutAt = now;
    session.unsent += session.lastOut.length;
    for (const payload of session.lastOut) this.#put(session.peer, session.id, payload, out);
  }

  #resendDelay(payloads: readonly Uint8Array[]): number {
    const frames = payloads.reduce((sum, payload) => sum + framesFor(payload.length), 0);
    return this.#limits.resendAfterMs + frames * this.#limits.resendPerFrameMs;
  }

  #failRecord(record: PeerRecord, reason: SyncFailureReason, detail: string, now: number): void {
    record.state = 'failed';
    record.error = { reason, detail };
    record.failedAt = now;
  }

  #outOfTurn(session: Session, payload: SyncPayload, out: Outbox): SyncOutput {
    return this.#rejected(out, session.peer, syncReject('out_of_turn', `${payload.kind} does not fit a ${session.role} session here`));
  }

  #rejected(out: Outbox, peer: string, rejection: SyncRejection): SyncOutput {
    out.rejected.push({ ...rejection, peer });
    return out;
  }
}

function freshResendable(peer: string, id: number): Resendable {
  return { peer, id, heard: new Set(), lastOut: [], lastOutAt: -Infinity, unsent: 0, answering: undefined, resends: 0 };
}

function finishedKey(peer: string, id: number): string {
  return `${peer}/${id}`;
}

/** FNV-1a over the payload, with its length: tells a resent copy from a new message of the session. */
function fingerprintOf(payload: Uint8Array): string {
  let hash = 0x811c9dc5;
  for (const byte of payload) hash = Math.imul(hash ^ byte, 0x01000193);
  return `${payload.length}:${(hash >>> 0).toString(16)}`;
}

function formatOf(scheme: ShortIdScheme): KeyFormat {
  return { idBytes: scheme.params.idBytes, checkBytes: scheme.params.checkBytes };
}

function sameFormat(format: KeyFormat, scheme: ShortIdScheme): boolean {
  return format.idBytes === scheme.params.idBytes && format.checkBytes === scheme.params.checkBytes;
}

/**
 * A new session or push begins. The list of ids the last one brought stays until this one brings
 * any: a session or a push that finds nothing new would otherwise empty it under the operator's
 * hands, while a request from it is on its way.
 */
function beginLearning(record: PeerRecord): void {
  record.learnedListStale = true;
}

function sameRange(a: SyncRange | undefined, b: SyncRange | undefined): boolean {
  return a === b || (a !== undefined && b !== undefined && a.first === b.first && a.last === b.last && a.count === b.count);
}

function inPrefixes(idBytes: Uint8Array, prefixes: { first: number; last: number }): boolean {
  const at = idBytes.length - DIGEST_BYTES;
  const prefix = (idBytes[at]! << 8) | idBytes[at + 1]!;
  return prefix >= prefixes.first && prefix <= prefixes.last;
}

function snapshotSize(snapshot: Snapshot): number {
  return snapshot.packed.length / PACKED_ID_BYTES;
}

function allParts(snapshot: Snapshot): IdParts[] {
  return Array.from({ length: snapshotSize(snapshot) }, (_, at) => partsAt(snapshot.packed, at));
}

function partsAt(packed: Uint8Array, at: number): IdParts {
  const offset = at * PACKED_ID_BYTES;
  return { dagCbor: packed[offset] === 1, digest: packed.slice(offset + 1, offset + PACKED_ID_BYTES) };
}
