import { useMemo, useState } from 'react';
import type { RadioPort, RadioPortInfo } from '../../../shared/contract/index.ts';
import { formatTime } from '../format.ts';
import { formatPosition, isExternalPower } from '../nodes/table.ts';
import { useT } from '../i18n/index.ts';
import { useLog, useRadio } from '../stores/index.ts';
import { Problem } from './Problem.tsx';
import { RadioSetup } from './RadioSetup.tsx';

const portKey = (port: RadioPort) => (port.kind === 'serial' ? `serial:${port.path}` : port.kind === 'tcp' ? `tcp:${port.host}:${port.port}` : `ble:${port.id}`);

export function Radio() {
  const { state, nodes, ports, actionError, busy, scan, connect, disconnect } = useRadio();
  const entries = useLog((store) => store.entries);
  const deviceLog = useMemo(() => entries.filter((entry) => entry.source === 'device').slice(-200), [entries]);
  const [selected, setSelected] = useState('');
  const [tcpAddress, setTcpAddress] = useState('');
  const chosen: RadioPortInfo | undefined = ports.find((info) => portKey(info.port) === selected) ?? ports[0];
  const device = state.device;
  const t = useT();
  const none = t('common.none');

  const connectTcp = () => {
    const match = /^\s*([^:\s]+)(?::(\d+))?\s*$/.exec(tcpAddress);
    if (match?.[1]) void connect({ kind: 'tcp', host: match[1], port: Number(match[2] ?? 4403) });
  };

  return (
    <section className="view">
      <h1>{t('radio.title')}</h1>
      <div className="card">
        <div className="toolbar">
          <span className={`pill pill-${state.phase === 'ready' ? 'ok' : state.error ? 'bad' : 'warn'}`} data-testid="radio-phase" data-phase={state.phase}>
            <span className="dot" aria-hidden="true" />
            {t(`radio.phase.${state.phase}`)}
            {state.phase === 'reconnecting' && state.reconnectAttempt ? ` ${t('radio.attempt', { attempt: state.reconnectAttempt })}` : ''}
          </span>
          <label>
            {t('radio.device')}{' '}
            <select value={chosen ? portKey(chosen.port) : ''} onChange={(event) => setSelected(event.target.value)} disabled={ports.length === 0}>
              {ports.length === 0 ? <option value="">{t('radio.noneFound')}</option> : null}
              {ports.map((info) => (
                <option key={portKey(info.port)} value={portKey(info.port)}>
                  {info.label}
                  {info.simulated ? ` ${t('radio.simulated')}` : ''}
                </option>
              ))}
            </select>
          </label>
          <button type="button" onClick={() => chosen && void connect(chosen.port)} disabled={!chosen || busy}>
            {t('radio.connect')}
          </button>
          <button type="button" onClick={() => void disconnect()} disabled={state.phase === 'disconnected' || busy}>
            {t('radio.disconnect')}
          </button>
          <button type="button" onClick={() => void scan()} disabled={busy}>
            {t('radio.rescan')}
          </button>
          <label>
            {t('radio.tcp')}{' '}
            <input value={tcpAddress} onChange={(event) => setTcpAddress(event.target.value)} placeholder={t('radio.tcpPlaceholder')} size={18} onKeyDown={(event) => event.key === 'Enter' && connectTcp()} />
          </label>
          <button type="button" onClick={connectTcp} disabled={busy || tcpAddress.trim() === ''}>
            {t('radio.connectTcp')}
          </button>
        </div>
        <Problem error={actionError ?? state.error} />
        <Problem error={state.phase === 'ready' ? device?.sendBlockedBy : undefined} />
      </div>

      <div className="cards">
        <Fact label={t('radio.device')} value={device ? `${device.longName} (${device.shortName})` : none} />
        <Fact label={t('radio.nodeId')} value={device?.nodeId ?? none} testId="radio-node-id" />
        <Fact label={t('radio.firmware')} value={device?.firmware ?? none} />
        <Fact label={t('radio.regionPreset')} value={device ? `${device.region} · ${device.preset}` : none} />
        <Fact label={t('radio.channelUse')} value={device?.channelUtilization !== undefined ? `${device.channelUtilization.toFixed(1)} %` : none} />
        <Fact label={t('radio.airtime')} value={device?.airUtilTx !== undefined ? `${device.airUtilTx.toFixed(1)} %` : none} />
        <Fact label={t('radio.battery')} value={device?.batteryLevel !== undefined ? `${isExternalPower(device.batteryLevel) ? t('nodes.external') : `${device.batteryLevel} %`}${device.voltage ? ` · ${device.voltage.toFixed(2)} V` : ''}` : none} />
        <Fact label={t('radio.position')} value={device?.position ? formatPosition(device.position) : t('radio.noPosition')} testId="radio-position" />
        <Fact label={t('radio.queue')} value={String(state.queueDepth)} />
      </div>

      {device && state.phase === 'ready' ? <RadioSetup device={device} /> : null}

      <div className="card">
        <p>
          <span data-testid="radio-node-count">{nodes.length}</span> {t('radio.nodesHeard', { count: nodes.length })}{' '}
          <a href="#/nodes">{t('radio.openNodes')}</a> {t('radio.openNodesWhy')}
        </p>
      </div>

      <div className="card">
        <h2 className="card-title">{t('radio.deviceLog')}</h2>
        <ol className="log" aria-label={t('radio.deviceLogLabel')}>
          {deviceLog.toReversed().map((entry) => (
            <li key={entry.seq} className={`log-${entry.level}`}>
              <time>{formatTime(entry.at)}</time>
              <span className="log-level">{entry.level}</span>
              <span className="log-source">{t('radio.deviceSource')}</span>
              <span className="log-message">{entry.message}</span>
            </li>
          ))}
          {deviceLog.length === 0 ? <li className="muted">{t('radio.deviceLogEmpty')}</li> : null}
        </ol>
      </div>
    </section>
  );
}

function Fact({ label, value, testId }: { label: string; value: string; testId?: string }) {
  return (
    <div className="card stat">
      <div className="stat-label">{label}</div>
      <div className="stat-value small" data-testid={testId}>{value}</div>
    </div>
  );
}
