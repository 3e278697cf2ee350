import { create } from 'zustand';
import type { ContractClient, MapTiles } from '../../../shared/contract/index.ts';
import { mergeTrails, TRAIL_LIMIT, withPositions, type Trails } from '../map/trails.ts';
import { useRadio } from './radio.ts';

type MapStore = {
  /** The node's tile file (contract `map.tiles`); undefined until it answered. */
  tiles: MapTiles | undefined;
  /** Every node's positions: those the node kept (`map.trails`) and those seen since, own radio included (by its id). */
  trails: Trails;
};

export const useMap = create<MapStore>(() => ({ tiles: undefined, trails: {} }));

export function bindMap(contractClient: ContractClient): void {
  const load = async () => {
    const [tiles, trails] = await Promise.all([contractClient.call('map.tiles', {}), contractClient.call('map.trails', { perNode: TRAIL_LIMIT })]);
    useMap.setState({ tiles: tiles.ok ? tiles.value : { available: false, error: tiles.error } });
    if (trails.ok) useMap.setState(({ trails: live }) => ({ trails: mergeTrails(trails.value, live) }));
  };
  contractClient.onState((state) => {
    if (state.phase === 'open') void load();
  });
  if (contractClient.state.phase === 'open') void load();
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
