import { z } from 'zod';
import { TableNodeId } from './nodes.ts';

/** A time range for history queries, epoch ms; `until` absent: now. */
const range = {
  since: z.number().int().min(0),
  until: z.number().int().min(0).optional(),
  /** Most points the answer holds: longer ranges are averaged into buckets of equal length. */
  points: z.number().int().min(10).max(2000).default(500),
};

/** What a radio reported about one node, averaged over a bucket (one minute at the finest). */
export const NodeSample = z.object({
  /** The newest packet in the bucket, epoch ms. */
  at: z.number(),
  snr: z.number().optional(),
  rssi: z.number().optional(),
  batteryLevel: z.number().optional(),
  voltage: z.number().optional(),
  channelUtilization: z.number().optional(),
  airUtilTx: z.number().optional(),
  hopsAway: z.number().optional(),
});
export type NodeSample = z.infer<typeof NodeSample>;

export const NodeHistoryRequest = z.object({ nodeId: TableNodeId, ...range }).strict();
export const NodeHistory = z.object({
  nodeId: z.string(),
  /** Length of one bucket, ms (60 000 when every stored minute is shown). */
  bucketMs: z.number(),
  samples: z.array(NodeSample),
});
export type NodeHistory = z.infer<typeof NodeHistory>;

/** The mesh as this node saw it in one bucket, and this node's own radio and process. */
export const MeshSample = z.object({
  at: z.number(),
  /** Radios heard in the bucket. */
  nodesHeard: z.number().int(),
  meanSnr: z.number().optional(),
  /** Channel use the other radios report, mean over them. */
  meanChannelUtilization: z.number().optional(),
  /** This node's radio: channel use it measures, its own transmit share, battery. */
  ownChannelUtilization: z.number().optional(),
  ownAirUtilTx: z.number().optional(),
  ownBatteryLevel: z.number().optional(),
  /** Packets waiting for the radio. */
  radioQueue: z.number().optional(),
  ipPeers: z.number().optional(),
});
export type MeshSample = z.infer<typeof MeshSample>;

export const MeshHistoryRequest = z.object({ ...range }).strict();
export const MeshHistory = z.object({ bucketMs: z.number(), samples: z.array(MeshSample) });
export type MeshHistory = z.infer<typeof MeshHistory>;

export const ExportTable = z.enum(['nodes', 'history', 'messages', 'emergencies', 'log']);
export type ExportTable = z.infer<typeof ExportTable>;

export const ExportRequest = z
  .object({
    table: ExportTable,
    /** History only: rows from this time (epoch ms); default: everything kept. */
    since: z.number().int().min(0).optional(),
    /** History only: one node. */
    nodeId: TableNodeId.optional(),
  })
  .strict();
export type ExportRequest = z.infer<typeof ExportRequest>;

export const ExportResult = z.object({
  /** A name to save it under, e.g. `pakit-history-2026-12-04T0812Z.csv`. */
  fileName: z.string(),
  /** RFC 4180 text: CRLF line ends, a header row, dates in ISO 8601 UTC. */
  csv: z.string(),
  rows: z.number().int(),
});
export type ExportResult = z.infer<typeof ExportResult>;
