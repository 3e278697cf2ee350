// The transfer cores across relays, driven message by message: how far each message may go, which
// holder answers first, what the serving side shows of its receiver, and what an unanswered request says.
import { describe, expect, it } from 'vitest';
import { FileFetcher, FileServer, type FetchEffect } from '../../../electron/node/lora/index.ts';
import type { ChunkBitmapMessage, FileRequestMessage } from '../../../electron/node/lora/messages.ts';
import { RAW_CODEC, contentIdFor } from '../../../electron/node/storage/content-id.ts';
import { seededRandom } from '../../../electron/sim/random.ts';

const INTERVAL = 5000;
const ASKER = 0x0a;
const HOLDER = 0x0b;
const HOLDER_KEY = '0b'.repeat(8);
const file = Uint8Array.from({ length: 30_000 }, (_, i) => (i * 31 + 7) & 0xff);
const contentId = contentIdFor(RAW_CODEC, file).toString();

const sent = (effects: FetchEffect[]) => effects.flatMap((effect) => (effect.kind === 'send' ? [effect] : []));
const server = (seed = 1) => new FileServer({ random: seededRandom(seed), frameIntervalMs: () => INTERVAL, keyId: HOLDER_KEY });
const fetcher = () => new FileFetcher({ random: seededRandom(9), frameIntervalMs: () => INTERVAL });

/** A holder one relay from the asker, answering its request: the manifest it signs and the hop limit it goes with. */
function answered(holder: FileServer, request: FileRequestMessage, hops: number, now: number) {
  expect(holder.onRequest(request, ASKER, now, hops)).toBe('load');
  holder.resume(now);
  holder.offer(contentId, file, now, { name: 'report.txt', mediaType: 'text/plain' });
  holder.tick(now + (hops + 1) * INTERVAL);
  return holder.takeManifests(now + (hops + 1) * INTERVAL);
}

