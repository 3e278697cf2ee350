// The payloads a `sync` message carries (after its session number). Byte layout in README.md of
// this folder. Decoding never throws: anything malformed is a SyncRejection naming what was wrong.
import { ByteReader, ByteWriter } from '../bytes.ts';
import { DIGEST_BYTES, validParams, type IdParts } from './short-ids.ts';

export const PAYLOAD_KINDS = ['symbols', 'more', 'ids', 'reply', 'abort', 'whole'] as const;
export type PayloadKind = (typeof PAYLOAD_KINDS)[number];
const KIND_CODES: Readonly<Record<PayloadKind, number>> = { symbols: 1, more: 2, ids: 3, reply: 4, abort: 5, whole: 7 };
/** Symbols of a range session: the range travels in front of the start index. */
const RANGE_SYMBOLS_CODE = 6;
const KIND_BY_CODE = new Map<number, PayloadKind>([...Object.entries(KIND_CODES).map(([kind, code]) => [code, kind as PayloadKind] as const), [RANGE_SYMBOLS_CODE, 'symbols']]);

export const ABORT_REASONS = ['busy', 'limits', 'protocol'] as const;
/** busy: no session slot free; limits: the peer asked beyond our bounds; protocol: out of turn. */
export type AbortReason = (typeof ABORT_REASONS)[number];

export type KeyFormat = { readonly idBytes: number; readonly checkBytes: number };

/**
 * A slice of the id space: ids whose digest starts with a 16-bit prefix in first..last (inclusive),
 * and how many of them the encoder holds (what lets the decoder skip the sketch when either side has none).
 */
export type SyncRange = { readonly first: number; readonly last: number; readonly count: number };
export const FULL_PREFIX_RANGE = { first: 0, last: 0xffff } as const;

/** A run of coded symbols starting at `start`, each `idBytes + checkBytes` bytes. */
export type SymbolsPayload = {
  readonly kind: 'symbols';
  readonly format: KeyFormat;
  readonly start: number;
  /** The sender left ids out of the sketch (colliding short ids) and will send them with its reply. */
  readonly extras: boolean;
  readonly symbols: Uint8Array;
  /** Set in a range session: the sketch covers only these ids. */
  readonly range?: SyncRange;
};
export type MorePayload = { readonly kind: 'more'; readonly start: number; readonly count: number };
/** The decoder's result: ids the encoder lacks, and identities of the encoder's ids it wants. */
export type IdsPayload = {
  readonly kind: 'ids';
  readonly format: KeyFormat;
  readonly ids: readonly IdParts[];
  readonly requests: readonly Uint8Array[];
  /** Position of the first request among all of the session's (a lost message must not shift the answers). */
  readonly requestStart: number;
  /** More ids messages follow in this session. */
  readonly continued: boolean;
};
/** Answers in request order (null: not held), then ids left out of the sketch. */
export type ReplyPayload = {
  readonly kind: 'reply';
  readonly format: KeyFormat;
  readonly answers: readonly ({ readonly dagCbor: boolean; readonly tail: Uint8Array } | null)[];
  /** Which request the first answer is for. */
  readonly answerStart: number;
  readonly extras: readonly IdParts[];
  readonly continued: boolean;
};
export type AbortPayload = { readonly kind: 'abort'; readonly reason: AbortReason };
/** The decoder holds no id of the session's range: the encoder sends all of its own there whole (as reply extras). */
export type WholePayload = { readonly kind: 'whole' };
export type SyncPayload = SymbolsPayload | MorePayload | IdsPayload | ReplyPayload | AbortPayload | WholePayload;

/** malformed: does not parse; unknown_session: no such session with that peer; out_of_turn: not now; busy: no slot. */
export type SyncRejectReason = 'malformed' | 'unknown_session' | 'out_of_turn' | 'busy';
export type SyncRejection = { readonly ok: false; readonly reason: SyncRejectReason; readonly detail: string };

export function syncReject(reason: SyncRejectReason, detail: string): SyncRejection {
  return { ok: false, reason, detail };
}

/** Header byte: kind (3 bits) · identity bytes (3 bits) · wide check (1 bit: 3 check bytes, else 2) · flag (1 bit). */
const CHECK_BYTES_NARROW = 2;
const CHECK_BYTES_WIDE = 3;
/** Header byte, plus start index for symbols. */
export const SYMBOLS_HEADER_BYTES = 3;
/** First and last prefix, encoder count. */
export const RANGE_BYTES = 6;
export const IDS_HEADER_BYTES = 7;
export const REPLY_HEADER_BYTES = 7;
export const MAX_SYMBOL_INDEX = 0xffff;

function header(kind: PayloadKind, format: KeyFormat | undefined, flag: boolean, code = KIND_CODES[kind]): number {
  let byte = code << 5;
  if (format) {
    if (!validParams(format.idBytes, format.checkBytes) || (format.checkBytes !== CHECK_BYTES_NARROW && format.checkBytes !== CHECK_BYTES_WIDE)) {
      throw new RangeError(`keys of ${format.idBytes} + ${format.checkBytes} bytes cannot be sent`);
    }
    byte |= (format.idBytes << 2) | (format.checkBytes === CHECK_BYTES_WIDE ? 2 : 0);
  }
  return byte | (flag ? 1 : 0);
}

