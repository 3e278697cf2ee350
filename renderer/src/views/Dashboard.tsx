import { Area, AreaChart, CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { formatBytes, formatDuration, formatTime } from '../format.ts';
import { useT } from '../i18n/index.ts';
import { useMesh, useNode } from '../stores/index.ts';

const axis = { stroke: '#9fb0c3', fontSize: 12 };
const tooltip = { contentStyle: { background: '#0b1118', border: '1px solid #3a4a5c', color: '#e8eef5' } };

export function Dashboard() {
  const { info, status, history } = useNode();
  const mesh = useMesh((store) => store.health);
  const meshHistory = useMesh((store) => store.history);
  const t = useT();
  const none = t('common.none');
  const series = history.map((sample) => ({
    at: sample.sampledAt,
    events: Number(sample.eventsPerSecond.toFixed(2)),
    rssMiB: Number((sample.rssBytes / 1048576).toFixed(1)),
    heapMiB: Number((sample.heapUsedBytes / 1048576).toFixed(1)),
  }));
  const meshSeries = meshHistory.map((sample) => ({
    at: sample.sampledAt,
    peers: sample.peerCount,
    filtered: sample.filteredCount,
    in: Number(sample.messagesInPerSecond.toFixed(2)),
    out: Number(sample.messagesOutPerSecond.toFixed(2)),
  }));
  return (
    <section className="view">
      <h1>{t('dashboard.title')}</h1>
      <div className="cards" data-testid="node-status">
        <Stat label={t('dashboard.uptime')} value={status ? formatDuration(status.uptimeS) : none} testId="uptime" />
        <Stat label={t('dashboard.rss')} value={status ? formatBytes(status.rssBytes) : none} testId="rss" />
        <Stat label={t('dashboard.heap')} value={status ? formatBytes(status.heapUsedBytes) : none} />
        <Stat label={t('dashboard.eventsRate')} value={status ? status.eventsPerSecond.toFixed(1) : none} testId="events-rate" />
        <Stat label={t('dashboard.consoles')} value={status ? String(status.consoleConnections) : none} />
        <Stat label={t('settings.runsAs')} value={info ? (info.host === 'desktop' ? t('settings.desktopApp') : t('settings.headlessNode')) : none} />
        <Stat label={t('dashboard.meshPeers')} value={mesh ? (mesh.phase === 'running' ? String(mesh.peerCount) : t(`peers.phase.${mesh.phase}`)) : none} testId="mesh-peer-count" />
        <Stat label={t('dashboard.gossipRate')} value={mesh ? `${mesh.messagesInPerSecond.toFixed(1)} / ${mesh.messagesOutPerSecond.toFixed(1)}` : none} />
      </div>
      <div className="charts">
        <figure className="card chart" aria-label={t('dashboard.eventsChart')}>
          <figcaption>{t('dashboard.eventsCaption')}</figcaption>
          <ResponsiveContainer width="100%" height={220}>
            <AreaChart data={series} margin={{ top: 8, right: 16, bottom: 0, left: 0 }}>
              <CartesianGrid stroke="#243242" />
              <XAxis dataKey="at" tickFormatter={formatTime} {...axis} minTickGap={48} />
              <YAxis allowDecimals {...axis} width={40} />
              <Tooltip labelFormatter={(at) => formatTime(Number(at))} {...tooltip} />
              <Area type="stepAfter" dataKey="events" name={t('dashboard.eventsSeries')} stroke="#5cc8ff" fill="#5cc8ff33" isAnimationActive={false} />
            </AreaChart>
          </ResponsiveContainer>
        </figure>
        <figure className="card chart" aria-label={t('dashboard.memoryChart')}>
          <figcaption>{t('dashboard.memoryCaption')}</figcaption>
          <ResponsiveContainer width="100%" height={220}>
            <LineChart data={series} margin={{ top: 8, right: 16, bottom: 0, left: 0 }}>
              <CartesianGrid stroke="#243242" />
              <XAxis dataKey="at" tickFormatter={formatTime} {...axis} minTickGap={48} />
              <YAxis {...axis} width={48} />
              <Tooltip labelFormatter={(at) => formatTime(Number(at))} {...tooltip} />
              <Legend />
              <Line type="monotone" dataKey="rssMiB" name={t('dashboard.rssSeries')} stroke="#ffd166" dot={false} isAnimationActive={false} />
              <Line type="monotone" dataKey="heapMiB" name={t('dashboard.heapSeries')} stroke="#7ee787" dot={false} isAnimationActive={false} />
            </LineChart>
          </ResponsiveContainer>
        </figure>
        <figure className="card chart" aria-label={t('dashboard.peersChart')} data-testid="mesh-peers-chart">
          <figcaption>{t('dashboard.peersCaption')}</figcaption>
          <ResponsiveContainer width="100%" height={220}>
            <LineChart data={meshSeries} margin={{ top: 8, right: 16, bottom: 0, left: 0 }}>
              <CartesianGrid stroke="#243242" />
              <XAxis dataKey="at" tickFormatter={formatTime} {...axis} minTickGap={48} />
              <YAxis allowDecimals={false} {...axis} width={40} />
              <Tooltip labelFormatter={(at) => formatTime(Number(at))} {...tooltip} />
              <Legend />
              <Line type="stepAfter" dataKey="peers" name={t('dashboard.connectedSeries')} stroke="#5cc8ff" dot={false} isAnimationActive={false} />
              <Line type="stepAfter" dataKey="filtered" name={t('dashboard.filteredSeries')} stroke="#ff7b72" dot={false} isAnimationActive={false} />
            </LineChart>
          </ResponsiveContainer>
        </figure>
        <figure className="card chart" aria-label={t('dashboard.gossipChart')} data-testid="mesh-messages-chart">
          <figcaption>{t('dashboard.gossipCaption')}</figcaption>
          <ResponsiveContainer width="100%" height={220}>
            <AreaChart data={meshSeries} margin={{ top: 8, right: 16, bottom: 0, left: 0 }}>
              <CartesianGrid stroke="#243242" />
              <XAxis dataKey="at" tickFormatter={formatTime} {...axis} minTickGap={48} />
              <YAxis allowDecimals {...axis} width={40} />
              <Tooltip labelFormatter={(at) => formatTime(Number(at))} {...tooltip} />
              <Legend />
              <Area type="stepAfter" dataKey="in" name={t('dashboard.inSeries')} stroke="#7ee787" fill="#7ee78733" isAnimationActive={false} />
              <Area type="stepAfter" dataKey="out" name={t('dashboard.outSeries')} stroke="#ffd166" fill="#ffd16633" isAnimationActive={false} />
            </AreaChart>
          </ResponsiveContainer>
        </figure>
      </div>
    </section>
  );
}

function Stat({ label, value, testId }: { label: string; value: string; testId?: string }) {
  return (
    <div className="card stat">
      <div className="stat-label">{label}</div>
      <div className="stat-value" data-testid={testId}>
        {value}
      </div>
    </div>
  );
}
