import { create } from 'zustand';
import type { ContractClient, ContractError, FileTransfer } from '../../../shared/contract/index.ts';

type TransfersStore = {
  /** LoRa file transfers, incoming and outgoing, newest first. */
  transfers: FileTransfer[];
  /** The last refused request, cancel or resume, shown next to the controls that caused it. */
  actionError: ContractError | undefined;
  /** The transfer a refused cancel or resume was about; undefined for a refused request. */
  actionFor: string | undefined;
  busy: boolean;
  request(contentId: string, maxBytes: number): Promise<boolean>;
  cancel(id: string): Promise<void>;
  resume(id: string): Promise<void>;
};

let client: ContractClient | undefined;

/** Puts a transfer's newest view in the list (a new one on top), ahead of the next event. */
const withView = (transfers: FileTransfer[], view: FileTransfer) =>
  transfers.some((transfer) => transfer.id === view.id) ? transfers.map((transfer) => (transfer.id === view.id ? view : transfer)) : [view, ...transfers];

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
    async request(contentId, maxBytes) {
      if (!client) return false;
      set({ busy: true, actionError: undefined, actionFor: undefined });
      const result = await client.call('files.request', { contentId, maxBytes });
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
    if (latest) useTransfers.setState({ transfers: latest });
  });
}
