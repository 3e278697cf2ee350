// What the console shows of one transfer, in either direction (the shape the contract carries).

export type TransferState = 'requesting' | 'receiving' | 'sending' | 'paused' | 'verifying' | 'done' | 'failed' | 'cancelled';

export type TransferView = {
  id: string;
  contentId: string;
  direction: 'incoming' | 'outgoing';
  state: TransferState;
  size: number | null;
  /** Chunks in (an incoming transfer's count those still waiting for the rest of their group). */
  chunksDone: number;
  chunksTotal: number | null;
  bytesDone: number;
  /** Radio time left. */
  etaMs: number | null;
  /** Key ids or !node ids serving / being served. */
  peers: string[];
  badPeers: string[];
  /** Operator words. */
  error: string | null;
  startedAt: number;
  updatedAt: number;
};

/** Finished transfers the views keep showing, per direction. */
export const FINISHED_SHOWN = 16;

export const nodeIdOf = (nodeNum: number): string => `!${(nodeNum >>> 0).toString(16).padStart(8, '0')}`;
