import { z } from 'zod';
import { CatalogueChanged } from './catalogue.ts';
import { EmergencyRecord } from './emergency.ts';
import { IndexSyncView } from './index-sync.ts';
import { MeshHealth, MeshPeer } from './mesh.ts';
import { MessagesEvent } from './messages.ts';
import { MeshNode, RadioState } from './radio.ts';
import { NodeFavorite } from './nodes.ts';
import { MapTiles } from './map.ts';
import { LogEntry, NodeStatus } from './schemas.ts';
import { IndexSummary } from './storage.ts';
import { FileTransfer } from './transfers.ts';

/**
 * How an event stream reaches a console, so that a busy mesh cannot flood the renderer:
 * - `latest`: only the newest value is delivered, at most once per `intervalMs` (state snapshots).
 * - `batch`: values are collected and delivered together every `intervalMs`; beyond `maxBatch` the
 *   oldest are dropped and counted (streams where every item matters but a backlog does not).
 */
export type Delivery = { mode: 'latest'; intervalMs: number } | { mode: 'batch'; intervalMs: number; maxBatch: number };

export type EventSpec<S extends z.ZodType = z.ZodType> = { summary: string; schema: S; delivery: Delivery };

const event = <S extends z.ZodType>(spec: EventSpec<S>) => spec;

export const events = {
  'node.status': event({
    summary: 'A status sample, once a second.',
    schema: NodeStatus,
    delivery: { mode: 'latest', intervalMs: 1000 },
  }),
  'log.entry': event({
    summary: 'New log entries from the node and the radio.',
    schema: LogEntry,
    delivery: { mode: 'batch', intervalMs: 250, maxBatch: 500 },
  }),
  'index.summary': event({
    summary: 'The DAG index changed (blocks stored or removed).',
    schema: IndexSummary,
    delivery: { mode: 'latest', intervalMs: 1000 },
  }),
  'index.sync': event({
    summary: 'Index sync over LoRa changed: a session sent, learned or refused something.',
    schema: IndexSyncView,
    delivery: { mode: 'latest', intervalMs: 1000 },
  }),
  'radio.state': event({
    summary: 'The radio link changed phase, device or queue.',
    schema: RadioState,
    delivery: { mode: 'latest', intervalMs: 250 },
  }),
  'radio.nodes': event({
    summary: 'The radio’s mesh node list changed.',
    schema: z.array(MeshNode),
    delivery: { mode: 'latest', intervalMs: 1000 },
  }),
  'nodes.favorites': event({
    summary: 'The operator’s favourite marks changed.',
    schema: z.array(NodeFavorite),
    delivery: { mode: 'latest', intervalMs: 250 },
  }),
  'emergency.alert': event({
    summary: 'An emergency arrived over the mesh: raise the alarm.',
    schema: EmergencyRecord,
    delivery: { mode: 'batch', intervalMs: 100, maxBatch: 50 },
  }),
  'emergency.history': event({
    summary: 'The list of emergencies changed (sent, received, verified, acknowledged).',
    schema: z.array(EmergencyRecord),
    delivery: { mode: 'latest', intervalMs: 500 },
  }),
  'mesh.health': event({
    summary: 'A mesh health sample (every 2 s while the mesh is enabled), or a phase change.',
    schema: MeshHealth,
    delivery: { mode: 'latest', intervalMs: 1000 },
  }),
  'mesh.peers': event({
    summary: 'The merged peer list changed (filtered peers included, flagged).',
    schema: z.array(MeshPeer),
    delivery: { mode: 'latest', intervalMs: 1000 },
  }),
  'files.transfers': event({
    summary: 'The LoRa file transfers changed (progress, state, peers).',
    schema: z.array(FileTransfer),
    delivery: { mode: 'latest', intervalMs: 500 },
  }),
  messages: event({
    summary: 'A text message arrived, was sent, or changed delivery state; with its conversation (unread count).',
    schema: MessagesEvent,
    delivery: { mode: 'batch', intervalMs: 200, maxBatch: 200 },
  }),
  'map.tiles': event({
    summary: 'The map’s tile file changed (chosen in Settings).',
    schema: MapTiles,
    delivery: { mode: 'latest', intervalMs: 250 },
  }),
  'catalogue.changed': event({
    summary: 'The catalogue changed: an id was learned, announced, stored or removed.',
    schema: CatalogueChanged,
    delivery: { mode: 'latest', intervalMs: 1000 },
  }),
} satisfies Record<string, EventSpec>;

export type Events = typeof events;
export type EventName = keyof Events;
export type EventPayload<E extends EventName> = z.output<Events[E]['schema']>;