describe('LoRa transfer cores across relays', () => {
  it('asks as far as its hop limit, and repairs and acks only as far as the holder is', () => {
    const asker = fetcher();
    asker.resume(0);
    expect(asker.request({ contentId, hopLimit: 3 }, 0)).toMatchObject({ ok: true });
    const [request] = sent(asker.takeEffects());
    expect(request).toMatchObject({ hopLimit: 3, message: { type: 'file-request', contentId } });

    const holder = server();
    const [answer] = answered(holder, request!.message as FileRequestMessage, 1, 0);
    // The holder's manifest and chunks go as far as the asker is: one relay, no further.
    expect(answer).toMatchObject({ hopLimit: 1, manifest: { name: 'report.txt', mediaType: 'text/plain' } });
    const [id] = holder.sendingIds();
    expect(holder.hopLimitOf(id!)).toBe(1);

    asker.onManifest(answer!.manifest, HOLDER, { keyId: HOLDER_KEY, verified: true }, 10_000, 1);
    expect(asker.views()[0]).toMatchObject({ state: 'receiving', hops: 2, name: 'report.txt', mediaType: 'text/plain', unansweredMs: null });
    // A chunk lost on the way, then the holder falls quiet: the nack goes back across the relay.
    holder.nextChunk(id!, 10_000);
    for (let at = 1; at < 20; at++) asker.onChunk(holder.nextChunk(id!, 10_000 + at * INTERVAL)!, HOLDER, 10_000 + at * INTERVAL);
    asker.tick(asker.wakeAt()!);
    const nacks = sent(asker.takeEffects()).filter((effect) => effect.message.type === 'nack');
    expect(nacks.length).toBeGreaterThan(0);
    for (const nack of nacks) expect(nack.hopLimit).toBe(1);
  });

  it('lets the nearest holder answer first: each relay to the asker puts a holder one frame interval later', () => {
    const request: FileRequestMessage = { type: 'file-request', contentId };
    const near = server(1);
    const far = server(2);
    for (const [holder, hops] of [[near, 0], [far, 2]] as const) {
      expect(holder.onRequest(request, ASKER, 0, hops)).toBe('load');
      holder.resume(0);
      holder.offer(contentId, file, 0);
    }
    const nearAt = near.wakeAt()!;
    const farAt = far.wakeAt()!;
    expect(nearAt).toBeLessThan(INTERVAL);
    expect(farAt).toBeGreaterThanOrEqual(2 * INTERVAL);
    // The far holder hears the near one's manifest before its own turn, and stays quiet.
    near.tick(nearAt);
    const [manifest] = near.takeManifests(nearAt);
    far.onManifestHeard(manifest!.manifest, HOLDER_KEY);
    far.tick(farAt);
    expect(far.takeManifests(farAt)).toEqual([]);
  });

  it('shows on the serving side what the receiver holds, also after the receiver asked again', () => {
    const asker = fetcher();
    asker.resume(0);
    asker.request({ contentId, hopLimit: 3 }, 0);
    const request = sent(asker.takeEffects())[0]!.message as FileRequestMessage;
    const holder = server();
    const [answer] = answered(holder, request, 1, 0);
    const [id] = holder.sendingIds();
    asker.onManifest(answer!.manifest, HOLDER, { keyId: HOLDER_KEY, verified: true }, 10_000, 1);
    let now = 10_000;
    for (let i = 0; i < 60; i++) asker.onChunk(holder.nextChunk(id!, (now += INTERVAL))!, HOLDER, now);
    asker.takeEffects();
    const outgoing = () => holder.views().find((view) => view.id === id)!;
    expect(outgoing().chunksDone).toBe(60);

    // Its request arrives again (relayed late, or it restarted): everything sent is due once more...
    expect(holder.onRequest(request, ASKER, now, 1)).toBe('joined');
    expect(outgoing().chunksDone).toBe(0);
    // ...until the manifest goes again and the receiver acks what it holds, across the relay.
    const [again] = holder.takeManifests(now);
    asker.onManifest(again!.manifest, HOLDER, { keyId: HOLDER_KEY, verified: true }, now, 1);
    const acks = sent(asker.takeEffects()).filter((effect) => effect.message.type === 'ack');
    expect(acks).toHaveLength(1);
    expect(acks[0]!.hopLimit).toBe(1);
    expect((acks[0]!.message as ChunkBitmapMessage).chunks).toHaveLength(60);
    holder.onBitmap(acks[0]!.message as ChunkBitmapMessage, ASKER, now, 1);
    expect(outgoing()).toMatchObject({ chunksDone: 60, hops: 2 });
    expect(holder.nextChunk(id!, now + INTERVAL)?.position).toBe((answer!.manifest.firstPosition + 60) % 0x8000);
  });

  it('says for how long nobody answered once a request went unanswered, and asks again at once, wider, when told', () => {
    const asker = fetcher();
    asker.resume(1_000);
    const asked = asker.request({ contentId, hopLimit: 0 }, 1_000);
    if (!asked.ok) throw new Error(asked.message);
    asker.takeEffects();
    expect(asker.views()[0]).toMatchObject({ state: 'requesting', hopLimit: 0, unansweredMs: null });
    const retryAt = asker.wakeAt()!;
    asker.tick(retryAt);
    expect(sent(asker.takeEffects())).toMatchObject([{ hopLimit: 0, message: { type: 'file-request' } }]);
    expect(asker.views()[0]!.unansweredMs).toBe(retryAt - 1_000);

    expect(asker.request({ contentId, hopLimit: 2 }, retryAt + 1)).toEqual({ ok: true, id: asked.id });
    expect(sent(asker.takeEffects())).toMatchObject([{ hopLimit: 2, message: { type: 'file-request' } }]);
    expect(asker.views()[0]).toMatchObject({ hopLimit: 2, unansweredMs: null });
    // A narrower ask later does not shrink it; a hop limit past the firmware's is refused.
    asker.request({ contentId, hopLimit: 0 }, retryAt + 2);
    expect(asker.views()[0]!.hopLimit).toBe(2);
    expect(asker.request({ contentId, hopLimit: 8 }, retryAt + 3)).toMatchObject({ ok: false, reason: 'bad_hop_limit' });
  });
});
