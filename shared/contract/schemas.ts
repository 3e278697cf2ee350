import { z } from 'zod';

/** Mesh settings operators already use (MESH_* variables); shown read-only in Settings. */
export const MeshSettings = z.object({
  enabled: z.boolean(),
  networkId: z.string(),
  discoveryIntervalS: z.number().int(),
  maxPeers: z.number().int(),
  byzantineThreshold: z.number(),
  /** TCP address libp2p listens on (MESH_LISTEN); absent: 0.0.0.0:7777. */
  listen: z.object({ host: z.string(), port: z.number().int() }).optional(),
  /** Multiaddrs with /p2p/<peer id> dialled at start and whenever the node is alone (MESH_BOOTSTRAP); absent: none. */
  bootstrap: z.array(z.string()).optional(),
  /** Find peers on the local network by mDNS (MESH_MDNS); absent: on. */
  mdns: z.boolean().optional(),
});
export type MeshSettings = z.infer<typeof MeshSettings>;

export const NodeInfo = z.object({
  product: z.string(),
  version: z.string(),
  /** Where the node runs: inside the desktop app or as a headless relay. */
  host: z.enum(['desktop', 'headless']),
  startedAt: z.number(),
  platform: z.string(),
  runtime: z.string(),
  mesh: MeshSettings,
});
export type NodeInfo = z.infer<typeof NodeInfo>;

export const NodeStatus = z.object({
  sampledAt: z.number(),
  uptimeS: z.number(),
  rssBytes: z.number(),
  heapUsedBytes: z.number(),
  heapTotalBytes: z.number(),
  /** Node events per second over the last sampling interval (all services, all kinds). */
  eventsPerSecond: z.number(),
  eventsTotal: z.number(),
  /** Console connections currently open (WebSocket clients or the desktop window). */
  consoleConnections: z.number().int(),
});
export type NodeStatus = z.infer<typeof NodeStatus>;

export const LogLevel = z.enum(['debug', 'info', 'warn', 'error']);
export type LogLevel = z.infer<typeof LogLevel>;

export const LogEntry = z.object({
  seq: z.number().int(),
  at: z.number(),
  level: LogLevel,
  /** Which part of the node wrote it: `node`, `api`, `radio`, `device` (text from the radio), ... */
  source: z.string(),
  message: z.string(),
});
export type LogEntry = z.infer<typeof LogEntry>;
