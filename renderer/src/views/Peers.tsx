import { useRef, useState, type KeyboardEvent } from 'react';
import type { MeshPeer, MeshPhase, PeerTransport, ReputationReason } from '../../../shared/contract/index.ts';
import { formatBytes, formatTime } from '../format.ts';
import { useMesh, useNode } from '../stores/index.ts';
import { Problem } from './Problem.tsx';

const phaseText: Record<MeshPhase, string> = { disabled: 'IP mesh disabled', stopped: 'IP mesh stopped', starting: 'IP mesh starting…', running: 'IP mesh running', failed: 'IP mesh not running' };
const transportText: Record<PeerTransport, string> = { ip: 'IP', lora: 'LoRa' };
const tabs = [
  { id: 'usable', label: 'Peers' },
  { id: 'filtered', label: 'Filtered' },
] as const;
type TabId = (typeof tabs)[number]['id'];

export function Peers() {
  const { health, peers, actionError, busy, start, stop } = useMesh();
  const threshold = useNode((store) => store.info?.mesh.byzantineThreshold ?? 0.3);
  const [tab, setTab] = useState<TabId>('usable');
  const tabRefs = useRef<Record<TabId, HTMLButtonElement | null>>({ usable: null, filtered: null });
  const lists: Record<TabId, MeshPeer[]> = { usable: peers.filter((peer) => !peer.filtered), filtered: peers.filter((peer) => peer.filtered) };
  const phase = health?.phase ?? 'stopped';

  // Arrow keys move between tabs (WAI-ARIA tabs pattern); Tab goes on into the list.
  const onTabKey = (event: KeyboardEvent) => {
    if (event.key !== 'ArrowRight' && event.key !== 'ArrowLeft') return;
    event.preventDefault();
    const next = tabs[(tabs.findIndex((item) => item.id === tab) + (event.key === 'ArrowRight' ? 1 : tabs.length - 1)) % tabs.length]!.id;
    setTab(next);
    tabRefs.current[next]?.focus();
  };

  return (
    <section className="view">
      <h1>Peers</h1>
      <div className="card">
        <div className="toolbar">
          <span className={`pill pill-${phase === 'running' ? 'ok' : phase === 'failed' ? 'bad' : 'warn'}`} data-testid="mesh-phase" data-phase={phase}>
            <span className="dot" aria-hidden="true" />
            {phaseText[phase]}
          </span>
          <button type="button" onClick={() => void start()} disabled={busy || phase === 'running' || phase === 'starting' || phase === 'disabled'}>
            Start
          </button>
          <button type="button" onClick={() => void stop()} disabled={busy || phase === 'stopped' || phase === 'disabled'}>
            Stop
          </button>
          <span className="muted">
            {health ? `${health.peerCount} connected · ${health.messagesInPerSecond.toFixed(1)} msg/s in · ${health.messagesOutPerSecond.toFixed(1)} msg/s out` : ''}
          </span>
        </div>
        <p className="muted small-text">
          This node: <code className="cid" title={health?.peerId}>{health?.peerId ?? '—'}</code>
          {health?.addresses.length ? (
            <>
              {' '}on <code className="cid">{health.addresses.join(', ')}</code>
            </>
          ) : null}
        </p>
        <Problem error={actionError ?? health?.error} />
      </div>

      <div className="card">
        <div role="tablist" aria-label="Peer lists" className="tabs">
          {tabs.map((item) => (
            <button
              key={item.id}
              type="button"
              role="tab"
              id={`peers-tab-${item.id}`}
              aria-selected={tab === item.id}
              aria-controls={`peers-panel-${item.id}`}
              tabIndex={tab === item.id ? 0 : -1}
              className="tab"
              data-testid={`peers-tab-${item.id}`}
              ref={(element) => {
                tabRefs.current[item.id] = element;
              }}
              onClick={() => setTab(item.id)}
              onKeyDown={onTabKey}
            >
              {item.label} ({lists[item.id].length})
            </button>
          ))}
        </div>
        {tabs.map((item) => (
          <div key={item.id} role="tabpanel" id={`peers-panel-${item.id}`} aria-labelledby={`peers-tab-${item.id}`} hidden={tab !== item.id}>
            <PeerTable peers={lists[item.id]} threshold={threshold} filtered={item.id === 'filtered'} />
          </div>
        ))}
      </div>
    </section>
  );
}

