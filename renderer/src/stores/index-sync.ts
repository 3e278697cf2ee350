import { create } from 'zustand';
import type { ContractClient, IndexSyncView } from '../../../shared/contract/index.ts';

type IndexSyncStore = {
  /** The mesh index and sync with each radio peer; undefined until the node first answers. */
  view: IndexSyncView | undefined;
};

export const useIndexSync = create<IndexSyncStore>(() => ({ view: undefined }));

export function bindIndexSync(client: ContractClient): void {
  const load = async () => {
    const view = await client.call('index.sync', {});
    if (view.ok) useIndexSync.setState({ view: view.value });
  };
  client.onState((state) => {
    if (state.phase === 'open') void load();
  });
  if (client.state.phase === 'open') void load();
  client.on('index.sync', (views) => {
    const latest = views.at(-1);
    if (latest) useIndexSync.setState({ view: latest });
  });
  // The node's own blocks are part of the mesh index, and storing one raises no sync event.
  client.on('index.summary', () => void load());
}
