// What one file transfer costs over one hop, before it is asked for: the frames it takes and their
// radio time, counted like the wire (every relay between holder and asker sends each frame again).
import type { ModemPreset } from '../../radio/airtime.ts';
import { MAX_CHUNK_DATA_BYTES, topHashCount } from '../messages.ts';
import { frameAirtimeMs } from '../scheduler.ts';
import { FRAME_HEADER_BYTES, MAX_FRAME_BYTES, SIGNED_OVERHEAD_BYTES } from '../wire.ts';
import { TransferLayout } from './layout.ts';

/** A file-request asking nobody to stand aside, and the final ack (the transfer id alone). */
const REQUEST_FRAME_BYTES = 45;
const FINAL_ACK_FRAME_BYTES = 9;
/** A chunk frame: network tag, short-header version byte, position. */
const CHUNK_FRAME_HEADER_BYTES = 6;
/** A manifest frame before its top hashes: header, signature, transfer id, content id, size, chunk size, first position. */
const MANIFEST_FIXED_FRAME_BYTES = FRAME_HEADER_BYTES + SIGNED_OVERHEAD_BYTES + 4 + 36 + 4 + 1 + 2;
/** The name extension's version and media type bytes. */
const MANIFEST_EXTENSION_FIXED_BYTES = 2;

export type FileCost = {
  /** Frames over one hop without losses: request, manifest, hash and file chunks, final ack. */
  frames: number;
  airtimeMsPerHop: number;
  /** Radio time the holder takes at one full frame per interval (its share of the channel). */
  etaMs: number;
};

/** Undefined for a size no transfer carries. `nameBytes`: the file name the manifest carries. */
export function fileTransferCost(size: number, modem: ModemPreset, frameIntervalMs: number, nameBytes = 0): FileCost | undefined {
  const layout = TransferLayout.of(size, MAX_CHUNK_DATA_BYTES);
  if (!layout) return undefined;
  const manifestBytes = MANIFEST_FIXED_FRAME_BYTES + topHashCount(layout.levels) * 8 + (nameBytes > 0 ? MANIFEST_EXTENSION_FIXED_BYTES + nameBytes : 0);
  // A manifest longer than a frame goes as two (see fitManifestName): counted as two full frames.
  const manifestAirtime = manifestBytes <= MAX_FRAME_BYTES ? frameAirtimeMs(modem, manifestBytes) : 2 * frameAirtimeMs(modem, MAX_FRAME_BYTES);
  let chunksAirtime = 0;
  for (let offset = 0; offset < layout.total; offset++) chunksAirtime += frameAirtimeMs(modem, CHUNK_FRAME_HEADER_BYTES + layout.lengthOf(offset));
  return {
    frames: layout.total + 3,
    airtimeMsPerHop: Math.round(frameAirtimeMs(modem, REQUEST_FRAME_BYTES) + manifestAirtime + chunksAirtime + frameAirtimeMs(modem, FINAL_ACK_FRAME_BYTES)),
    etaMs: Math.round((layout.total + 1) * frameIntervalMs),
  };
}
