// How a file becomes blocks (pure: no I/O).
//
// Files up to BLOCK_SIZE are one raw block, and the file's id is that block's id. Larger files are
// cut into BLOCK_SIZE raw blocks joined by one dag-cbor root node listing them in order, and the
// file's id is the root's id.
import * as dagCbor from '@ipld/dag-cbor';
import { CID } from 'multiformats/cid';
import { contentIdFor, DAG_CBOR_CODEC, RAW_CODEC } from './content-id.ts';
import { StorageError } from './errors.ts';

/**
 * 1 MiB: the largest block every IPFS/libp2p block exchange accepts (kubo's largest chunker size;
 * bitswap messages carry up to 2 MiB), so blocks can travel over libp2p unchanged. Each block
 * costs a file, a rename and an index entry; 256 KiB blocks made a store of 1 MiB files write five
 * files instead of one, which made storing them about half as fast on the bench machine, and four times the ids
 * to gossip. A lost block re-sends in about a second on a 10 Mbit/s mesh link. Files that move
 * over LoRa (up to 200 KB) are a single block, so their id is the plain hash of their bytes; the
 * radio layer chunks them in its own framing.
 */
export const BLOCK_SIZE = 1024 * 1024;

/** One root lists at most this many blocks (16 GiB files; the root node stays under 1 MiB). */
export const MAX_BLOCKS_PER_FILE = 16_384;

const FILE_NODE_KIND = 'pakit.file.v1';

export type FileNode = { size: number; blockSize: number; blocks: CID[] };

export type PlannedBlock = { cid: CID; bytes: Uint8Array };

/** The raw blocks of `bytes` (views, not copies), in file order. */
export function splitIntoBlocks(bytes: Uint8Array): Uint8Array[] {
  const count = Math.max(1, Math.ceil(bytes.length / BLOCK_SIZE));
  if (count > MAX_BLOCKS_PER_FILE) {
    throw new StorageError(
      'file_too_large',
      `A ${bytes.length}-byte file is larger than the ${(MAX_BLOCKS_PER_FILE * BLOCK_SIZE) / 2 ** 30} GiB one file may have.`,
      'Split the file into parts before sharing it.',
    );
  }
  return Array.from({ length: count }, (_, i) => bytes.subarray(i * BLOCK_SIZE, (i + 1) * BLOCK_SIZE));
}

export function encodeFileNode(node: FileNode): PlannedBlock {
  const bytes = dagCbor.encode({
    kind: FILE_NODE_KIND,
    size: node.size,
    block_size: node.blockSize,
    blocks: node.blocks,
  });
  return { cid: contentIdFor(DAG_CBOR_CODEC, bytes), bytes };
}

/** Decodes a verified root block; returns null when the block is not a file node. */
export function decodeFileNode(bytes: Uint8Array): FileNode | null {
  let value: unknown;
  try {
    value = dagCbor.decode(bytes);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const { kind, size, block_size: blockSize, blocks } = value as Record<string, unknown>;
  if (kind !== FILE_NODE_KIND || !Number.isSafeInteger(size) || !Number.isSafeInteger(blockSize)) return null;
  if (!Array.isArray(blocks) || (blockSize as number) <= 0 || (size as number) < 0) return null;
  // Bounds memory before anything is allocated for a root that came from elsewhere.
  if ((size as number) > MAX_BLOCKS_PER_FILE * BLOCK_SIZE || blocks.length > MAX_BLOCKS_PER_FILE) return null;
  const cids = blocks.map((link) => CID.asCID(link));
  if (cids.some((cid) => cid === null || cid.code !== RAW_CODEC)) return null;
  if (cids.length !== Math.max(1, Math.ceil((size as number) / (blockSize as number)))) return null;
  return { size: size as number, blockSize: blockSize as number, blocks: cids as CID[] };
}

/** Byte length of block `index` of a file described by `node`. */
export function blockLength(node: FileNode, index: number): number {
  return Math.min(node.blockSize, node.size - index * node.blockSize);
}
