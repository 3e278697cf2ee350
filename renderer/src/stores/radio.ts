import { create } from 'zustand';
import type { ContractClient, ContractError, MeshNode, RadioPort, RadioPortInfo, RadioState } from '../../../shared/contract/index.ts';

type RadioStore = {
  state: RadioState;
  nodes: MeshNode[];
  ports: RadioPortInfo[];
  /** The last refused request (connect, scan), shown next to the controls that caused it. */
  actionError: ContractError | undefined;
  busy: boolean;
  scan(): Promise<void>;
  connect(port: RadioPort): Promise<void>;
  disconnect(): Promise<void>;
};

let client: ContractClient | undefined;

export const useRadio = create<RadioStore>((set) => ({
  state: { phase: 'disconnected', queueDepth: 0 },
  nodes: [],
  ports: [],
  actionError: undefined,
  busy: false,
  async scan() {
    if (!client) return;
    set({ busy: true });
    const result = await client.call('radio.ports', {});
    set(result.ok ? { ports: result.value, actionError: undefined, busy: false } : { actionError: result.error, busy: false });
  },
  async connect(port) {
    if (!client) return;
    set({ busy: true, actionError: undefined });
    const result = await client.call('radio.connect', { port });
    set(result.ok ? { state: result.value, busy: false } : { actionError: result.error, busy: false });
  },
  async disconnect() {
    if (!client) return;
    set({ busy: true });
    const result = await client.call('radio.disconnect', {});
    set(result.ok ? { state: result.value, busy: false } : { actionError: result.error, busy: false });
  },
}));

export function bindRadio(contractClient: ContractClient): void {
  client = contractClient;
  const load = async () => {
    const [state, nodes] = await Promise.all([contractClient.call('radio.state', {}), contractClient.call('radio.nodes', {})]);
    if (state.ok) useRadio.setState({ state: state.value });
    if (nodes.ok) useRadio.setState({ nodes: nodes.value });
    await useRadio.getState().scan();
  };
  contractClient.onState((state) => {
    if (state.phase === 'open') void load();
  });
  if (contractClient.state.phase === 'open') void load();
  contractClient.on('radio.state', (states) => {
    const latest = states.at(-1);
    if (latest) useRadio.setState({ state: latest });
  });
  contractClient.on('radio.nodes', (lists) => {
    const latest = lists.at(-1);
    if (latest) useRadio.setState({ nodes: latest });
  });
}