function PeerTable({ peers, threshold, filtered }: { peers: MeshPeer[]; threshold: number; filtered: boolean }) {
  return (
    <table className="table peers" data-testid={filtered ? 'filtered-peers' : 'peers'}>
      <caption>
        {filtered
          ? `Peers scored below the Byzantine threshold (${threshold.toFixed(2)}): their messages are dropped and their connections refused.`
          : 'Peers on IP and LoRa, one line per identity, best reputation first.'}
      </caption>
      <thead>
        <tr>
          <th scope="col">Peer</th>
          <th scope="col">Transports</th>
          <th scope="col">Reputation</th>
          <th scope="col">Last seen</th>
          <th scope="col">Storage offered</th>
        </tr>
      </thead>
      <tbody>
        {peers.map((peer) => (
          <tr key={peer.id} data-testid="peer-row" data-peer-id={peer.id}>
            <td>
              <div>{peer.name ?? shortId(peer.id)}</div>
              <code className="cid" title={peer.id}>{peer.name ? shortId(peer.id) : peer.radioNodeId ?? ''}</code>
            </td>
            <td>
              {peer.transports.map((transport) => (
                <span key={transport} className={`badge badge-${transport}`}>{transportText[transport]}</span>
              ))}
              {peer.connected ? <span className="badge badge-connected">connected</span> : null}
            </td>
            <td>
              <Reputation peer={peer} threshold={threshold} />
            </td>
            <td>{peer.lastSeen === null ? '—' : formatTime(peer.lastSeen)}</td>
            <td>{peer.storageCapacity === null ? '—' : formatBytes(peer.storageCapacity)}</td>
          </tr>
        ))}
        {peers.length === 0 ? (
          <tr>
            <td colSpan={5} className="muted">
              {filtered ? 'No peer is filtered.' : 'No peers yet: they appear as they are found over IP (bootstrap list, mDNS) or heard over LoRa.'}
            </td>
          </tr>
        ) : null}
      </tbody>
    </table>
  );
}

function Reputation({ peer, threshold }: { peer: MeshPeer; threshold: number }) {
  const { score, reasons } = peer.reputation;
  const top = reasons[0];
  return (
    <div className="reputation">
      <meter min={0} max={1} low={threshold} high={0.5} optimum={1} value={score} aria-label={`Reputation of ${peer.name ?? peer.id}`} />
      <span className="score" data-testid="reputation-score">{score.toFixed(2)}</span>
      <div className={`reason ${top?.effect === 'bad' ? 'bad-text' : 'muted'}`} data-testid="reputation-reason">
        {top ? top.label : 'no evidence yet (neutral)'}
      </div>
      {reasons.length > 0 ? (
        <details>
          <summary>Why {score.toFixed(2)}</summary>
          <ul className="reasons">
            {reasons.map((reason) => (
              <li key={reason.kind} className={reason.effect === 'bad' ? 'bad-text' : undefined}>
                {describeReason(reason)}
              </li>
            ))}
          </ul>
        </details>
      ) : null}
    </div>
  );
}

function describeReason(reason: ReputationReason): string {
  const sign = reason.effect === 'good' ? '+' : '−';
  const count = reason.kind === 'time_known' ? '' : ` (${reason.count}×)`;
  return `${sign}${reason.weight.toFixed(2)} ${reason.label}${count}`;
}

function shortId(id: string): string {
  return id.length > 20 ? `${id.slice(0, 10)}…${id.slice(-6)}` : id;
}
