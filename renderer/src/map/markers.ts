// What the map draws for each node: a marker at its position with a short label, and for the one
// selected its distance and bearing from this radio. Pure.
import type { MeshNode, RadioDevice } from '../../../shared/contract/index.ts';
import { bearingDegrees, distanceMetres } from '../nodes/table.ts';
import type { LatLon } from './projection.ts';

export type MapMarker = {
  id: string;
  /** The short name the radios show (4 characters), else the id's last 4 digits. */
  label: string;
  name: string;
  position: LatLon & { altitude?: number };
  own: boolean;
  lastHeard: number | undefined;
};

const labelOf = (id: string, shortName: string | undefined) => shortName?.trim() || id.slice(-4);

/** A marker for the own radio (when it has a position) and for every node that reported one. */
export function mapMarkers(nodes: readonly MeshNode[], device: RadioDevice | undefined): MapMarker[] {
  const markers: MapMarker[] = [];
  for (const node of nodes) {
    if (!node.position || node.nodeId === device?.nodeId) continue;
    markers.push({ id: node.nodeId, label: labelOf(node.nodeId, node.shortName), name: node.longName ?? node.shortName ?? node.nodeId, position: node.position, own: false, lastHeard: node.lastHeard });
  }
  if (device?.position) markers.push({ id: device.nodeId, label: labelOf(device.nodeId, device.shortName), name: device.longName, position: device.position, own: true, lastHeard: undefined });
  return markers;
}

/** Great-circle distance (metres) and initial bearing (degrees from true north) from `from` to `to`. */
export const rangeAndBearing = (from: LatLon, to: LatLon): { metres: number; degrees: number } => ({ metres: distanceMetres(from, to), degrees: bearingDegrees(from, to) });
