import { useMemo, useState } from 'react';
import type { RadioPort, RadioPortInfo } from '../../../shared/contract/index.ts';
import { formatTime } from '../format.ts';
import { formatPosition, isExternalPower } from '../nodes/table.ts';
import { useLog, useRadio } from '../stores/index.ts';
import { Problem } from './Problem.tsx';

const portKey = (port: RadioPort) => (port.kind === 'serial' ? `serial:${port.path}` : port.kind === 'tcp' ? `tcp:${port.host}:${port.port}` : `ble:${port.id}`);

const phaseText = { disconnected: 'Not connected', connecting: 'Connecting…', ready: 'Connected', reconnecting: 'Reconnecting…', failed: 'Connection failed' } as const;

export function Radio() {
  const { state, nodes, ports, actionError, busy, scan, connect, disconnect } = useRadio();
  const entries = useLog((store) => store.entries);
  const deviceLog = useMemo(() => entries.filter((entry) => entry.source === 'device').slice(-200), [entries]);
  const [selected, setSelected] = useState('');
  const [tcpAddress, setTcpAddress] = useState('');
  const chosen: RadioPortInfo | undefined = ports.find((info) => portKey(info.port) === selected) ?? ports[0];
  const device = state.device;

  const connectTcp = () => {
    const match = /^\s*([^:\s]+)(?::(\d+))?\s*$/.exec(tcpAddress);
    if (match?.[1]) void connect({ kind: 'tcp', host: match[1], port: Number(match[2] ?? 4403) });
  };

  return (
    <section className="view">
      <h1>Radio</h1>
      <div className="card">
        <div className="toolbar">
          <span className={`pill pill-${state.phase === 'ready' ? 'ok' : state.error ? 'bad' : 'warn'}`} data-testid="radio-phase" data-phase={state.phase}>
            <span className="dot" aria-hidden="true" />
            {phaseText[state.phase]}
            {state.phase === 'reconnecting' && state.reconnectAttempt ? ` (attempt ${state.reconnectAttempt})` : ''}
          </span>
          <label>
            Device{' '}
            <select value={chosen ? portKey(chosen.port) : ''} onChange={(event) => setSelected(event.target.value)} disabled={ports.length === 0}>
              {ports.length === 0 ? <option value="">No radio found</option> : null}
              {ports.map((info) => (
                <option key={portKey(info.port)} value={portKey(info.port)}>
                  {info.label}
                  {info.simulated ? ' (simulated)' : ''}
                </option>
              ))}
            </select>
          </label>
          <button type="button" onClick={() => chosen && void connect(chosen.port)} disabled={!chosen || busy}>
            Connect
          </button>
          <button type="button" onClick={() => void disconnect()} disabled={state.phase === 'disconnected' || busy}>
            Disconnect
          </button>
          <button type="button" onClick={() => void scan()} disabled={busy}>
            Rescan
          </button>
          <label>
            TCP{' '}
            <input value={tcpAddress} onChange={(event) => setTcpAddress(event.target.value)} placeholder="host:4403" size={18} onKeyDown={(event) => event.key === 'Enter' && connectTcp()} />
          </label>
          <button type="button" onClick={connectTcp} disabled={busy || tcpAddress.trim() === ''}>
            Connect TCP
          </button>
        </div>
        <Problem error={actionError ?? state.error} />
        <Problem error={state.phase === 'ready' ? device?.sendBlockedBy : undefined} />
      </div>

      <div className="cards">
        <Fact label="Device" value={device ? `${device.longName} (${device.shortName})` : '—'} />
        <Fact label="Node id" value={device?.nodeId ?? '—'} testId="radio-node-id" />
        <Fact label="Firmware" value={device?.firmware ?? '—'} />
        <Fact label="Region · preset" value={device ? `${device.region} · ${device.preset}` : '—'} />
        <Fact label="Channel use" value={device?.channelUtilization !== undefined ? `${device.channelUtilization.toFixed(1)} %` : '—'} />
        <Fact label="Airtime (1 h)" value={device?.airUtilTx !== undefined ? `${device.airUtilTx.toFixed(1)} %` : '—'} />
        <Fact label="Battery" value={device?.batteryLevel !== undefined ? `${isExternalPower(device.batteryLevel) ? 'External' : `${device.batteryLevel} %`}${device.voltage ? ` · ${device.voltage.toFixed(2)} V` : ''}` : '—'} />
        <Fact label="Position" value={device?.position ? formatPosition(device.position) : 'none reported'} testId="radio-position" />
        <Fact label="Queue" value={String(state.queueDepth)} />
      </div>

      <div className="card">
        <p>
          <span data-testid="radio-node-count">{nodes.length}</span> {nodes.length === 1 ? 'node' : 'nodes'} heard by the radio.{' '}
          <a href="#/nodes">Open the Nodes table</a> for their signal, battery, position and more.
        </p>
      </div>

      <div className="card">
        <h2 className="card-title">Device log</h2>
        <ol className="log" aria-label="Device log, newest first">
          {deviceLog.toReversed().map((entry) => (
            <li key={entry.seq} className={`log-${entry.level}`}>
              <time>{formatTime(entry.at)}</time>
              <span className="log-level">{entry.level}</span>
              <span className="log-source">device</span>
              <span className="log-message">{entry.message}</span>
            </li>
          ))}
          {deviceLog.length === 0 ? <li className="muted">Nothing from the device yet.</li> : null}
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
