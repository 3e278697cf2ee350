import { useEffect, useId, useMemo } from 'react';
import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { ExportTable, MeshNode } from '../../../shared/contract/index.ts';
import { currentLanguage, useT } from '../i18n/index.ts';
import { HISTORY_RANGES, useHistory, useRadio, type HistoryRange } from '../stores/index.ts';
import { Problem } from './Problem.tsx';

/** Charts follow new samples while the view is open: the node keeps at most one per node a minute. */
const REFRESH_MS = 30_000;
const EXPORTS: readonly ExportTable[] = ['nodes', 'history', 'messages', 'emergencies', 'log'];

const axis = { stroke: '#9fb0c3', fontSize: 12 };
const tooltip = { contentStyle: { background: '#0b1118', border: '1px solid #3a4a5c', color: '#e8eef5' } };

type Series = { key: string; name: string; color: string; axis?: 'right' };

export function History() {
  const t = useT();
  const { range, nodeId, node, mesh, error, exported, exportError, exporting, setRange, selectNode, refresh, exportCsv } = useHistory();
  const nodes = useRadio((store) => store.nodes);
  const ownId = useRadio((store) => store.state.device?.nodeId);
  const choices = useMemo(() => nodes.filter((candidate) => candidate.nodeId !== ownId).sort(byLastHeard), [nodes, ownId]);
  const nodeSelectId = useId();

  useEffect(() => {
    if (nodeId === undefined && choices[0]) void selectNode(choices[0].nodeId);
  }, [nodeId, choices, selectNode]);
  useEffect(() => {
    void refresh();
    const timer = setInterval(() => void refresh(), REFRESH_MS);
    return () => clearInterval(timer);
  }, [refresh]);

  const tick = (at: number) => formatTick(at, range);
  const chosen = choices.find((candidate) => candidate.nodeId === nodeId);
  return (
    <section className="view history">
      <h1>{t('history.title')}</h1>
      <div className="history-controls">
        <div role="group" aria-label={t('history.range')} className="segmented">
          {(Object.keys(HISTORY_RANGES) as HistoryRange[]).map((option) => (
            <button key={option} type="button" aria-pressed={range === option} onClick={() => void setRange(option)}>
              {t(`history.ranges.${option}`)}
            </button>
          ))}
        </div>
        <label htmlFor={nodeSelectId}>{t('history.node')}</label>
        <select id={nodeSelectId} value={nodeId ?? ''} onChange={(event) => void selectNode(event.target.value || undefined)}>
          {nodeId === undefined && <option value="">{t('history.noNodes')}</option>}
          {choices.map((candidate) => (
            <option key={candidate.nodeId} value={candidate.nodeId}>
              {nameOf(candidate)}
            </option>
          ))}
        </select>
      </div>
      {error && <Problem error={error} />}

      <h2>{t('history.meshHeading')}</h2>
      <div className="charts">
        <Chart
          label={t('history.heardChart')}
          data={mesh?.samples}
          tick={tick}
          series={[{ key: 'nodesHeard', name: t('history.series.nodesHeard'), color: '#5cc8ff' }, { key: 'ipPeers', name: t('history.series.ipPeers'), color: '#7ee787' }]}
        />
        <Chart
          label={t('history.channelChart')}
          data={mesh?.samples}
          tick={tick}
          unit="%"
          series={[
            { key: 'ownChannelUtilization', name: t('history.series.ownChannelUtilization'), color: '#ffb454' },
            { key: 'ownAirUtilTx', name: t('history.series.ownAirUtilTx'), color: '#f778ba' },
            { key: 'meanChannelUtilization', name: t('history.series.meanChannelUtilization'), color: '#5cc8ff' },
          ]}
        />
      </div>

      <h2>{chosen ? t('history.nodeHeading', { name: nameOf(chosen) }) : t('history.nodeHeadingNone')}</h2>
      {nodeId !== undefined && node?.samples.length === 0 && <p className="muted">{t('history.noSamples')}</p>}
      <div className="charts">
        <Chart
          label={t('history.signalChart')}
          data={node?.samples}
          tick={tick}
          series={[{ key: 'snr', name: t('history.series.snr'), color: '#5cc8ff' }, { key: 'rssi', name: t('history.series.rssi'), color: '#ffb454', axis: 'right' }]}
        />
        <Chart
          label={t('history.batteryChart')}
          data={node?.samples}
          tick={tick}
          series={[{ key: 'batteryLevel', name: t('history.series.battery'), color: '#7ee787' }, { key: 'voltage', name: t('history.series.voltage'), color: '#f778ba', axis: 'right' }]}
        />
        <Chart
          label={t('history.nodeChannelChart')}
          data={node?.samples}
          tick={tick}
          unit="%"
          series={[{ key: 'channelUtilization', name: t('history.series.channelUtilization'), color: '#ffb454' }, { key: 'airUtilTx', name: t('history.series.airUtilTx'), color: '#f778ba' }]}
        />
      </div>

      <h2>{t('history.exportHeading')}</h2>
      <p className="muted">{t('history.exportHelp')}</p>
      <div className="export-buttons" role="group" aria-label={t('history.exportHeading')}>
        {EXPORTS.map((table) => (
          <button key={table} type="button" disabled={exporting !== undefined} onClick={() => void exportCsv(table)}>
            {t(`history.export.${table}`)}
          </button>
        ))}
        <button type="button" disabled={exporting !== undefined || nodeId === undefined} onClick={() => void exportCsv('history', nodeId)}>
          {t('history.export.nodeHistory')}
        </button>
      </div>
      {exported && (
        <p role="status" data-testid="export-saved">
          {t('history.exported', { fileName: exported.fileName, count: exported.rows })}
        </p>
      )}
      {exportError && <Problem error={exportError} />}
    </section>
  );
}

