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
  /** The file's name and media type, as the holder's manifest says (null: not said, or not yet). */
  name: string | null;
  mediaType: string | null;
  /** Radio time the whole file costs on air, every hop counted; null while unknown (the service fills it in). */
  airtimeMs: number | null;
  /** Relays a request may cross (incoming), or the chunks cross to reach the farthest receiver (outgoing). */
  hopLimit: number | null;
  /** Transmissions from one end to the other: 1 a radio neighbour, 2 through one relay; null while unknown. */
  hops: number | null;
  /** Asking, and nobody has answered for this long (radio time); null otherwise. */
  unansweredMs: number | null;
  badPeers: string[];
  /** Operator words. */
  error: string | null;
  startedAt: number;
  updatedAt: number;
};

/** Finished transfers the views keep showing, per direction. */
export const FINISHED_SHOWN = 16;

export const nodeIdOf = (nodeNum: number): string => `!${(nodeNum >>> 0).toString(16).padStart(8, '0')}`;