function checkCount(value: number, max: number, what: string): void {
  if (!Number.isInteger(value) || value < 0 || value > max) throw new RangeError(`${what} must be an integer in 0..${max}, got ${value}`);
}

/** Bit i (LSB first within each byte) set when `flags[i]`. */
function bitmap(flags: readonly boolean[]): Uint8Array {
  const bytes = new Uint8Array(Math.ceil(flags.length / 8));
  flags.forEach((flag, i) => {
    if (flag) bytes[i >>> 3]! |= 1 << (i & 7);
  });
  return bytes;
}

function readBitmap(input: ByteReader, count: number): boolean[] | undefined {
  const bytes = input.bytes(Math.ceil(count / 8));
  if (input.truncated) return undefined;
  const flags = Array.from({ length: count }, (_, i) => ((bytes[i >>> 3]! >>> (i & 7)) & 1) === 1);
  // Padding bits must be zero: one payload, one encoding.
  if (count % 8 !== 0 && bytes[bytes.length - 1]! >>> count % 8 !== 0) return undefined;
  return flags;
}

/** Encodes a payload. Throws RangeError on values the layout cannot carry. */
export function encodeSyncPayload(payload: SyncPayload): Uint8Array {
  const out = new ByteWriter();
  switch (payload.kind) {
    case 'symbols': {
      checkCount(payload.start, MAX_SYMBOL_INDEX, 'start index');
      const keyBytes = payload.format.idBytes + payload.format.checkBytes;
      if (payload.symbols.length === 0 || payload.symbols.length % keyBytes !== 0) throw new RangeError(`symbols must be a non-empty run of ${keyBytes}-byte keys`);
      checkCount(payload.start + payload.symbols.length / keyBytes - 1, MAX_SYMBOL_INDEX, 'last symbol index');
      const range = payload.range;
      if (!range) return out.u8(header('symbols', payload.format, payload.extras)).u16(payload.start).bytes(payload.symbols).finish();
      checkCount(range.first, 0xffff, 'range start');
      checkCount(range.last, 0xffff, 'range end');
      checkCount(range.count, 0xffff, 'range id count');
      if (range.last < range.first) throw new RangeError('a range ends before it starts');
      out.u8(header('symbols', payload.format, payload.extras, RANGE_SYMBOLS_CODE)).u16(range.first).u16(range.last).u16(range.count);
      return out.u16(payload.start).bytes(payload.symbols).finish();
    }
    case 'more':
      checkCount(payload.start, MAX_SYMBOL_INDEX, 'start index');
      checkCount(payload.count, MAX_SYMBOL_INDEX, 'symbol count');
      if (payload.count === 0) throw new RangeError('asking for no symbols');
      return out.u8(header('more', undefined, false)).u16(payload.start).u16(payload.count).finish();
    case 'ids': {
      checkCount(payload.ids.length, 0xffff, 'id count');
      checkCount(payload.requests.length, 0xffff, 'request count');
      checkCount(payload.requestStart, 0xffff, 'first request position');
      out.u8(header('ids', payload.format, payload.continued)).u16(payload.ids.length).u16(payload.requests.length).u16(payload.requestStart);
      out.bytes(bitmap(payload.ids.map((id) => id.dagCbor)));
      for (const id of payload.ids) out.bytes(digestOf(id));
      for (const request of payload.requests) {
        if (request.length !== payload.format.idBytes) throw new RangeError(`requests are ${payload.format.idBytes}-byte identities`);
        out.bytes(request);
      }
      return out.finish();
    }
    case 'reply': {
      checkCount(payload.answers.length, 0xffff, 'answer count');
      checkCount(payload.extras.length, 0xffff, 'extra id count');
      checkCount(payload.answerStart, 0xffff, 'first answer position');
      const found = payload.answers.filter((answer) => answer !== null);
      out.u8(header('reply', payload.format, payload.continued)).u16(payload.answers.length).u16(payload.extras.length).u16(payload.answerStart);
      out.bytes(bitmap(payload.answers.map((answer) => answer !== null)));
      out.bytes(bitmap([...found.map((answer) => answer.dagCbor), ...payload.extras.map((id) => id.dagCbor)]));
      const tailBytes = DIGEST_BYTES - payload.format.idBytes;
      for (const answer of found) {
        if (answer.tail.length !== tailBytes) throw new RangeError(`answers are ${tailBytes}-byte digest tails`);
        out.bytes(answer.tail);
      }
      for (const id of payload.extras) out.bytes(digestOf(id));
      return out.finish();
    }
    case 'abort':
      return out.u8(header('abort', undefined, false)).u8(ABORT_REASONS.indexOf(payload.reason)).finish();
    case 'whole':
      return out.u8(header('whole', undefined, false)).finish();
  }
}

function digestOf(id: IdParts): Uint8Array {
  if (id.digest.length !== DIGEST_BYTES) throw new RangeError(`digests are ${DIGEST_BYTES} bytes`);
  return id.digest;
}