function Chart({ label, data, series, tick, unit }: { label: string; data: readonly object[] | undefined; series: readonly Series[]; tick: (at: number) => string; unit?: string }) {
  const t = useT();
  const right = series.some((line) => line.axis === 'right');
  const hasValues = data?.some((row) => series.some((line) => typeof (row as Record<string, unknown>)[line.key] === 'number')) ?? false;
  return (
    <figure className="card chart" aria-label={label}>
      <figcaption>{label}</figcaption>
      {data && hasValues ? (
        <ResponsiveContainer width="100%" height={220}>
          <LineChart data={data} margin={{ top: 8, right: 16, bottom: 0, left: 0 }}>
            <CartesianGrid stroke="#243242" />
            <XAxis dataKey="at" type="number" scale="time" domain={['dataMin', 'dataMax']} tickFormatter={tick} {...axis} minTickGap={48} />
            <YAxis yAxisId="left" {...axis} width={44} {...(unit ? { unit } : {})} />
            {right && <YAxis yAxisId="right" orientation="right" {...axis} width={48} />}
            <Tooltip labelFormatter={(at) => new Date(Number(at)).toLocaleString(currentLanguage())} {...tooltip} />
            <Legend />
            {series.map((line) => (
              <Line
                key={line.key}
                yAxisId={line.axis ?? 'left'}
                type="monotone"
                dataKey={line.key}
                name={line.name}
                stroke={line.color}
                dot={data.length < 60}
                connectNulls
                isAnimationActive={false}
              />
            ))}
          </LineChart>
        </ResponsiveContainer>
      ) : (
        <p className="muted chart-empty">{t('history.noData')}</p>
      )}
    </figure>
  );
}

const byLastHeard = (a: MeshNode, b: MeshNode) => (b.lastHeard ?? 0) - (a.lastHeard ?? 0);
const nameOf = (node: MeshNode) => (node.longName ? `${node.longName} (${node.nodeId})` : node.nodeId);

function formatTick(at: number, range: HistoryRange): string {
  const date = new Date(at);
  const language = currentLanguage();
  return range === '7d'
    ? date.toLocaleDateString(language, { weekday: 'short', day: 'numeric' })
    : date.toLocaleTimeString(language, { hour: '2-digit', minute: '2-digit', hour12: false });
}
