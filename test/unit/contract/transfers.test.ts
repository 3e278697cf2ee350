// The files.* methods (LoRa file transfers) through the contract server of a real node without a
// radio: requests wait for the radio as `paused`, so every transfer here stays put until cancelled.
import { afterEach, describe, expect, it } from 'vitest';
import { LORA_FILE_DEFAULT_BYTES, LORA_FILE_MAX_BYTES, methods, type EventMessage, type FileTransfer } from '../../../shared/contract/index.ts';
import { DEFAULT_MAX_FILE_BYTES, MAX_FILE_BYTES } from '../../../electron/node/lora/messages.ts';
import type { PakitNode } from '../../../electron/node/node.ts';
import { contentIdFor, DAG_CBOR_CODEC, RAW_CODEC } from '../../../electron/node/storage/content-id.ts';
import { createTestNode } from '../../helpers/test-node.ts';

const nodes: PakitNode[] = [];

async function startedNode(): Promise<PakitNode> {
  const node = await createTestNode();
  nodes.push(node);
  await node.start();
  return node;
}

afterEach(async () => {
  for (const node of nodes.splice(0)) await node.stop();
});

const rawId = (text: string) => contentIdFor(RAW_CODEC, Buffer.from(text)).toString();
const transferIn = (result: { ok: boolean; value?: unknown }) => (result.ok ? (result.value as FileTransfer) : undefined);

describe('files.* contract', () => {
  it('mirrors the LoRa protocol’s size limits: 50 KB unless asked, never more than 200 KB', () => {
    expect([LORA_FILE_DEFAULT_BYTES, LORA_FILE_MAX_BYTES]).toEqual([DEFAULT_MAX_FILE_BYTES, MAX_FILE_BYTES]);
    expect(methods['files.request'].input.parse({ contentId: rawId('a') }).maxBytes).toBe(50 * 1024);
  });

  it('refuses ids and sizes that cannot travel over LoRa, saying which field and why', async () => {
    const node = await startedNode();
    const notAnId = await node.api.call('files.request', { contentId: 'hello' });
    expect(notAnId).toMatchObject({ ok: false, error: { code: 'invalid_input', issues: [{ path: 'contentId', message: expect.stringContaining('content id') }] } });

    const multiBlock = contentIdFor(DAG_CBOR_CODEC, Buffer.from('a root')).toString();
    expect(await node.api.call('files.request', { contentId: multiBlock })).toMatchObject({
      ok: false,
      error: { code: 'invalid_input', reason: 'bad_content_id', message: expect.stringContaining('bafkrei'), fix: expect.any(String) },
    });

    for (const maxBytes of [0, 1.5, LORA_FILE_MAX_BYTES + 1]) {
      expect(await node.api.call('files.request', { contentId: rawId('b'), maxBytes }), String(maxBytes)).toMatchObject({
        ok: false,
        error: { code: 'invalid_input', issues: [{ path: 'maxBytes' }] },
      });
    }
    expect(await node.api.call('files.transfers', {})).toEqual({ ok: true, value: [] });
  });

  it('refuses a file the node already holds, pointing to where it is', async () => {
    const node = await startedNode();
    const stored = await node.api.call('storage.upload', { name: 'map.txt', dataBase64: Buffer.from('water at km 4').toString('base64') });
    const id = stored.ok ? (stored.value as { id: string }).id : '';
    expect(await node.api.call('files.request', { contentId: id })).toMatchObject({
      ok: false,
      error: { code: 'refused', reason: 'already_stored', fix: expect.stringContaining('Index') },
    });
  });

  it('lists a request, streams it to consoles, and cancels it', async () => {
    const node = await startedNode();
    const events: EventMessage[] = [];
    const connection = node.api.connect({ send: (message) => message.kind === 'event' && message.event === 'files.transfers' && events.push(message) });
    const contentId = rawId('the village map');

    const requested = transferIn(await node.api.call('files.request', { contentId, maxBytes: 20 * 1024 }));
    // No radio yet: the request waits for one.
    expect(requested).toMatchObject({ contentId, direction: 'incoming', state: 'paused', size: null, bytesDone: 0, etaMs: null, peers: [], badPeers: [], error: null });
    const listed = await node.api.call('files.transfers', {});
    expect(listed).toEqual({ ok: true, value: [requested] });
    await expect.poll(() => events.at(-1)?.data[0], { timeout: 3000 }).toEqual([requested]);

    const id = requested!.id;
    expect(await node.api.call('files.resume', { id })).toMatchObject({ ok: false, error: { code: 'refused', reason: 'not_resumable', fix: expect.stringContaining('radio') } });
    expect(transferIn(await node.api.call('files.cancel', { id }))).toMatchObject({ id, state: 'cancelled' });
    expect(await node.api.call('files.transfers', {})).toMatchObject({ ok: true, value: [{ id, state: 'cancelled' }] });
    await expect.poll(() => (events.at(-1)?.data[0] as FileTransfer[] | undefined)?.[0]?.state, { timeout: 3000 }).toBe('cancelled');

    expect(await node.api.call('files.cancel', { id })).toMatchObject({ ok: false, error: { code: 'refused', reason: 'not_active', message: expect.stringContaining('cancelled') } });
    expect(await node.api.call('files.resume', { id })).toMatchObject({ ok: false, error: { code: 'refused', reason: 'not_resumable' } });
    connection.close();
  });

  it('answers not_found for a transfer it does not know', async () => {
    const node = await startedNode();
    for (const method of ['files.cancel', 'files.resume'] as const) {
      expect(await node.api.call(method, { id: 'in-00000000' }), method).toMatchObject({
        ok: false,
        error: { code: 'not_found', reason: 'no_transfer', message: expect.stringContaining('in-00000000'), fix: expect.any(String) },
      });
    }
    expect(await node.api.call('files.cancel', { id: '' })).toMatchObject({ ok: false, error: { code: 'invalid_input', issues: [{ path: 'id' }] } });
  });

  it('refuses more files at once than the radio is given to fetch', async () => {
    const node = await startedNode();
    const outcomes = [];
    for (let i = 0; i < 9; i += 1) outcomes.push(await node.api.call('files.request', { contentId: rawId(`file ${i}`) }));
    expect(outcomes.slice(0, 8).every((outcome) => outcome.ok)).toBe(true);
    expect(outcomes[8]).toMatchObject({ ok: false, error: { code: 'refused', reason: 'too_many', fix: expect.stringContaining('Cancel') } });
  });
});
