import { useCallback, useEffect, useId, useLayoutEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { useFavorites, useMesh, useRadio } from '../stores/index.ts';
import {
  buildRows,
  compassPoint,
  filterRows,
  formatAgo,
  formatBattery,
  formatDistance,
  formatFullDate,
  formatPosition,
  nextSort,
  sortRows,
  visibleRange,
  type ColumnId,
  type NodeRow,
  type SortOrder,
} from '../nodes/table.ts';
import { Problem } from './Problem.tsx';

/** Every row is this tall (CSS `.node-table td`): the virtualiser places rows by it. */
export const ROW_HEIGHT = 34;
/** "x min ago" is recomputed this often. */
const AGO_REFRESH_MS = 10_000;

type Tooltip = { text: string; x: number; y: number };
type CellContext = { now: number; showTooltip(target: HTMLElement, text: string): void; hideTooltip(): void; toggleFavorite(row: NodeRow): void };
type Column = {
  id: ColumnId;
  label: string;
  /** The accessible name when the label is a symbol. */
  name?: string;
  /** What the short label stands for, shown on hover. */
  title?: string;
  width: number;
  numeric?: boolean;
  cell(row: NodeRow, context: CellContext): ReactNode;
};

const fixed = (value: number | undefined, digits: number, unit: string): string => (value === undefined ? '—' : `${value.toFixed(digits)}${unit}`);
const displayName = (row: NodeRow): string => row.longName ?? row.shortName ?? row.id;

const columns: Column[] = [
  {
    id: 'favorite',
    label: '★',
    name: 'Favourite',
    title: 'Favourite (kept by this node)',
    width: 32,
    cell: (row, context) => (
      <button type="button" className="favorite" aria-pressed={row.favorite} aria-label={`Favourite: ${displayName(row)}`} onClick={() => context.toggleFavorite(row)}>
        {row.favorite ? '★' : '☆'}
      </button>
    ),
  },
  {
    id: 'name',
    label: 'Name',
    width: 140,
    cell: (row) => (
      <>
        {row.longName ?? '—'} {row.shortName ? <span className="short-name">{row.shortName}</span> : null}
      </>
    ),
  },
  { id: 'id', label: 'Id', width: 92, cell: (row) => <code title={row.id}>{row.id}</code> },
  { id: 'role', label: 'Role', width: 100, cell: (row) => row.role ?? '—' },
  { id: 'hops', label: 'Hops', width: 46, numeric: true, cell: (row) => (row.hopsAway === undefined ? '—' : row.hopsAway) },
  { id: 'snr', label: 'SNR', title: 'Signal-to-noise ratio of the last packet', width: 64, numeric: true, cell: (row) => fixed(row.snr, 1, ' dB') },
  { id: 'rssi', label: 'RSSI', title: 'Received signal strength of the last packet', width: 74, numeric: true, cell: (row) => fixed(row.rssi, 0, ' dBm') },
  { id: 'battery', label: 'Battery', width: 70, numeric: true, cell: (row) => (row.batteryLevel === undefined ? '—' : formatBattery(row.batteryLevel)) },
  { id: 'voltage', label: 'Volts', title: 'Battery voltage', width: 58, numeric: true, cell: (row) => (row.voltage ? `${row.voltage.toFixed(2)} V` : '—') },
  { id: 'channel', label: 'Ch. use', title: 'Channel utilisation the node hears', width: 62, numeric: true, cell: (row) => fixed(row.channelUtilization, 1, ' %') },
  { id: 'airtime', label: 'Air-time', title: 'Share of the last hour the node transmitted', width: 62, numeric: true, cell: (row) => fixed(row.airUtilTx, 1, ' %') },
  {
    id: 'lastHeard',
    label: 'Last heard',
    width: 92,
    cell: (row, context) => {
      if (row.lastHeard === undefined) return '—';
      const full = formatFullDate(row.lastHeard);
      const ago = formatAgo(row.lastHeard, context.now);
      return (
        <time
          className="ago"
          dateTime={new Date(row.lastHeard).toISOString()}
          tabIndex={0}
          aria-label={`${ago}, ${full}`}
          data-full={full}
          onMouseEnter={(event) => context.showTooltip(event.currentTarget, full)}
          onFocus={(event) => context.showTooltip(event.currentTarget, full)}
          onMouseLeave={context.hideTooltip}
          onBlur={context.hideTooltip}
        >
          {ago}
        </time>
      );
    },
  },
  {
    id: 'distance',
    label: 'Distance',
    title: 'Distance and direction from this radio; the position when this radio has none',
    width: 100,
    cell: (row) =>
      row.position === undefined ? (
        '—'
      ) : row.distanceM !== undefined && row.bearingDeg !== undefined ? (
        <span title={formatPosition(row.position)}>
          {formatDistance(row.distanceM)} {compassPoint(row.bearingDeg)}
        </span>
      ) : (
        formatPosition(row.position)
      ),
  },
  {
    id: 'reputation',
    label: 'Rep.',
    title: 'Reputation (0 to 1) from the mesh',
    width: 50,
    numeric: true,
    cell: (row) => (row.reputation === undefined ? '—' : <span className={row.filtered ? 'bad-text' : undefined}>{row.reputation.toFixed(2)}</span>),
  },
  {
    id: 'transports',
    label: 'Via',
    title: 'Transports that reach the node',
    width: 84,
    cell: (row) =>
      row.transports.map((transport) => (
        <span key={transport} className={`badge badge-${transport}`}>
          {transport === 'lora' ? 'LoRa' : 'IP'}
        </span>
      )),
  },
];

function useNow(intervalMs: number): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(timer);
  }, [intervalMs]);
  return now;
}

