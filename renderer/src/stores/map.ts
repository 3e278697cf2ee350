import { create } from 'zustand';
import type { ContractClient, ContractError, MapTiles } from '../../../shared/contract/index.ts';
import { mergeTrails, TRAIL_LIMIT, withPositions, type Trails } from '../map/trails.ts';
import { useRadio } from './radio.ts';

type MapStore = {
  /** The node's tile file (contract `map.tiles`); undefined until it answered. */
  tiles: MapTiles | undefined;
  /** Every node's positions: those the node kept (`map.trails`) and those seen since, own radio included (by its id). */
  trails: Trails;
  /** A tile file refused in Settings (the one before stays), shown next to the choice. */
  choiceError: ContractError | undefined;
  busy: boolean;
  /** Asks the node to serve another tile file ('' for none). */
  chooseTileFile(path: string): Promise<boolean>;
};

let client: ContractClient | undefined;

export const useMap = create<MapStore>((set) => ({
  tiles: undefined,
  trails: {},
  choiceError: undefined,
  busy: false,
  async chooseTileFile(path) {
    if (!client) return false;
    set({ busy: true, choiceError: undefined });
    const result = await client.call('map.setTiles', { path });
    set(result.ok ? { tiles: result.value, busy: false } : { choiceError: result.error, busy: false });
    return result.ok;
  },
}));

export function bindMap(contractClient: ContractClient): void {
  client = contractClient;
  const load = async () => {
    const [tiles, trails] = await Promise.all([contractClient.call('map.tiles', {}), contractClient.call('map.trails', { perNode: TRAIL_LIMIT })]);
    useMap.setState({ tiles: tiles.ok ? tiles.value : { available: false, error: tiles.error } });
    if (trails.ok) useMap.setState(({ trails: live }) => ({ trails: mergeTrails(trails.value, live) }));
  };
  contractClient.onState((state) => {
    if (state.phase === 'open') void load();
  });
  if (contractClient.state.phase === 'open') void load();
  contractClient.on('map.tiles', (changes) => {
    const latest = changes.at(-1);
    if (latest) useMap.setState({ tiles: latest });
  });
  // Trails grow from each new list of nodes and each new own position, whichever view is open.
  const record = () => {
    const { nodes, state } = useRadio.getState();
    const own = state.device;
    const positions = [...nodes.map((node) => ({ id: node.nodeId, position: node.position })), ...(own ? [{ id: own.nodeId, position: own.position }] : [])];
    const trails = withPositions(useMap.getState().trails, positions, Date.now());
    if (trails !== useMap.getState().trails) useMap.setState({ trails });
  };
  useRadio.subscribe((now, before) => {
    if (now.nodes !== before.nodes || now.state.device?.position !== before.state.device?.position) record();
  });
  record();
}
