// The block request protocol (`/pakit/<networkId>/block/1.0.0`), one request per stream:
//   request:  u8 id length, then the content id as UTF-8 text
//   response: u8 status (0 found, 1 not held), u32 big-endian length, then the block bytes
// The requester checks the bytes against the content id before anything else sees them.
import type { Stream } from '@libp2p/interface';
import type { CID } from 'multiformats/cid';
import type { BlockStore } from '../storage/index.ts';
import { matchesContentId, parseContentId } from '../storage/content-id.ts';
import { BLOCK_SIZE } from '../storage/index.ts';

const FOUND = 0;
const NOT_HELD = 1;
/** A root node of a large file is bigger than a leaf block only by a little. */
const MAX_BLOCK_BYTES = BLOCK_SIZE + 64 * 1024;

export type FetchOutcome =
  | { kind: 'block'; bytes: Uint8Array }
  | { kind: 'not_held' }
  /** Bytes that do not hash to the id: the peer served a corrupt or forged block. */
  | { kind: 'corrupt' };

export async function serveBlock(stream: Stream, store: BlockStore): Promise<void> {
  const reader = new StreamReader(stream);
  const idLength = (await reader.read(1))[0]!;
  const id = new TextDecoder().decode(await reader.read(idLength));
  let bytes: Uint8Array | undefined;
  try {
    if (store.has(id)) bytes = await store.get(id);
  } catch {
    // Unparseable id, or a block that fails its own check on disk: we do not hold a good copy.
    bytes = undefined;
  }
  const header = new Uint8Array(5);
  header[0] = bytes ? FOUND : NOT_HELD;
  new DataView(header.buffer).setUint32(1, bytes?.length ?? 0);
  await send(stream, header);
  if (bytes) await send(stream, bytes);
  await stream.close();
}

export async function fetchBlock(stream: Stream, id: string): Promise<FetchOutcome> {
  const cid: CID = parseContentId(id);
  const idBytes = new TextEncoder().encode(cid.toString());
  await send(stream, Uint8Array.of(idBytes.length, ...idBytes));
  const reader = new StreamReader(stream);
  const header = await reader.read(5);
  const length = new DataView(header.buffer, header.byteOffset).getUint32(1);
  let outcome: FetchOutcome;
  if (header[0] === NOT_HELD) outcome = { kind: 'not_held' };
  else if (header[0] !== FOUND || length > MAX_BLOCK_BYTES) outcome = { kind: 'corrupt' };
  else {
    const bytes = await reader.read(length);
    outcome = matchesContentId(cid, bytes) ? { kind: 'block', bytes } : { kind: 'corrupt' };
  }
  await stream.close().catch(() => undefined);
  return outcome;
}

async function send(stream: Stream, bytes: Uint8Array): Promise<void> {
  if (!stream.send(bytes)) await stream.onDrain();
}

/** Exact-length reads over a libp2p stream's chunks. */
class StreamReader {
  readonly #chunks: AsyncIterator<Uint8Array | { subarray(): Uint8Array }>;
  #pending: Uint8Array[] = [];
  #pendingBytes = 0;

  constructor(stream: Stream) {
    this.#chunks = stream[Symbol.asyncIterator]();
  }

  async read(length: number): Promise<Uint8Array> {
    while (this.#pendingBytes < length) {
      const next = await this.#chunks.next();
      if (next.done) throw new Error(`stream ended ${length - this.#pendingBytes} bytes early`);
      const chunk = next.value instanceof Uint8Array ? next.value : next.value.subarray();
      this.#pending.push(chunk);
      this.#pendingBytes += chunk.length;
    }
    const all = this.#pending.length === 1 ? this.#pending[0]! : Buffer.concat(this.#pending);
    const out = all.subarray(0, length);
    const rest = all.subarray(length);
    this.#pending = rest.length > 0 ? [rest] : [];
    this.#pendingBytes = rest.length;
    return out;
  }
}