/**
 * Every node heard by the radio and every peer of the mesh, in one table. `virtualize` renders
 * only the rows in view (the default); the benchmark turns it off for its baseline.
 */
export function Nodes({ virtualize = true }: { virtualize?: boolean }) {
  const nodes = useRadio((store) => store.nodes);
  const ownPosition = useRadio((store) => store.state.device?.position);
  const peers = useMesh((store) => store.peers);
  const { marks, error, setFavorite } = useFavorites();
  const [order, setOrder] = useState<SortOrder>({ column: 'lastHeard', direction: 'descending' });
  const [query, setQuery] = useState('');
  const now = useNow(AGO_REFRESH_MS);
  const filterId = useId();

  const rows = useMemo(() => buildRows(nodes, peers, marks, ownPosition), [nodes, peers, marks, ownPosition]);
  const sorted = useMemo(() => sortRows(rows, order), [rows, order]);
  const shown = useMemo(() => filterRows(sorted, query), [sorted, query]);

  return (
    <section className="view">
      <h1>Nodes</h1>
      <div className="toolbar node-toolbar">
        <label htmlFor={filterId}>Filter</label>
        <input
          id={filterId}
          type="search"
          value={query}
          onChange={(event) => setQuery(event.target.value)}
          placeholder="name, id, role, lora, ip, favourite…"
          size={32}
          data-testid="node-filter"
          aria-controls="node-table"
        />
        <span className="muted" data-testid="node-count" aria-live="polite">
          {shown.length === rows.length ? `${rows.length} nodes` : `${shown.length} of ${rows.length} nodes`}
        </span>
        <span className="muted">
          {ownPosition ? `Distances from this radio at ${formatPosition(ownPosition)}.` : 'This radio reports no position: positions are shown instead of distances.'}
        </span>
      </div>
      <Problem error={error} />
      <NodeTable rows={shown} order={order} onSort={(column) => setOrder((current) => nextSort(current, column))} now={now} virtualize={virtualize} onToggleFavorite={(row) => void setFavorite(row.id, !row.favorite)} />
    </section>
  );
}

type NodeTableProps = {
  rows: readonly NodeRow[];
  order: SortOrder;
  onSort(column: ColumnId): void;
  now: number;
  virtualize: boolean;
  onToggleFavorite(row: NodeRow): void;
};

function NodeTable({ rows, order, onSort, now, virtualize, onToggleFavorite }: NodeTableProps) {
  const scroller = useRef<HTMLDivElement>(null);
  const [range, setRange] = useState({ start: 0, end: 40 });
  const [tooltip, setTooltip] = useState<Tooltip>();

  // Re-renders only when the first or last row in view changes, not on every scroll event.
  const measure = useCallback(() => {
    const element = scroller.current;
    if (!element) return;
    const next = visibleRange(element.scrollTop, element.clientHeight, ROW_HEIGHT, rows.length);
    setRange((current) => (current.start === next.start && current.end === next.end ? current : next));
  }, [rows.length]);
  useLayoutEffect(() => {
    measure();
    const element = scroller.current;
    if (!element) return;
    const observer = new ResizeObserver(measure);
    observer.observe(element);
    return () => observer.disconnect();
  }, [measure]);

  const context: CellContext = {
    now,
    showTooltip: (target, text) => {
      const box = target.getBoundingClientRect();
      setTooltip({ text, x: box.left, y: box.bottom + 4 });
    },
    hideTooltip: () => setTooltip(undefined),
    toggleFavorite: onToggleFavorite,
  };
  const start = virtualize ? range.start : 0;
  const end = virtualize ? Math.min(range.end, rows.length) : rows.length;
  const visible = rows.slice(start, end);

  return (
    <div className="node-table-scroller card" ref={scroller} onScroll={virtualize ? measure : undefined} tabIndex={0} aria-label="Node table, scrollable">
      <table className="table node-table" id="node-table" data-testid="node-table" aria-rowcount={rows.length + 1}>
        <colgroup>
          {columns.map((column) => (
            <col key={column.id} style={{ width: column.width }} />
          ))}
        </colgroup>
        <thead>
          <tr aria-rowindex={1}>
            {columns.map((column) => (
              <th key={column.id} scope="col" aria-sort={order.column === column.id ? order.direction : 'none'} className={column.numeric ? 'numeric' : undefined}>
                <button type="button" className="sort" onClick={() => onSort(column.id)} title={column.title} aria-label={column.name} data-column={column.id}>
                  {column.label}
                  <span className="sort-mark" aria-hidden="true">
                    {order.column === column.id ? (order.direction === 'ascending' ? '▲' : '▼') : ''}
                  </span>
                </button>
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {start > 0 ? <tr aria-hidden="true" className="spacer" style={{ height: start * ROW_HEIGHT }} /> : null}
          {visible.map((row, offset) => (
            <tr key={row.id} aria-rowindex={start + offset + 2} data-node-id={row.id} className={row.filtered ? 'filtered-row' : undefined}>
              {columns.map((column) => (
                <td key={column.id} className={column.numeric ? 'numeric' : undefined} data-column={column.id}>
                  {column.cell(row, context)}
                </td>
              ))}
            </tr>
          ))}
          {end < rows.length ? <tr aria-hidden="true" className="spacer" style={{ height: (rows.length - end) * ROW_HEIGHT }} /> : null}
          {rows.length === 0 ? (
            <tr>
              <td colSpan={columns.length} className="muted">
                No node matches. Nodes appear as the radio hears them and as peers join the mesh.
              </td>
            </tr>
          ) : null}
        </tbody>
      </table>
      {tooltip ? (
 <div role="tooltip" className="tooltip" data-testid="node-tooltip" style={{ left: tooltip.x, top: tooltip.y }}>
          {tooltip.text}
        </div>
      ) : null}
    </div>
  );
}
