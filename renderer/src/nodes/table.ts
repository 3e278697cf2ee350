// The node table's model: radio nodes merged with the mesh's peers (reputation, transports) and the
// operator's favourites, and the pure sorting, filtering and formatting the view uses. No DOM.
import type { MeshNode, MeshPeer, NodeFavorite, NodePosition, PeerTransport } from '../../../shared/contract/index.ts';

export type NodeRow = {
  /** Radio id (`!xxxxxxxx`) or, for a peer reached over IP only, its peer id. */
  id: string;
  longName: string | undefined;
  shortName: string | undefined;
  role: string | undefined;
  hardware: string | undefined;
  hopsAway: number | undefined;
  snr: number | undefined;
  rssi: number | undefined;
  batteryLevel: number | undefined;
  voltage: number | undefined;
  channelUtilization: number | undefined;
  airUtilTx: number | undefined;
  lastHeard: number | undefined;
  position: NodePosition | undefined;
  /** From the own radio's position, when both are known. */
  distanceM: number | undefined;
  bearingDeg: number | undefined;
  /** 0..1, from the merged peer list. */
  reputation: number | undefined;
  transports: PeerTransport[];
  filtered: boolean;
  favorite: boolean;
};

export type ColumnId =
  | 'favorite'
  | 'name'
  | 'id'
  | 'role'
  | 'hops'
  | 'snr'
  | 'rssi'
  | 'battery'
  | 'voltage'
  | 'channel'
  | 'airtime'
  | 'lastHeard'
  | 'distance'
  | 'reputation'
  | 'transports';

export type SortDirection = 'ascending' | 'descending';
export type SortOrder = { column: ColumnId; direction: SortDirection };

type SortValue = string | number | undefined;

/** What each column sorts by. Position sorts by distance, or by latitude when the own position is unknown. */
const sortValue: Record<ColumnId, (row: NodeRow) => SortValue> = {
  favorite: (row) => (row.favorite ? 1 : 0),
  name: (row) => row.longName ?? row.shortName ?? row.id,
  id: (row) => row.id,
  role: (row) => row.role,
  hops: (row) => row.hopsAway,
  snr: (row) => row.snr,
  rssi: (row) => row.rssi,
  battery: (row) => row.batteryLevel,
  voltage: (row) => (row.voltage ? row.voltage : undefined),
  channel: (row) => row.channelUtilization,
  airtime: (row) => row.airUtilTx,
  lastHeard: (row) => row.lastHeard,
  distance: (row) => row.distanceM ?? row.position?.latitude,
  reputation: (row) => row.reputation,
  transports: (row) => row.transports.join(' '),
};

/** Direction a column sorts in when first chosen: the most useful end first (best signal, newest, nearest). */
export const firstDirection: Record<ColumnId, SortDirection> = {
  favorite: 'descending',
  name: 'ascending',
  id: 'ascending',
  role: 'ascending',
  hops: 'ascending',
  snr: 'descending',
  rssi: 'descending',
  battery: 'descending',
  voltage: 'descending',
  channel: 'descending',
  airtime: 'descending',
  lastHeard: 'descending',
  distance: 'ascending',
  reputation: 'descending',
  transports: 'ascending',
};

export const nextSort = (current: SortOrder, column: ColumnId): SortOrder =>
  current.column === column
    ? { column, direction: current.direction === 'ascending' ? 'descending' : 'ascending' }
    : { column, direction: firstDirection[column] };

export function buildRows(nodes: readonly MeshNode[], peers: readonly MeshPeer[], favorites: readonly NodeFavorite[], own: NodePosition | undefined): NodeRow[] {
  const marks = new Map(favorites.map((mark) => [mark.nodeId, mark.favorite]));
  const peerByRadio = new Map<string, MeshPeer>();
  for (const peer of peers) if (peer.radioNodeId) peerByRadio.set(peer.radioNodeId, peer);
  const radioIds = new Set(nodes.map((node) => node.nodeId));
  const place = (position: NodePosition | undefined) =>
    position && own ? { distanceM: distanceMetres(own, position), bearingDeg: bearingDegrees(own, position) } : { distanceM: undefined, bearingDeg: undefined };

  const rows: NodeRow[] = nodes.map((node) => {
    const peer = peerByRadio.get(node.nodeId);
    return {
      id: node.nodeId,
      longName: node.longName,
      shortName: node.shortName,
      role: node.role,
      hardware: node.hardware,
      hopsAway: node.hopsAway,
      snr: node.snr,
      rssi: node.rssi,
      batteryLevel: node.batteryLevel,
      voltage: node.voltage,
      channelUtilization: node.channelUtilization,
      airUtilTx: node.airUtilTx,
      lastHeard: latest(node.lastHeard, peer?.lastSeen ?? undefined),
      position: node.position,
      ...place(node.position),
      reputation: peer?.reputation.score,
      transports: peer?.transports ?? ['lora'],
      filtered: peer?.filtered ?? false,
      favorite: marks.get(node.nodeId) ?? node.isFavorite ?? false,
    };
  });
  // Peers the radio does not list: reached over IP only (or heard before the radio was swapped).
  for (const peer of peers) {
    if (peer.radioNodeId && radioIds.has(peer.radioNodeId)) continue;
    const id = peer.radioNodeId ?? peer.id;
    rows.push({
      id,
      longName: peer.name,
      shortName: undefined,
      role: undefined,
      hardware: undefined,
      hopsAway: undefined,
      snr: undefined,
      rssi: undefined,
      batteryLevel: undefined,
      voltage: undefined,
      channelUtilization: undefined,
      airUtilTx: undefined,
      lastHeard: peer.lastSeen ?? undefined,
      position: undefined,
      distanceM: undefined,
      bearingDeg: undefined,
      reputation: peer.reputation.score,
      transports: peer.transports,
      filtered: peer.filtered,
      favorite: marks.get(id) ?? false,
    });
  }
  return rows;
}

