import { create } from 'zustand';
import type { ConnectionState, ContractClient } from '../../../shared/contract/index.ts';

type ConnectionStore = {
  state: ConnectionState;
  /** Inside the desktop app the node is in the same program; in a browser it is across a WebSocket. */
  via: 'desktop' | 'websocket';
};

export const useConnection = create<ConnectionStore>(() => ({
  state: { phase: 'connecting', attempt: 1 },
  via: 'websocket',
}));

export function bindConnection(client: ContractClient, via: ConnectionStore['via']): void {
  useConnection.setState({ state: client.state, via });
  client.onState((state) => useConnection.setState({ state }));
}
