import { create } from 'zustand';
import type { ContractClient, ContractError, NodeFavorite } from '../../../shared/contract/index.ts';

type FavoritesStore = {
  /** The operator's marks, kept by the node; a node without one shows its radio's flag. */
  marks: NodeFavorite[];
  /** The last refused change, shown above the table. */
  error: ContractError | undefined;
  setFavorite(nodeId: string, favorite: boolean): Promise<void>;
};

let client: ContractClient | undefined;

export const useFavorites = create<FavoritesStore>((set) => ({
  marks: [],
  error: undefined,
  async setFavorite(nodeId, favorite) {
    if (!client) return;
    const result = await client.call('nodes.setFavorite', { nodeId, favorite });
    if (!result.ok) {
      set({ error: result.error });
      return;
    }
    set(({ marks }) => ({ error: undefined, marks: [...marks.filter((mark) => mark.nodeId !== nodeId), result.value] }));
  },
}));

export function bindFavorites(contractClient: ContractClient): void {
  client = contractClient;
  const load = async () => {
    const marks = await contractClient.call('nodes.favorites', {});
    if (marks.ok) useFavorites.setState({ marks: marks.value });
  };
  contractClient.onState((state) => {
    if (state.phase === 'open') void load();
  });
  if (contractClient.state.phase === 'open') void load();
  contractClient.on('nodes.favorites', (lists) => {
    const latest = lists.at(-1);
    if (latest) useFavorites.setState({ marks: latest });
  });
}