const latest = (a: number | undefined, b: number | undefined): number | undefined => (a === undefined ? b : b === undefined ? a : Math.max(a, b));

const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });

/** A stable sort; rows without a value go last in either direction. */
export function sortRows(rows: readonly NodeRow[], order: SortOrder): NodeRow[] {
  const valueOf = sortValue[order.column];
  const sign = order.direction === 'ascending' ? 1 : -1;
  const keyed = rows.map((row, index) => ({ row, index, value: valueOf(row) }));
  keyed.sort((a, b) => {
    if (a.value === undefined || b.value === undefined) {
      if (a.value === b.value) return a.index - b.index;
      return a.value === undefined ? 1 : -1;
    }
    const compared = typeof a.value === 'number' && typeof b.value === 'number' ? a.value - b.value : collator.compare(String(a.value), String(b.value));
    return compared === 0 ? a.index - b.index : sign * compared;
  });
  return keyed.map((item) => item.row);
}

/** Words the filter matches a row by: names, id, role, hardware, transports, and "favourite" (also "favorito"). */
function haystack(row: NodeRow): string {
  return [row.longName, row.shortName, row.id, row.role, row.hardware, ...row.transports, row.favorite ? 'favourite favorite favorito' : '', row.filtered ? 'filtered' : '']
    .filter(Boolean)
    .join(' ')
    .toLowerCase();
}

/** Rows matching every word of `query` (case-insensitive, anywhere in the row's words). */
export function filterRows(rows: readonly NodeRow[], query: string): NodeRow[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return [...rows];
  return rows.filter((row) => {
    const text = haystack(row);
    return words.every((word) => text.includes(word));
  });
}

export type Ago = { unit: 'now' | 'seconds' | 'minutes' | 'hours' | 'days'; count: number };

/** How long ago, in the unit an operator reads ("just now", 45 s, 3 min, 5 h up to two days, 12 d); a time ahead of `now` (clock skew) is "now". */
export function agoOf(at: number, now: number): Ago {
  const seconds = Math.floor((now - at) / 1000);
  if (seconds < 10) return { unit: 'now', count: 0 };
  if (seconds < 60) return { unit: 'seconds', count: seconds };
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return { unit: 'minutes', count: minutes };
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return { unit: 'hours', count: hours };
  return { unit: 'days', count: Math.floor(hours / 24) };
}

// Making a DateTimeFormat costs far more than using one: one per locale, made once.
const fullDateFormats = new Map<string | undefined, Intl.DateTimeFormat>();

/** The full local date and time, with the weekday and seconds: "Thu, 3 Dec 2026, 23:20:11". */
export function formatFullDate(at: number, locale?: string): string {
  let format = fullDateFormats.get(locale);
  if (!format) {
    format = new Intl.DateTimeFormat(locale, { weekday: 'short', year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });
    fullDateFormats.set(locale, format);
  }
  return format.format(at);
}

const EARTH_RADIUS_M = 6_371_000;
const RAD = Math.PI / 180;

/** Great-circle distance in metres (haversine). */
export function distanceMetres(a: NodePosition, b: NodePosition): number {
  const h =
    Math.sin(((b.latitude - a.latitude) * RAD) / 2) ** 2 + Math.cos(a.latitude * RAD) * Math.cos(b.latitude * RAD) * Math.sin(((b.longitude - a.longitude) * RAD) / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h)));
}

/** Initial bearing from `a` to `b`, degrees clockwise from north (0..360). */
export function bearingDegrees(a: NodePosition, b: NodePosition): number {
  const y = Math.sin((b.longitude - a.longitude) * RAD) * Math.cos(b.latitude * RAD);
  const x = Math.cos(a.latitude * RAD) * Math.sin(b.latitude * RAD) - Math.sin(a.latitude * RAD) * Math.cos(b.latitude * RAD) * Math.cos((b.longitude - a.longitude) * RAD);
  return (Math.atan2(y, x) / RAD + 360) % 360;
}

const COMPASS = ['N', 'NNE', 'NE', 'ENE', 'E', 'ESE', 'SE', 'SSE', 'S', 'SSW', 'SW', 'WSW', 'W', 'WNW', 'NW', 'NNW'] as const;

export const compassPoint = (bearing: number): string => COMPASS[Math.round(bearing / 22.5) % 16]!;

/** "850 m", "4.0 km", "123 km". */
export function formatDistance(metres: number): string {
  if (metres < 1000) return `${Math.round(metres)} m`;
  if (metres < 100_000) return `${(metres / 1000).toFixed(1)} km`;
  return `${Math.round(metres / 1000)} km`;
}

export const formatPosition = (position: NodePosition): string => `${position.latitude.toFixed(5)}, ${position.longitude.toFixed(5)}`;

/** The firmware's battery level for "runs on external power". */
export const isExternalPower = (level: number): boolean => level > 100;

/** The rows a scroll position shows: `[start, end)` with `overscan` rows either side. */
export function visibleRange(scrollTop: number, viewportHeight: number, rowHeight: number, count: number, overscan = 8): { start: number; end: number } {
  const first = Math.floor(Math.max(0, scrollTop) / rowHeight);
  const shown = Math.ceil(Math.max(0, viewportHeight) / rowHeight) + 1;
  return { start: Math.max(0, first - overscan), end: Math.min(count, first + shown + overscan) };
}
