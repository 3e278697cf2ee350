// The console's transfer list when a call's answer overtakes a files.transfers event the node's
// event pump held back (mode `latest`, up to one interval): the older list must not undo it.
import { describe, expect, it } from 'vitest';
import type { FileTransfer } from '../../../shared/contract/index.ts';
import { mergeTransfers } from '../../../renderer/src/stores/transfers.ts';

const view = (id: string, fields: Partial<FileTransfer>): FileTransfer => ({
  id,
  contentId: 'bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku',
  direction: 'incoming',
  state: 'requesting',
  size: null,
  chunksDone: 0,
  chunksTotal: null,
  bytesDone: 0,
  etaMs: null,
  peers: [],
  name: null,
  mediaType: null,
  hopLimit: 3,
  hops: null,
  unansweredMs: null,
  airtimeMs: null,
  badPeers: [],
  error: null,
  startedAt: 1_000,
  updatedAt: 1_000,
  ...fields,
});

describe('mergeTransfers', () => {
  it('keeps a cancel the node answered over a list made before it', () => {
    const cancelled = view('in-1', { state: 'cancelled', updatedAt: 5_000 });
    const staleList = [view('in-1', { state: 'requesting', updatedAt: 4_000 })];
    expect(mergeTransfers([cancelled], staleList)).toEqual([cancelled]);
    // Ended at the very moment the list was made: the ended view wins the tie.
    expect(mergeTransfers([view('in-1', { state: 'cancelled', updatedAt: 4_000 })], staleList)[0]!.state).toBe('cancelled');
  });

  it('takes the list’s view once it is as new or newer, and drops transfers the node no longer lists', () => {
    const shown = [view('in-1', { state: 'cancelled', updatedAt: 5_000 }), view('in-0', { state: 'done', startedAt: 500, updatedAt: 900 })];
    const fresh = view('in-1', { state: 'cancelled', updatedAt: 5_000, error: null, chunksDone: 3 });
    expect(mergeTransfers(shown, [fresh])).toEqual([fresh]);
    const resumed = view('in-1', { state: 'requesting', updatedAt: 6_000 });
    expect(mergeTransfers(shown, [resumed])).toEqual([resumed]);
  });

  it('keeps a request just made that an older list does not have yet', () => {
    const requested = view('in-2', { startedAt: 7_000, updatedAt: 7_000 });
    const older = [view('in-1', { state: 'receiving', updatedAt: 6_500 })];
    expect(mergeTransfers([requested, ...older], older)).toEqual([requested, ...older]);
  });
});
