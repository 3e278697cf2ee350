// The file name and media type in a LoRa manifest: a versioned extension after the top hashes,
// one frame whenever the name fits, and names that could be paths never delivered.
import { describe, expect, it } from 'vitest';
import { MAX_FRAME_BYTES, planFileTransfer } from '../../../electron/node/lora/index.ts';
import { MANIFEST_MEDIA_TYPES, MIN_MANIFEST_NAME_BYTES, decodeBuiltinBody, encodeBuiltinBody, fitManifestName, type FileManifestMessage } from '../../../electron/node/lora/messages.ts';
import { RAW_CODEC, contentIdFor } from '../../../electron/node/storage/content-id.ts';
import { NOW, feed, identity, only, receiver, senderFor } from './lora-fixtures.ts';

const fileOf = (size: number) => Uint8Array.from({ length: size }, (_, i) => (i * 13) & 0xff);
const manifestOf = (size: number): FileManifestMessage => {
  const bytes = fileOf(size);
  return planFileTransfer(bytes, contentIdFor(RAW_CODEC, bytes).toString(), 7, 100).manifest;
};

/** Sends a manifest through a real sender and receiver: its frames, and what arrives. */
function send(manifest: FileManifestMessage): { frames: Uint8Array[]; received: unknown } {
  const rx = receiver();
  rx.keys.add(identity(1).publicKey);
  const { frames } = senderFor(1).encode(manifest, NOW);
  return { frames, received: only(feed(rx, frames, 0x42).deliveries).message };
}

describe('file name and type in the manifest', () => {
  it('carries report.txt and text/plain in the one signed frame of a 50 KB file', () => {
    const manifest = { ...manifestOf(50 * 1024), name: 'report.txt', mediaType: 'text/plain' };
    const { frames, received } = send(manifest);
    expect(frames).toHaveLength(1);
    // 145 bytes without a name (transfer/README.md), plus version, type code and the name's 10 bytes.
    expect(frames[0]!.length).toBe(145 + 2 + 10);
    expect(received).toEqual(manifest);
  });

  it('decodes a manifest without the extension as before, and one of a later extension version without its description', () => {
    const plain = manifestOf(1000);
    expect(send(plain).received).toEqual(plain);
    const body = encodeBuiltinBody({ ...plain, name: 'map.png', mediaType: 'image/png' });
    const laterVersion = Uint8Array.from(body);
    laterVersion[body.length - 'map.png'.length - 2] = 2;
    expect(decodeBuiltinBody('file-manifest', laterVersion)).toEqual(plain);
    // A lone byte after the hashes is no extension: the manifest is refused, as a cut one would be.
    expect(decodeBuiltinBody('file-manifest', Uint8Array.of(...encodeBuiltinBody(plain), 1))).toMatchObject({ reason: 'bad_length' });
  });

  it('drops a name that could be a path or holds control characters, keeping the transfer and its type', () => {
    const plain = manifestOf(1000);
    for (const name of ['../../home/operator/.ssh/id_ed25519', 'a\\b.txt', 'line\nbreak.txt', '..']) {
      expect(decodeBuiltinBody('file-manifest', encodeBuiltinBody({ ...plain, name, mediaType: 'text/csv' })), name).toEqual({ ...plain, mediaType: 'text/csv' });
    }
  });

  it('sends a media type the table does not know as none, and refuses a name over 64 bytes', () => {
    const plain = manifestOf(1000);
    expect(send({ ...plain, name: 'clip.mkv', mediaType: 'video/x-matroska' }).received).toEqual({ ...plain, name: 'clip.mkv' });
    expect(() => encodeBuiltinBody({ ...plain, name: 'x'.repeat(65) })).toThrow(RangeError);
    expect(MANIFEST_MEDIA_TYPES.indexOf('text/plain')).toBe(1); // codes are on the wire: the table only grows
  });

  it('cuts a long name to keep the manifest one frame, keeping its extension; a file with 12 top hashes keeps 20 bytes in two frames', () => {
    const long = 'water-points-survey-of-the-northern-valley-december-2026-final.csv';
    const big = manifestOf(50 * 1024);
    const fitted = fitManifestName(long, big.topHashes.length);
    expect(fitted).not.toBe(long);
    expect(fitted.endsWith('….csv')).toBe(true);
    const { frames } = send({ ...big, name: fitted });
    expect(frames).toHaveLength(1);
    expect(frames[0]!.length).toBeLessThanOrEqual(MAX_FRAME_BYTES);
    expect(fitManifestName('report.txt', big.topHashes.length)).toBe('report.txt');

    const twelve = manifestOf(20_000);
    expect(twelve.topHashes).toHaveLength(12);
    const short = fitManifestName(long, 12);
    expect(new TextEncoder().encode(short).length).toBeLessThanOrEqual(MIN_MANIFEST_NAME_BYTES);
    expect(short.endsWith('….csv')).toBe(true);
    const sent = send({ ...twelve, name: short });
    expect(sent.frames).toHaveLength(2);
    expect(sent.received).toEqual({ ...twelve, name: short });
  });
});
