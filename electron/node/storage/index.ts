// Public surface of the block store and the DAG index.
export { BlockStore, type BlockStoreOptions, type StoreStats } from './block-store.ts';
export { BLOCK_SIZE } from './file-node.ts';
export type { ContentId } from './content-id.ts';
export { BUCKET_COUNT, DagIndex, rootHashOf, type IndexSummary, type ReadonlyDagIndex } from './dag-index.ts';
export { StorageError, type StorageErrorCode } from './errors.ts';
