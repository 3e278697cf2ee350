import { create } from 'zustand';
import type { ContractClient, ContractError, LoraRegion, MeshNode, RadioPort, RadioPortInfo, RadioState, Result } from '../../../shared/contract/index.ts';

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
  /** The last refused set-up change (owner, region, channel), shown in the set-up card. */
  setupError: ContractError | undefined;
  /** Set-up changes the device took, newest last, for the operator to see they worked. */
  setupDone: 'owner' | 'region' | 'channel' | undefined;
  setOwner(longName: string, shortName: string): Promise<boolean>;
  setRegion(region: LoraRegion): Promise<boolean>;
  setChannel(index: number): Promise<boolean>;
};

let client: ContractClient | undefined;

export const useRadio = create<RadioStore>((set) => {
  const setUp = async (what: 'owner' | 'region' | 'channel', call: (c: ContractClient) => Promise<Result<RadioState>>): Promise<boolean> => {
    if (!client) return false;
    set({ busy: true, setupError: undefined, setupDone: undefined });
    const result = await call(client);
    set(result.ok ? { state: result.value, busy: false, setupDone: what } : { setupError: result.error, busy: false });
    return result.ok;
  };
  return {
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
    setupError: undefined,
    setupDone: undefined,
    setOwner: (longName, shortName) => setUp('owner', (c) => c.call('radio.setOwner', { longName, shortName })),
    setRegion: (region) => setUp('region', (c) => c.call('radio.setRegion', { region, confirm: true })),
    setChannel: (index) => setUp('channel', (c) => c.call('radio.setChannel', { index })),
  };
});

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