function readIds(input: ByteReader, dagCbor: readonly boolean[]): IdParts[] {
  return dagCbor.map((flag) => ({ dagCbor: flag, digest: Uint8Array.from(input.bytes(DIGEST_BYTES)) }));
}

/** Decodes a payload; never throws. */
export function decodeSyncPayload(bytes: Uint8Array): SyncPayload | SyncRejection {
  const input = new ByteReader(bytes);
  const head = input.u8();
  if (input.truncated) return syncReject('malformed', 'empty payload');
  const code = head >>> 5;
  const kind = KIND_BY_CODE.get(code);
  if (kind === undefined) return syncReject('malformed', `unknown payload kind ${head >>> 5}`);
  const idBytes = (head >>> 2) & 7;
  const checkBytes = head & 2 ? CHECK_BYTES_WIDE : CHECK_BYTES_NARROW;
  const flag = (head & 1) === 1;
  const format: KeyFormat = { idBytes, checkBytes };
  const keyed = kind === 'symbols' || kind === 'ids' || kind === 'reply';
  if (keyed && !validParams(idBytes, checkBytes)) return syncReject('malformed', `keys of ${idBytes} + ${checkBytes} bytes`);
  if (!keyed && (head & 0x1f) !== 0) return syncReject('malformed', `${kind} with key format bits set`);
  const done = <T extends SyncPayload>(payload: T): T | SyncRejection => {
    if (input.truncated) return syncReject('malformed', `${kind} payload cut short`);
    if (input.remaining > 0) return syncReject('malformed', `${kind} payload has ${input.remaining} trailing bytes`);
    return payload;
  };
  switch (kind) {
    case 'symbols': {
      const range = code === RANGE_SYMBOLS_CODE ? { first: input.u16(), last: input.u16(), count: input.u16() } : undefined;
      if (range && !input.truncated && range.last < range.first) return syncReject('malformed', `range ${range.first}..${range.last} ends before it starts`);
      const start = input.u16();
      const symbols = Uint8Array.from(input.rest());
      const keyBytes = idBytes + checkBytes;
      if (input.truncated || symbols.length === 0) return syncReject('malformed', 'symbols payload without symbols');
      if (symbols.length % keyBytes !== 0) return syncReject('malformed', `${symbols.length} symbol bytes are not a run of ${keyBytes}-byte keys`);
      if (start + symbols.length / keyBytes - 1 > MAX_SYMBOL_INDEX) return syncReject('malformed', 'symbol index beyond 65535');
      return done(range ? { kind, format, start, extras: flag, symbols, range } : { kind, format, start, extras: flag, symbols });
    }
    case 'more': {
      const start = input.u16();
      const count = input.u16();
      if (!input.truncated && count === 0) return syncReject('malformed', 'asking for no symbols');
      return done({ kind, start, count });
    }
    case 'ids': {
      const idCount = input.u16();
      const requestCount = input.u16();
      const requestStart = input.u16();
      if (input.truncated) return syncReject('malformed', 'ids header cut short');
      if (input.remaining !== Math.ceil(idCount / 8) + idCount * DIGEST_BYTES + requestCount * idBytes) {
        return syncReject('malformed', `${idCount} ids and ${requestCount} requests do not fill ${input.remaining} bytes`);
      }
      const dagCbor = readBitmap(input, idCount);
      if (!dagCbor) return syncReject('malformed', 'codec bitmap padding is not zero');
      const ids = readIds(input, dagCbor);
      const requests = Array.from({ length: requestCount }, () => Uint8Array.from(input.bytes(idBytes)));
      return done({ kind, format, ids, requests, requestStart, continued: flag });
    }
    case 'reply': {
      const answerCount = input.u16();
      const extraCount = input.u16();
      const answerStart = input.u16();
      const found = readBitmap(input, answerCount);
      if (input.truncated) return syncReject('malformed', 'reply header cut short');
      if (!found) return syncReject('malformed', 'answer bitmap padding is not zero');
      const foundCount = found.filter(Boolean).length;
      const tailBytes = DIGEST_BYTES - idBytes;
      if (input.remaining !== Math.ceil((foundCount + extraCount) / 8) + foundCount * tailBytes + extraCount * DIGEST_BYTES) {
        return syncReject('malformed', `${foundCount} answers and ${extraCount} extra ids do not fill ${input.remaining} bytes`);
      }
      const dagCbor = readBitmap(input, foundCount + extraCount);
      if (!dagCbor) return syncReject('malformed', 'codec bitmap padding is not zero');
      let next = 0;
      const answers = found.map((held) => (held ? { dagCbor: dagCbor[next++]!, tail: Uint8Array.from(input.bytes(tailBytes)) } : null));
      const extras = readIds(input, dagCbor.slice(foundCount));
      return done({ kind, format, answers, answerStart, extras, continued: flag });
    }
    case 'abort': {
      const reason = ABORT_REASONS[input.u8()];
      if (!input.truncated && reason === undefined) return syncReject('malformed', 'unknown abort reason');
      return done({ kind, reason: reason ?? 'protocol' });
    }
    case 'whole':
      return done({ kind });
  }
}
