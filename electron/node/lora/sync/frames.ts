// What a sync payload costs on air once LoraSender has framed it, and how much fits in a number of
// frames: batches are sized to fill whole frames, since a frame costs its airtime however full.
import { FRAGMENT_DATA_BYTES, FRAGMENT_HEADER_BYTES, FRAME_HEADER_BYTES, MAX_SINGLE_FRAME_MESSAGE_BYTES } from '../wire.ts';

/** Type byte and session number in front of every sync payload. */
export const SYNC_MESSAGE_OVERHEAD_BYTES = 1 + 4;

/** Sum of the frame lengths LoraSender produces for a sync message with this payload. */
export function syncFrameBytes(payloadBytes: number): number {
  const message = SYNC_MESSAGE_OVERHEAD_BYTES + payloadBytes;
  if (message <= MAX_SINGLE_FRAME_MESSAGE_BYTES) return FRAME_HEADER_BYTES + message;
  return message + Math.ceil(message / FRAGMENT_DATA_BYTES) * (FRAME_HEADER_BYTES + FRAGMENT_HEADER_BYTES);
}

/** The largest payload that travels in `frames` frames. */
export function payloadCapacity(frames: number): number {
  const message = frames <= 1 ? MAX_SINGLE_FRAME_MESSAGE_BYTES : frames * FRAGMENT_DATA_BYTES;
  return message - SYNC_MESSAGE_OVERHEAD_BYTES;
}

/** Frames needed for a payload of this size. */
export function framesFor(payloadBytes: number): number {
  const message = SYNC_MESSAGE_OVERHEAD_BYTES + payloadBytes;
  return message <= MAX_SINGLE_FRAME_MESSAGE_BYTES ? 1 : Math.ceil(message / FRAGMENT_DATA_BYTES);
}
