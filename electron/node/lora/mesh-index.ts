// The ids this node knows exist in the mesh: its own blocks, and those learned from radio peers by
// index sync. It is what the node announces and reconciles over LoRa (two nodes converge on the
// union). Learned ids are kept on disk, so a restart does not spend airtime learning them again.
//
// File: "PAKIT-MESH-INDEX1\n" | 36-byte ids back to back | SHA-256 of everything before it. A file
// that fails its checksum is moved aside (kept for inspection) and the node starts learning anew.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, renameSync } from 'node:fs';
import { writeFileAtomicSync } from '../fs/durable.ts';
import { CID_BYTES, contentIdBytes, contentIdFromBytes, type ContentId } from '../storage/content-id.ts';
import { DagIndex, type IndexSummary } from '../storage/index.ts';

const MAGIC = Buffer.from('PAKIT-MESH-INDEX1\n');
const CHECKSUM_BYTES = 32;
/** Ids learned from peers beyond our own blocks; a flood of fake ids stops here. */
export const MAX_LEARNED_IDS = 200_000;

export type MeshIndexProblem = { kind: 'corrupt'; movedTo: string } | { kind: 'unreadable'; message: string };

export class MeshIndex {
  readonly index: DagIndex;
  readonly #path: string;
  readonly #learned = new Set<ContentId>();
  #dirty = false;

  private constructor(path: string, learned: ContentId[]) {
    this.#path = path;
    for (const id of learned) this.#learned.add(id);
    this.index = new DagIndex(learned);
  }

  /** Opens the learned ids at `path` (none when absent); `problem` says what was wrong with the file. */
  static open(path: string): { meshIndex: MeshIndex; problem?: MeshIndexProblem } {
    if (!existsSync(path)) return { meshIndex: new MeshIndex(path, []) };
    let bytes: Buffer;
    try {
      bytes = readFileSync(path);
    } catch (cause) {
      return { meshIndex: new MeshIndex(path, []), problem: { kind: 'unreadable', message: (cause as Error).message } };
    }
    const ids = decode(bytes);
    if (ids) return { meshIndex: new MeshIndex(path, ids) };
    const movedTo = `${path}.corrupt-${Date.now()}`;
    renameSync(path, movedTo);
    return { meshIndex: new MeshIndex(path, []), problem: { kind: 'corrupt', movedTo } };
  }

  get learnedCount(): number {
    return this.#learned.size;
  }

  /** The ids learned from peers (kept across restarts), oldest first. */
  learnedIds(): ContentId[] {
    return [...this.#learned];
  }

  /** Adds this node's own blocks (cheap when nothing changed: the index skips ids it has); returns those it lacked. */
  includeOwn(ids: Iterable<ContentId>): ContentId[] {
    const added: ContentId[] = [];
    for (const id of ids) if (this.index.add(id)) added.push(id);
    return added;
  }

  /** Merges ids a peer told us of; returns how many were new. */
  learn(ids: readonly ContentId[]): number {
    let added = 0;
    for (const id of ids) {
      if (this.#learned.size >= MAX_LEARNED_IDS) break;
      if (this.index.add(id)) {
        this.#learned.add(id);
        added++;
      }
    }
    if (added > 0) this.#dirty = true;
    return added;
  }

  summary(): IndexSummary {
    return this.index.summary();
  }

  /** Writes the learned ids when they changed since the last save. */
  save(): void {
    if (!this.#dirty) return;
    const body = Buffer.alloc(MAGIC.length + this.#learned.size * CID_BYTES);
    MAGIC.copy(body);
    let offset = MAGIC.length;
    for (const id of this.#learned) {
      body.set(contentIdBytes(id), offset);
      offset += CID_BYTES;
    }
    writeFileAtomicSync(this.#path, Buffer.concat([body, createHash('sha256').update(body).digest()]));
    this.#dirty = false;
  }
}

function decode(bytes: Buffer): ContentId[] | undefined {
  if (bytes.length < MAGIC.length + CHECKSUM_BYTES || !bytes.subarray(0, MAGIC.length).equals(MAGIC)) return undefined;
  const body = bytes.subarray(0, bytes.length - CHECKSUM_BYTES);
  if (!createHash('sha256').update(body).digest().equals(bytes.subarray(body.length))) return undefined;
  if ((body.length - MAGIC.length) % CID_BYTES !== 0) return undefined;
  const ids: ContentId[] = [];
  for (let offset = MAGIC.length; offset < body.length; offset += CID_BYTES) ids.push(contentIdFromBytes(body.subarray(offset, offset + CID_BYTES)));
  return ids;
}
