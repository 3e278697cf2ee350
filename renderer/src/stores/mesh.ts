import { create } from 'zustand';
import type { ContractClient, ContractError, MeshHealth, MeshPeer } from '../../../shared/contract/index.ts';

/** Ten minutes of 2 s samples for the dashboard charts. */
const HISTORY = 300;

type MeshStore = {
  health: MeshHealth | undefined;
  /** Health samples for the charts, oldest first. */
  history: MeshHealth[];
  /** Every peer on IP and LoRa by identity, filtered ones included (flagged). */
  peers: MeshPeer[];
  /** The last refused start or stop, shown next to the buttons. */
  actionError: ContractError | undefined;
  busy: boolean;
  start(): Promise<void>;
  stop(): Promise<void>;
};

let client: ContractClient | undefined;

export const useMesh = create<MeshStore>((set) => {
  const run = async (method: 'mesh.start' | 'mesh.stop') => {
    if (!client) return;
    set({ busy: true, actionError: undefined });
    const result = await client.call(method, {});
    set(result.ok ? { health: result.value, busy: false } : { actionError: result.error, busy: false });
  };
  return {
    health: undefined,
    history: [],
    peers: [],
    actionError: undefined,
    busy: false,
    start: () => run('mesh.start'),
    stop: () => run('mesh.stop'),
  };
});

export function bindMesh(contractClient: ContractClient): void {
  client = contractClient;
  const load = async () => {
    const [history, health, peers] = await Promise.all([
      contractClient.call('mesh.healthHistory', { limit: HISTORY }),
      contractClient.call('mesh.health', {}),
      contractClient.call('mesh.peers', { includeFiltered: true }),
    ]);
    if (history.ok) useMesh.setState({ history: history.value });
    if (health.ok) useMesh.setState({ health: health.value });
    if (peers.ok) useMesh.setState({ peers: peers.value });
  };
  contractClient.onState((state) => {
    if (state.phase === 'open') void load();
  });
  if (contractClient.state.phase === 'open') void load();
  contractClient.on('mesh.health', (samples) => {
    useMesh.setState(({ history }) => {
      const newest = history.at(-1)?.sampledAt ?? -Infinity;
      const merged = [...history, ...samples.filter((sample) => sample.sampledAt > newest)].slice(-HISTORY);
      return { history: merged, health: samples.at(-1) };
    });
  });
  contractClient.on('mesh.peers', (lists) => {
    const latest = lists.at(-1);
    if (latest) useMesh.setState({ peers: latest });
  });
}
