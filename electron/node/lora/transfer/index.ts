// Public surface of LoRa file transfer: the hash-tree layout, the fetching and the serving side.
export { TransferLayout, offsetOf, planChunks, planFileTransfer, positionOf, type ChunkPlan } from './layout.ts';
export { DEFAULT_REQUEST_HOP_LIMIT, FileFetcher, MAX_REQUEST_HOP_LIMIT, type FetchEffect, type FetcherOptions, type ManifestSigner, type RequestOutcome, type RestoreOutcome } from './fetch.ts';
export { FileServer, type FileDescription, type RequestDecision, type ServerOptions } from './serve.ts';
export { fileTransferCost, type FileCost } from './estimate.ts';
export { IncomingSnapshot } from './snapshot.ts';
export { nodeIdOf, type TransferState, type TransferView } from './view.ts';
