import { create } from 'zustand';
import type { ContractClient, NodeInfo, NodeStatus } from '../../../shared/contract/index.ts';

const HISTORY = 300;

type NodeStore = {
  info: NodeInfo | undefined;
  status: NodeStatus | undefined;
  /** Status samples for the charts, oldest first. */
  history: NodeStatus[];
};

export const useNode = create<NodeStore>(() => ({ info: undefined, status: undefined, history: [] }));

export function bindNode(client: ContractClient): void {
  const load = async () => {
    const [info, history] = await Promise.all([client.call('node.info', {}), client.call('node.statusHistory', { limit: HISTORY })]);
    if (info.ok) useNode.setState({ info: info.value });
    if (history.ok) useNode.setState({ history: history.value, status: history.value.at(-1) });
  };
  client.onState((state) => {
    if (state.phase === 'open') void load();
  });
  if (client.state.phase === 'open') void load();
  client.on('node.status', (samples) => {
    useNode.setState(({ history }) => {
      const merged = [...history, ...samples].slice(-HISTORY);
      return { history: merged, status: merged.at(-1) };
    });
  });
}
