import { mkdirSync, writeFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { contractError, MAX_ANNOUNCED_BLOCKS, type ContractErrorCode, type EmergencyRecord, type IndexSyncView, type StoredBlock } from '../../../shared/contract/index.ts';
import { exportBackup } from '../identity/index.ts';
import type { MeshSyncView } from '../lora/mesh-sync.ts';
import { DEFAULT_EMERGENCY_COOLDOWN_MS } from '../lora/emergency.ts';
import type { EmergencyActionOutcome } from '../lora/emergency-desk.ts';
import type { FileRequestOutcome } from '../lora/service.ts';
import type { TransferView } from '../lora/transfer/index.ts';
import type { PakitNode } from '../node.ts';
import { listSerialPorts } from '../radio/ports.ts';
import type { Handlers } from './contract-server.ts';
import { tileFileContractError, TileFileError } from '../tiles/index.ts';
import { toMeshNodes } from './radio-view.ts';

/** A refusal the operator can act on, thrown from a handler as a typed contract error. */
const refusal = (code: ContractErrorCode, reason: string, message: string, fix: string) =>
  Object.assign(new Error(message), { toContractError: () => contractError(code, message, { fix, reason }) });

const onlyInDesktopApp = (what: string) =>
  refusal('unavailable', 'desktop_only', `${what} needs the desktop app’s file dialogs.`, 'In a browser console, use Upload and Download instead.');

// Peers fetch what is announced; a claim the node cannot back costs it reputation everywhere.
const notHeld = (cid: string) =>
  refusal('not_found', 'not_held', `This node does not hold ${cid}: announcing it would be a false claim.`, 'Store the file first (Files view), then announce it.');

/** LoRa index sync as the contract shows it (the method and the node's `index.sync` event). */
export const toIndexSyncView = ({ summary, learned, peers }: MeshSyncView): IndexSyncView => ({
  summary: { version: summary.version, rootHash: summary.root_hash, blockCount: summary.block_count },
  learned,
  peers,
});

/** Binds each contract method to the node service that answers it. */
export function createHandlers(node: PakitNode): Handlers {
  const stored = async (bytes: Uint8Array, name: string): Promise<StoredBlock> => {
    const id = await node.store.store(bytes);
    node.fileNames.set(id, name);
    node.log.info('storage', `stored "${name}" (${bytes.length} bytes) as ${id}`);
    node.publishIndex();
    return { id, size: bytes.length };
  };

  return {
    'node.info': () => node.info(),
    'node.status': () => node.status.latest(),
    'node.statusHistory': ({ limit }) => node.status.history(limit),
    'log.recent': ({ limit, minLevel }) => node.log.recent(limit, minLevel),

    'identity.get': () => node.identityInfo(),
    'identity.exportBackup': async ({ passphrase }) => {
      const dir = join(node.options.dataDir, 'backups');
      mkdirSync(dir, { recursive: true });
      const path = join(dir, `pakit-identity-${node.identity.fingerprint}-${new Date().toISOString().slice(0, 10)}.json`);
      writeFileSync(path, await exportBackup(node.identity, passphrase), { mode: 0o600 });
      node.log.info('identity', `identity backup written to ${path}`);
      return { path };
    },

    'storage.stats': () => node.store.stats(),
    'storage.list': ({ offset, limit }) => {
      const ids = node.store.list();
      return { total: ids.length, items: ids.slice(offset, offset + limit).map((id) => ({ id, size: node.store.sizeOf(id) ?? 0 })) };
    },
    'storage.upload': ({ name, dataBase64 }) => stored(Buffer.from(dataBase64, 'base64'), name),
    'storage.addFromDisk': async () => {
      if (!node.options.hostFiles) throw onlyInDesktopApp('Adding a file from disk');
      const picked = await node.options.hostFiles.pickFileToAdd();
      return picked ? stored(picked.bytes, picked.name) : null;
    },
    'storage.download': async ({ id }) => {
      const bytes = await node.store.readFile(id);
      const name = node.fileNames.get(id)?.name;
      return { id, size: bytes.length, dataBase64: Buffer.from(bytes).toString('base64'), ...(name === undefined ? {} : { name }) };
    },
    'storage.exportToDisk': async ({ id }) => {
      if (!node.options.hostFiles) throw onlyInDesktopApp('Saving a file to disk');
      const path = await node.options.hostFiles.saveFile(node.fileNames.get(id)?.name ?? `${id}.bin`, await node.store.readFile(id));
      return path ? { path } : null;
    },
    'storage.delete': async ({ id }) => {
      const deleted = await node.store.delete(id);
      if (deleted) node.publishIndex();
      return { deleted };
    },

    'index.summary': () => node.indexSummary(),
    'index.list': ({ offset, limit }) => {
      const ids = node.store.index.ids();
      return { total: ids.length, ids: ids.slice(offset, offset + limit) };
    },
    'index.sync': () => toIndexSyncView(node.lora.syncView()),
    'catalogue.list': (request) => node.catalogue.list(request),

    'radio.ports': async () => {
      const serial = await listSerialPorts();
      return [
        ...(node.options.extraRadioPorts?.() ?? []),
        ...serial.map((candidate) => ({
          port: { kind: 'serial' as const, path: candidate.path },
          label: `${candidate.board ?? candidate.product ?? 'Serial port'} — ${candidate.path}`,
          ...(candidate.board ? { board: candidate.board } : {}),
          simulated: false,
        })),
      ];
    },
    'radio.connect': async ({ port }) => {
      await node.radio.connect(port);
      return node.radioState();
    },
    'radio.disconnect': () => {
      node.radio.disconnect();
      return node.radioState();
    },
    'radio.state': () => node.radioState(),
    'radio.nodes': () => toMeshNodes(node.radio.nodes()),
    'radio.setOwner': async ({ longName, shortName }) => {
      const result = await node.radio.setOwner(longName, shortName);
      if (!result.ok) throw result.error;
      node.log.info('radio', `the radio's owner is now "${longName}" (${shortName})`);
      return node.radioState();
    },
    'radio.setRegion': async ({ region }) => {
      const result = await node.radio.setRegion(region);
      if (!result.ok) throw result.error;
      node.log.info('radio', `the radio's LoRa region is now ${region}`);
      return node.radioState();
    },
    'radio.setChannel': async ({ index }) => {
      const result = await node.radio.setChannel(index);
      if (!result.ok) throw result.error;
      node.log.info('radio', `Pakit's LoRa traffic now uses channel ${index}`);
      return node.radioState();
    },
    'nodes.favorites': () => node.favorites.list(),
    'nodes.setFavorite': ({ nodeId, favorite }) => {
      const known =
        node.radio.nodes().some((radioNode) => radioNode.nodeId === nodeId) ||
        node.mesh.peers(Number.MAX_SAFE_INTEGER, true).some((peer) => peer.id === nodeId || peer.peerId === nodeId || peer.radioNodeId === nodeId);
      if (!known) throw refusal('not_found', 'unknown_node', `No node ${nodeId} is known to this node.`, 'Pick a node from the Nodes table: it lists every radio and peer heard.');
      const mark = node.favorites.set(nodeId, favorite);
      node.hub.emit('nodes.favorites', node.favorites.list());
      return mark;
    },

    'emergency.send': (request) => {
      const outcome = node.lora.emergencies.send(request);
      if (outcome.ok) return outcome.record;
      throw outcome.reason === 'cooling_down'
        ? refusal(
            'refused',
            'cooling_down',
            `The last emergency went out ${Math.max(1, Math.round((Date.now() - (outcome.retryAt - DEFAULT_EMERGENCY_COOLDOWN_MS)) / 1000))} s before this attempt (the cool-down is ${DEFAULT_EMERGENCY_COOLDOWN_MS / 1000} s).`,
            'Confirm again to send another one now.',
          )
        : refusal('invalid_input', 'bad_text', `The message is too long for one radio frame: at most ${outcome.maxBytes} bytes.`, 'Shorten the message.');
    },
    'emergency.history': () => node.lora.emergencies.history(),
    'emergency.acknowledge': ({ id }) => ({ acknowledged: node.lora.emergencies.acknowledge(id) }),
    'emergency.allClear': ({ id, text }) => emergencyAction(node.lora.emergencies.allClear(id, text)),
    'emergency.stopRepeats': ({ id }) => emergencyAction(node.lora.emergencies.stopRepeats(id)),
    'emergency.settings': ({ acks }) => {
      if (acks !== undefined) node.lora.emergencies.setAcks(acks);
      return { acks: node.lora.emergencies.acksEnabled };
    },

    'mesh.health': () => node.mesh.health(),
    'mesh.healthHistory': ({ limit }) => node.mesh.history(limit),
    'mesh.start': () => node.mesh.start(),
    'mesh.stop': () => node.mesh.stop(),
    'mesh.peers': ({ maxPeers, includeFiltered }) => node.mesh.peers(maxPeers, includeFiltered),
    'mesh.storagePeers': ({ maxPeers }) => node.mesh.storagePeers(maxPeers),
    'mesh.announceBlock': async ({ cid, size }) => {
      const held = node.store.sizeOf(cid);
      if (held === undefined) throw notHeld(cid);
      await node.mesh.announceBlock(cid, size ?? held);
      return { cid, size: size ?? held };
    },
    'mesh.announceStorage': async ({ capacity, availableBlocks }) => {
      const blocks = availableBlocks ?? node.store.list().slice(0, MAX_ANNOUNCED_BLOCKS);
      const missing = blocks.find((id) => !node.store.has(id));
      if (missing !== undefined) throw notHeld(missing);
      const offered = capacity ?? (await node.store.stats()).availableBytes;
      await node.mesh.announceStorage(offered, blocks);
      return { capacity: offered, blocks: blocks.length };
    },
    'mesh.findBlockPeers': ({ cid, maxPeers }) => node.mesh.findBlockPeers(cid, maxPeers),
    'mesh.requestBlock': async ({ cid }) => {
      const size = await node.mesh.requestBlock(cid);
      node.log.info('mesh', `fetched ${cid} (${size} bytes) from the mesh, verified and stored`);
      node.publishIndex();
      return { id: cid, size };
    },

    'files.request': ({ contentId, maxBytes, hopLimit }) => {
      const outcome = node.lora.requestFile({ contentId, maxBytes, ...(hopLimit === undefined ? {} : { hopLimit }) });
      if (outcome.ok) return outcome.transfer;
      throw fileRequestRefusal(outcome.reason, outcome.message);
    },
    'files.cancel': ({ id }) => {
      const transfer = transferOf(node, id);
      if (!node.lora.cancelTransfer(id)) {
        throw refusal('refused', 'not_active', `This transfer is already ${transfer.state}: there is nothing to cancel.`, 'Nothing to do: finished transfers stay listed for a while.');
      }
      return transferOf(node, id);
    },
    'files.resume': ({ id }) => {
      const transfer = transferOf(node, id);
      if (!node.lora.resumeTransfer(id)) throw notResumable(transfer);
      return transferOf(node, id);
    },
    'files.transfers': () => node.lora.transfers(),
    'files.estimate': ({ maxBytes }) => node.lora.estimateFile(maxBytes),

    'messages.send': (request) => {
      const outcome = node.messages.send(request);
      if (outcome.ok) return { messages: outcome.messages };
      throw Object.assign(new Error(outcome.error.message), { toContractError: () => outcome.error });
    },
    'messages.list': (options) => node.messages.list(options),
    'messages.conversations': () => node.messages.conversations(),
    'messages.markRead': ({ conversation }) => node.messages.markRead(conversation),
    'map.tiles': () => node.tiles.info(),
    'map.setTiles': ({ path }) => {
      // A relative path would mean the node's working folder, which the operator cannot see.
      if (path !== '' && !isAbsolute(path)) {
        throw refusal('invalid_input', 'relative_path', 'The tile file needs its full path.', 'Give the whole path of the file on the computer the node runs on, e.g. /home/pakit/maps/area.mbtiles.');
      }
      try {
        return node.useTileFile(path === '' ? undefined : path);
      } catch (error) {
        if (!(error instanceof TileFileError)) throw error;
        throw Object.assign(new Error(error.message), { toContractError: () => tileFileContractError(error) });
      }
    },
    'map.trails': ({ perNode }) => node.positions.trails(perNode),

    'history.node': ({ nodeId, since, until, points }) => node.history.nodeHistory(nodeId, { since, until: until ?? node.now(), points }),
    'history.mesh': ({ since, until, points }) => node.history.meshHistory({ since, until: until ?? node.now(), points }),
    'export.csv': (request) => node.exportCsv(request),
  };
}

function transferOf(node: PakitNode, id: string): TransferView {
  const transfer = node.lora.transfers().find((candidate) => candidate.id === id);
  if (!transfer) {
    throw refusal('not_found', 'no_transfer', `There is no LoRa transfer "${id}".`, 'Pick one from the transfer list: finished ones drop off it after a while.');
  }
  return transfer;
}

function fileRequestRefusal(reason: Extract<FileRequestOutcome, { ok: false }>['reason'], message: string) {
  switch (reason) {
    case 'bad_content_id':
      return refusal('invalid_input', reason, message, 'Paste the content id of a single-block file (it starts with "bafkrei"), as the Index of the node holding it shows.');
    case 'bad_max_bytes':
      return refusal('invalid_input', reason, message, 'Choose a size limit within the range given.');
    case 'too_many':
      return refusal('refused', reason, message, 'Cancel a transfer in Files, or wait for one to finish.');
    case 'already_stored':
      return refusal('refused', reason, message, 'Find it in Index to download or save it.');
  }
}

function notResumable(transfer: TransferView) {
  if (transfer.direction === 'outgoing') {
    return refusal('refused', 'not_resumable', 'Only files this node asked for can be resumed.', 'The neighbour that asked for it can request it again.');
  }
  if (transfer.state === 'paused') {
    return refusal('refused', 'not_resumable', 'This transfer is waiting for the radio: it goes on by itself once the radio is back.', 'Connect a radio in Radio.');
  }
  return refusal('refused', 'not_resumable', `This transfer is ${transfer.state}: only a failed one can be resumed.`, 'Request the file again to fetch it anew.');
}

function emergencyAction(outcome: EmergencyActionOutcome): EmergencyRecord {
  if (outcome.ok) return outcome.record;
  switch (outcome.reason) {
    case 'unknown':
      throw refusal('not_found', 'unknown_emergency', 'This node has no record of that emergency.', 'Pick one from the emergency history.');
    case 'not_ours':
      throw refusal('refused', 'not_ours', 'Only the node that sent an emergency can close it or stop its repeats.', 'Ask its sender to send the all-clear.');
    case 'closed':
      throw refusal('refused', 'closed', 'That emergency is already closed.', 'Nothing to do.');
  }
}
