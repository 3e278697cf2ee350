import { z } from 'zod';
import { CatalogueListRequest, CataloguePage } from './catalogue.ts';
import { AllClearText, EmergencyPriority, EmergencyRecord, EmergencyText } from './emergency.ts';
import { ExportRequest, ExportResult, MeshHistory, MeshHistoryRequest, NodeHistory, NodeHistoryRequest } from './history.ts';
import { IndexSyncView } from './index-sync.ts';
import { MapTiles, MapTrails } from './map.ts';
import { MeshHealth, MeshPeer } from './mesh.ts';
import { ChatMessage, Conversation, ConversationId, ListMessagesRequest, SendMessageRequest } from './messages.ts';
import { MeshNode, RadioPort, RadioPortInfo, RadioState } from './radio.ts';
import { SetChannelRequest, SetOwnerRequest, SetRegionRequest } from './radio-admin.ts';
import { NodeFavorite, TableNodeId } from './nodes.ts';
import { LogEntry, NodeInfo, NodeStatus } from './schemas.ts';
import { ContentId, IdentityInfo, IndexSummary, MAX_TRANSFER_BYTES, StorageStats, StoredBlock } from './storage.ts';
import { FileEstimate, FileEstimateRequest, FileRequest, FileTransfer, TransferRef } from './transfers.ts';

/** A request the console can make: one schema for the input, one for the output. */
export type MethodSpec<I extends z.ZodType = z.ZodType, O extends z.ZodType = z.ZodType> = {
  summary: string;
  input: I;
  output: O;
};

const method = <I extends z.ZodType, O extends z.ZodType>(spec: MethodSpec<I, O>) => spec;
const noInput = z.object({}).strict();
const page = { offset: z.number().int().min(0).default(0), limit: z.number().int().min(1).max(1000).default(100) };
const base64 = z
  .string()
  .max(Math.ceil(MAX_TRANSFER_BYTES / 3) * 4, `at most ${MAX_TRANSFER_BYTES / 1048576} MiB`)
  .regex(/^[A-Za-z0-9+/]*={0,2}$/, 'base64');
const fileName = z.string().min(1).max(255);
/** Block ids one `mesh.announceStorage` carries (sent as announcements of 256 each). */
export const MAX_ANNOUNCED_BLOCKS = 4096;
/** Absent: the node's MESH_MAX_PEERS. */
const maxPeers = z.number().int().min(1).max(500).optional();

/**
 * The one table of requests. Both transports (Electron IPC, WebSocket) dispatch from it, main validates
 * every input against it, and the renderer's client is typed from it.
 */
