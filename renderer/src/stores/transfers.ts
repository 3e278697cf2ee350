import { create } from 'zustand';
import type { ContractClient, ContractError, FileEstimate, FileTransfer, TransferState } from '../../../shared/contract/index.ts';

type TransfersStore = {
  /** LoRa file transfers, incoming and outgoing, newest first. */
  transfers: FileTransfer[];
  /** The last refused request, cancel or resume, shown next to the controls that caused it. */
  actionError: ContractError | undefined;
  /** The transfer a refused cancel or resume was about; undefined for a refused request. */
  actionFor: string | undefined;
  busy: boolean;
  /** What a file of the size asked costs on air, per hop (asked of the node as the size changes). */
  estimate: FileEstimate | undefined;
  loadEstimate(maxBytes: number): Promise<void>;
  /** `hopLimit`: how far to ask (absent: the radio's own); asking again for an unanswered file asks at once. */
  request(contentId: string, maxBytes: number, hopLimit?: number): Promise<boolean>;
  cancel(id: string): Promise<void>;
  resume(id: string): Promise<void>;
};

let client: ContractClient | undefined;

/** Puts a transfer's newest view in the list (a new one on top), ahead of the next event. */
const withView = (transfers: FileTransfer[], view: FileTransfer) =>
  transfers.some((transfer) => transfer.id === view.id) ? transfers.map((transfer) => (transfer.id === view.id ? view : transfer)) : [view, ...transfers];

const FINAL: ReadonlySet<TransferState> = new Set(['done', 'failed', 'cancelled']);

/** The first view is later than the second: changed after it, or ended at the same moment. */
const isLater = (view: FileTransfer, than: FileTransfer) => view.updatedAt > than.updatedAt || (view.updatedAt === than.updatedAt && FINAL.has(view.state) && !FINAL.has(than.state));

/**
 * The list a `files.transfers` event brings, merged with what is shown. The node's event pump may
 * hold an event for up to one interval, so a call's answer (a cancel, a new request) can overtake a
 * list made before it: a view later than the event's is kept, and so is a transfer started after
 * every one the list knows (it is not in the list because the list is older, not because it ended).
 */
export function mergeTransfers(shown: readonly FileTransfer[], listed: readonly FileTransfer[]): FileTransfer[] {
  const shownById = new Map(shown.map((transfer) => [transfer.id, transfer]));
  const listedIds = new Set(listed.map((transfer) => transfer.id));
  const newestListed = Math.max(-Infinity, ...listed.map((transfer) => transfer.startedAt));
  const startedSince = shown.filter((transfer) => !listedIds.has(transfer.id) && transfer.startedAt > newestListed);
  const merged = listed.map((view) => {
    const mine = shownById.get(view.id);
    return mine && isLater(mine, view) ? mine : view;
  });
  return [...startedSince, ...merged];
}

export const useTransfers = create<TransfersStore>((set) => {
  const run = async (method: 'files.cancel' | 'files.resume', id: string) => {
    if (!client) return;
    set({ busy: true, actionError: undefined, actionFor: id });
    const result = await client.call(method, { id });
    set(result.ok ? ({ transfers }) => ({ transfers: withView(transfers, result.value), busy: false }) : { actionError: result.error, busy: false });
  };
  return {
    transfers: [],
    actionError: undefined,
    actionFor: undefined,
    busy: false,
    estimate: undefined,
    async loadEstimate(maxBytes) {
      if (!client) return;
      const result = await client.call('files.estimate', { maxBytes });
      if (result.ok) set({ estimate: result.value });
    },
    async request(contentId, maxBytes, hopLimit) {
      if (!client) return false;
      set({ busy: true, actionError: undefined, actionFor: undefined });
      const result = await client.call('files.request', { contentId, maxBytes, ...(hopLimit === undefined ? {} : { hopLimit }) });
      set(result.ok ? ({ transfers }) => ({ transfers: withView(transfers, result.value), busy: false }) : { actionError: result.error, busy: false });
      return result.ok;
    },
    cancel: (id) => run('files.cancel', id),
    resume: (id) => run('files.resume', id),
  };
});

export function bindTransfers(contractClient: ContractClient): void {
  client = contractClient;
  const load = async () => {
    const transfers = await contractClient.call('files.transfers', {});
    if (transfers.ok) useTransfers.setState({ transfers: transfers.value });
  };
  contractClient.onState((state) => {
    if (state.phase === 'open') void load();
  });
  if (contractClient.state.phase === 'open') void load();
  contractClient.on('files.transfers', (lists) => {
    const latest = lists.at(-1);
    if (latest) useTransfers.setState(({ transfers }) => ({ transfers: mergeTransfers(transfers, latest) }));
  });
}
