import { useCallback, useEffect, useId, useLayoutEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { currentLanguage, useT } from '../i18n/index.ts';
import { useFavorites, useMesh, useRadio } from '../stores/index.ts';
import {
  agoOf,
  buildRows,
  compassPoint,
  filterRows,
  formatDistance,
  formatFullDate,
  formatPosition,
  isExternalPower,
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

type Translate = ReturnType<typeof useT>;

function agoText(t: Translate, at: number, now: number): string {
  const { unit, count } = agoOf(at, now);
  if (unit === 'now') return t('common.justNow');
  if (unit === 'seconds') return t('common.secondsAgo', { count });
  if (unit === 'minutes') return t('common.minutesAgo', { count });
  if (unit === 'hours') return t('common.hoursAgo', { count });
  return t('common.daysAgo', { count });
}

/** The table's columns in the operator's language. */
function columnsFor(t: Translate): Column[] {
  return [
    {
      id: 'favorite',
      label: '★',
      name: t('nodes.column.favorite'),
      title: t('nodes.column.favoriteTitle'),
      width: 32,
      cell: (row, context) => (
        <button type="button" className="favorite" aria-pressed={row.favorite} aria-label={t('nodes.favoriteOf', { name: displayName(row) })} onClick={() => context.toggleFavorite(row)}>
          {row.favorite ? '★' : '☆'}
        </button>
      ),
    },
    {
      id: 'name',
      label: t('nodes.column.name'),
      width: 140,
      cell: (row) => (
        <>
          {row.longName ?? '—'} {row.shortName ? <span className="short-name">{row.shortName}</span> : null}
        </>
      ),
    },
    { id: 'id', label: t('nodes.column.id'), width: 92, cell: (row) => <code title={row.id}>{row.id}</code> },
    { id: 'role', label: t('nodes.column.role'), width: 100, cell: (row) => row.role ?? '—' },
    { id: 'hops', label: t('nodes.column.hops'), width: 46, numeric: true, cell: (row) => (row.hopsAway === undefined ? '—' : row.hopsAway) },
    { id: 'snr', label: t('nodes.column.snr'), title: t('nodes.column.snrTitle'), width: 64, numeric: true, cell: (row) => fixed(row.snr, 1, ' dB') },
    { id: 'rssi', label: t('nodes.column.rssi'), title: t('nodes.column.rssiTitle'), width: 74, numeric: true, cell: (row) => fixed(row.rssi, 0, ' dBm') },
    {
      id: 'battery',
      label: t('nodes.column.battery'),
      width: 70,
      numeric: true,
      cell: (row) => (row.batteryLevel === undefined ? '—' : isExternalPower(row.batteryLevel) ? t('nodes.external') : `${row.batteryLevel} %`),
    },
    { id: 'voltage', label: t('nodes.column.voltage'), title: t('nodes.column.voltageTitle'), width: 58, numeric: true, cell: (row) => (row.voltage ? `${row.voltage.toFixed(2)} V` : '—') },
    { id: 'channel', label: t('nodes.column.channel'), title: t('nodes.column.channelTitle'), width: 62, numeric: true, cell: (row) => fixed(row.channelUtilization, 1, ' %') },
    { id: 'airtime', label: t('nodes.column.airtime'), title: t('nodes.column.airtimeTitle'), width: 62, numeric: true, cell: (row) => fixed(row.airUtilTx, 1, ' %') },
    {
      id: 'lastHeard',
      label: t('nodes.column.lastHeard'),
      width: 92,
      cell: (row, context) => {
        if (row.lastHeard === undefined) return '—';
        const full = formatFullDate(row.lastHeard, currentLanguage());
        const ago = agoText(t, row.lastHeard, context.now);
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
      label: t('nodes.column.distance'),
      title: t('nodes.column.distanceTitle'),
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
      label: t('nodes.column.reputation'),
      title: t('nodes.column.reputationTitle'),
      width: 50,
      numeric: true,
      cell: (row) => (row.reputation === undefined ? '—' : <span className={row.filtered ? 'bad-text' : undefined}>{row.reputation.toFixed(2)}</span>),
    },
    {
      id: 'transports',
      label: t('nodes.column.transports'),
      title: t('nodes.column.transportsTitle'),
      width: 84,
      cell: (row) =>
        row.transports.map((transport) => (
          <span key={transport} className={`badge badge-${transport}`}>
            {transport === 'lora' ? t('nodes.lora') : t('nodes.ip')}
          </span>
        )),
    },
  ];
}

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
  const t = useT();
  const columns = useMemo(() => columnsFor(t), [t]);

  const rows = useMemo(() => buildRows(nodes, peers, marks, ownPosition), [nodes, peers, marks, ownPosition]);
  const sorted = useMemo(() => sortRows(rows, order), [rows, order]);
  const shown = useMemo(() => filterRows(sorted, query), [sorted, query]);

  return (
    <section className="view">
      <h1>{t('nodes.title')}</h1>
      <div className="toolbar node-toolbar">
        <label htmlFor={filterId}>{t('nodes.filter')}</label>
        <input
          id={filterId}
          type="search"
          value={query}
          onChange={(event) => setQuery(event.target.value)}
          placeholder={t('nodes.filterPlaceholder')}
          size={32}
          data-testid="node-filter"
          aria-controls="node-table"
        />
        <span className="muted" data-testid="node-count" aria-live="polite">
          {shown.length === rows.length ? t('nodes.count', { count: rows.length }) : t('nodes.shownOf', { shown: shown.length, total: rows.length })}
        </span>
        <span className="muted">
          {ownPosition ? t('nodes.distancesFrom', { position: formatPosition(ownPosition) }) : t('nodes.noOwnPosition')}
        </span>
      </div>
      <Problem error={error} />
      <NodeTable columns={columns} rows={shown} order={order} onSort={(column) => setOrder((current) => nextSort(current, column))} now={now} virtualize={virtualize} onToggleFavorite={(row) => void setFavorite(row.id, !row.favorite)} />
    </section>
  );
}

type NodeTableProps = {
  columns: readonly Column[];
  rows: readonly NodeRow[];
  order: SortOrder;
  onSort(column: ColumnId): void;
  now: number;
  virtualize: boolean;
  onToggleFavorite(row: NodeRow): void;
};

function NodeTable({ columns, rows, order, onSort, now, virtualize, onToggleFavorite }: NodeTableProps) {
  const t = useT();
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
    <div className="node-table-scroller card" ref={scroller} onScroll={virtualize ? measure : undefined} tabIndex={0} aria-label={t('nodes.scrollable')}>
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
                {t('nodes.empty')}
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