export const methods = {
  'node.info': method({
    summary: 'What this node is: version, host, mesh settings.',
    input: noInput,
    output: NodeInfo,
  }),
  'node.status': method({
    summary: 'The latest status sample (uptime, memory, event rate).',
    input: noInput,
    output: NodeStatus,
  }),
  'node.statusHistory': method({
    summary: 'Recent status samples, oldest first, for charts.',
    input: z.object({ limit: z.number().int().min(1).max(3600).default(300) }).strict(),
    output: z.array(NodeStatus),
  }),
  'log.recent': method({
    summary: 'The newest log entries, oldest first.',
    input: z
      .object({
        limit: z.number().int().min(1).max(5000).default(500),
        minLevel: z.enum(['debug', 'info', 'warn', 'error']).default('debug'),
      })
      .strict(),
    output: z.array(LogEntry),
  }),
  'identity.get': method({
    summary: 'This node’s public identity and how its key is protected.',
    input: noInput,
    output: IdentityInfo,
  }),
  'identity.exportBackup': method({
    summary: 'Writes an encrypted backup of the identity to the node’s disk, to move it to another machine.',
    input: z.object({ passphrase: z.string().min(8, 'at least 8 characters').max(1024) }).strict(),
    output: z.object({ path: z.string() }),
  }),
  'storage.stats': method({ summary: 'Blocks held, bytes used and available.', input: noInput, output: StorageStats }),
  'storage.list': method({
    summary: 'Blocks held, a page at a time.',
    input: z.object(page).strict(),
    output: z.object({ total: z.number().int(), items: z.array(StoredBlock) }),
  }),
  'storage.upload': method({
    summary: 'Stores a file sent by the console (browser upload); answers its content id.',
    input: z.object({ name: fileName, dataBase64: base64 }).strict(),
    output: StoredBlock,
  }),
  'storage.addFromDisk': method({
    summary: 'Desktop app: the operator picks a file in a dialog of the node’s own; null when cancelled.',
    input: noInput,
    output: StoredBlock.nullable(),
  }),
  'storage.download': method({
    summary: 'A stored file’s bytes, verified, for the console to save.',
    input: z.object({ id: ContentId }).strict(),
    /** `name`: what the file was called when stored (or by its LoRa holder); absent when unknown. */
    output: z.object({ id: ContentId, size: z.number().int(), dataBase64: z.string(), name: z.string().optional() }),
  }),
  'storage.exportToDisk': method({
    summary: 'Desktop app: writes a stored file where the operator chooses; null when cancelled.',
    input: z.object({ id: ContentId }).strict(),
    output: z.object({ path: z.string() }).nullable(),
  }),
  'storage.delete': method({
    summary: 'Removes one block.',
    input: z.object({ id: ContentId }).strict(),
    output: z.object({ deleted: z.boolean() }),
  }),
  'index.summary': method({ summary: 'Version, Merkle root and size of the DAG index.', input: noInput, output: IndexSummary }),
  'index.list': method({
    summary: 'Ids in the DAG index, a page at a time.',
    input: z.object(page).strict(),
    output: z.object({ total: z.number().int(), ids: z.array(ContentId) }),
  }),
  'index.sync': method({
    summary: 'Index sync over LoRa: the mesh index (own blocks and ids learned from radio peers) and where sync stands with each radio peer.',
    input: noInput,
    output: IndexSyncView,
  }),
  'radio.ports': method({ summary: 'Radios this node can connect to: serial ports, simulated devices.', input: noInput, output: z.array(RadioPortInfo) }),
  'radio.connect': method({ summary: 'Connects to a radio and does the device handshake.', input: z.object({ port: RadioPort }).strict(), output: RadioState }),
  'radio.disconnect': method({ summary: 'Disconnects from the radio.', input: noInput, output: RadioState }),
  'radio.state': method({ summary: 'The radio link: phase, device, last problem, queue.', input: noInput, output: RadioState }),
  'radio.nodes': method({ summary: 'Mesh nodes the radio knows.', input: noInput, output: z.array(MeshNode) }),
  'radio.setOwner': method({
    summary: 'Sets the radio owner’s long and short names (what every Meshtastic node list shows), as the stock apps do.',
    input: SetOwnerRequest,
    output: RadioState,
  }),
  'radio.setRegion': method({
    summary: 'Sets the radio’s LoRa region (its legal band); a radio with region UNSET cannot transmit. Needs confirm: true.',
    input: SetRegionRequest,
    output: RadioState,
  }),
  'radio.setChannel': method({
    summary: 'Chooses the channel index Pakit’s own LoRa traffic uses (default the primary, 0); kept across restarts.',
    input: SetChannelRequest,
    output: RadioState,
  }),
  'nodes.favorites': method({ summary: 'The operator’s favourite marks, kept by this node.', input: noInput, output: z.array(NodeFavorite) }),
  'nodes.setFavorite': method({
    summary: 'Marks a known node (radio or IP peer) as a favourite or not; kept across restarts.',
    input: z.object({ nodeId: TableNodeId, favorite: z.boolean() }).strict(),
    output: NodeFavorite,
  }),
  'emergency.send': method({
    summary: 'Broadcasts a signed emergency to the whole mesh at the highest priority.',
    input: z
      .object({
        text: EmergencyText,
        priority: EmergencyPriority.default('urgent'),
        /** The operator confirmed a second time: sending within the cool-down is deliberate. */
        confirmedAgain: z.boolean().default(false),
      })
      .strict(),
    output: EmergencyRecord,
  }),
  'emergency.history': method({ summary: 'Emergencies sent and received, newest first.', input: noInput, output: z.array(EmergencyRecord) }),
  'emergency.acknowledge': method({
    summary: 'The operator has seen a received emergency: its alert stops.',
    input: z.object({ id: z.string().max(64) }).strict(),
    output: z.object({ acknowledged: z.boolean() }),
  }),
  'emergency.allClear': method({
    summary: 'Closes one of our emergencies everywhere: a signed all-clear to the whole mesh, a text for stock apps; repeats stop.',
    input: z.object({ id: z.string().max(64), text: AllClearText.default('') }).strict(),
    output: EmergencyRecord,
  }),
  'emergency.stopRepeats': method({
    summary: 'Stops repeating one of our emergencies to the radios that have not answered.',
    input: z.object({ id: z.string().max(64) }).strict(),
    output: EmergencyRecord,
  }),
  'emergency.settings': method({
    summary: 'Whether this node acknowledges emergencies it receives (acks cost airtime).',
    input: z.object({ acks: z.boolean().optional() }).strict(),
    output: z.object({ acks: z.boolean() }),
  }),
  'mesh.health': method({ summary: 'The IP mesh now: phase, listen addresses, peers, gossip counters and rates.', input: noInput, output: MeshHealth }),
  'mesh.healthHistory': method({
    summary: 'Recent mesh health samples (every 2 s), oldest first, for charts.',
    input: z.object({ limit: z.number().int().min(1).max(1800).default(300) }).strict(),
    output: z.array(MeshHealth),
  }),
  'mesh.start': method({ summary: 'Starts the IP mesh (libp2p); a failure to listen is reported in the answer’s `error`.', input: noInput, output: MeshHealth }),
  'mesh.stop': method({ summary: 'Stops the IP mesh; LoRa and the rest of the node keep running.', input: noInput, output: MeshHealth }),
  'mesh.peers': method({
    summary: 'Peers on IP and LoRa merged by identity, best reputation first; filtered ones only when asked (after the others).',
    input: z.object({ maxPeers, includeFiltered: z.boolean().default(false) }).strict(),
    output: z.array(MeshPeer),
  }),
  'mesh.storagePeers': method({
    summary: 'Peers that announced storage, best reputation then largest capacity first.',
    input: z.object({ maxPeers }).strict(),
    output: z.array(MeshPeer),
  }),
  'mesh.announceBlock': method({
    summary: 'Tells the mesh this node holds a block (it must hold it: a false claim costs reputation).',
    input: z
      .object({
        cid: ContentId,
        /** Bytes of the block; absent: its size in the store. */
        size: z.number().int().min(0).optional(),
      })
      .strict(),
    output: z.object({ cid: ContentId, size: z.number().int() }),
  }),
  'mesh.announceStorage': method({
    summary: 'Tells the mesh how much storage this node offers and which blocks it holds (defaults: what the store says).',
    input: z
      .object({
        capacity: z.number().int().min(0).optional(),
        availableBlocks: z.array(ContentId).max(MAX_ANNOUNCED_BLOCKS).optional(),
      })
      .strict(),
    output: z.object({ capacity: z.number().int(), blocks: z.number().int() }),
  }),
  'mesh.findBlockPeers': method({
    summary: 'Peers believed to hold a block (gossip claims, then kad-dht providers), best first.',
    input: z.object({ cid: ContentId, maxPeers: z.number().int().min(1).max(50).default(5) }).strict(),
    output: z.array(MeshPeer),
  }),
  'mesh.requestBlock': method({
    summary: 'Fetches a block or file from peers that hold it, verifies it against its content id and stores it.',
    input: z.object({ cid: ContentId }).strict(),
    output: StoredBlock,
  }),
  'files.request': method({
    summary: 'Asks radio neighbours for a single-block file by content id over LoRa; it lands in the store when verified.',
    input: FileRequest,
    output: FileTransfer,
  }),
  'files.cancel': method({ summary: 'Stops a LoRa transfer under way, in either direction.', input: TransferRef, output: FileTransfer }),
  'files.resume': method({ summary: 'Starts a failed incoming LoRa transfer again, keeping the chunks it has.', input: TransferRef, output: FileTransfer }),
  'files.transfers': method({ summary: 'LoRa file transfers, incoming and outgoing, newest first.', input: noInput, output: z.array(FileTransfer) }),
  'files.estimate': method({
    summary: 'What a LoRa file of up to this size costs before asking: frames, radio time on air per hop, time at the holder’s pace, the radio’s hop limit.',
    input: FileEstimateRequest,
    output: FileEstimate,
  }),
  'messages.send': method({
    summary: 'Sends a text on TEXT_MESSAGE_APP like the Meshtastic apps: to a channel, or to one node (`to`, acknowledged); long text goes as several parts.',
    input: SendMessageRequest,
    output: z.object({ messages: z.array(ChatMessage) }),
  }),
  'messages.list': method({ summary: 'Text messages, oldest first: one conversation or all, a page before a time.', input: ListMessagesRequest, output: z.array(ChatMessage) }),
  'messages.conversations': method({ summary: 'Channels and direct conversations with messages, newest first, with unread counts.', input: noInput, output: z.array(Conversation) }),
  'messages.markRead': method({
    summary: 'The operator has read a conversation: its unread count goes to zero.',
    input: z.object({ conversation: ConversationId }).strict(),
    output: Conversation,
  }),
  'map.tiles': method({
    summary: 'The tile file the node serves for the map (`--tiles FILE`): its zooms, bounds and URL, or why there is none.',
    input: noInput,
    output: MapTiles,
  }),
  'map.setTiles': method({
    summary: 'Serves another MBTiles file for the map from now on, kept across restarts (`--tiles` wins at start); "" for none. A file that cannot be used is refused and the one before stays.',
    input: z.object({ path: z.string().trim().max(4096) }).strict(),
    output: MapTiles,
  }),
  'map.trails': method({
    summary: 'Where each node has been: its newest positions from the node’s database, oldest first.',
    input: z.object({ perNode: z.number().int().min(1).max(500).default(200) }).strict(),
    output: MapTrails,
  }),
  'history.node': method({
    summary: 'One node’s SNR, RSSI, battery, voltage, channel use and air time over a time range, from the node’s database.',
    input: NodeHistoryRequest,
    output: NodeHistory,
  }),
  'history.mesh': method({
    summary: 'The mesh over a time range: radios heard, mean SNR and channel use, and this node’s own radio, queue and peers.',
    input: MeshHistoryRequest,
    output: MeshHistory,
  }),
  'export.csv': method({
    summary: 'Nodes, history, messages, emergencies or the log as CSV (RFC 4180, ISO 8601 UTC times, safe to open in a spreadsheet).',
    input: ExportRequest,
    output: ExportResult,
  }),
  'catalogue.list': method({
    summary: 'Content ids this node knows of (held here, learned from radio peers, announced by IP peers) with size, name and holders; newest first, searchable by id or name.',
    input: CatalogueListRequest,
    output: CataloguePage,
  }),
} satisfies Record<string, MethodSpec>;


export type Methods = typeof methods;
export type MethodName = keyof Methods;
/** What a caller passes (defaults may be omitted). */
export type MethodParams<M extends MethodName> = z.input<Methods[M]['input']>;
/** What a handler receives after validation (defaults filled in). */
export type MethodInput<M extends MethodName> = z.output<Methods[M]['input']>;
export type MethodOutput<M extends MethodName> = z.output<Methods[M]['output']>;

export function isMethodName(name: string): name is MethodName {
  return Object.hasOwn(methods, name);
}
