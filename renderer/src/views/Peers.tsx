import { useRef, useState, type KeyboardEvent } from 'react';
import type { MeshPeer, PeerTransport, ReputationReason } from '../../../shared/contract/index.ts';
import { formatBytes, formatTime } from '../format.ts';
import { useT } from '../i18n/index.ts';
import { NodeName } from '../identity/index.ts';
import { useMesh, useNode } from '../stores/index.ts';
import { Problem } from './Problem.tsx';

/** Protocol names, the same in every language. */
const transportText: Record<PeerTransport, string> = { ip: 'IP', lora: 'LoRa' };
const tabs = [
  { id: 'usable', label: 'peers.tabUsable' },
  { id: 'filtered', label: 'peers.tabFiltered' },
] as const;
type TabId = (typeof tabs)[number]['id'];

export function Peers() {
  const { health, peers, actionError, busy, start, stop } = useMesh();
  const threshold = useNode((store) => store.info?.mesh.byzantineThreshold ?? 0.3);
  const [tab, setTab] = useState<TabId>('usable');
  const tabRefs = useRef<Record<TabId, HTMLButtonElement | null>>({ usable: null, filtered: null });
  const lists: Record<TabId, MeshPeer[]> = { usable: peers.filter((peer) => !peer.filtered), filtered: peers.filter((peer) => peer.filtered) };
  const phase = health?.phase ?? 'stopped';
  const t = useT();

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
      <h1>{t('peers.title')}</h1>
      <div className="card">
        <div className="toolbar">
          <span className={`pill pill-${phase === 'running' ? 'ok' : phase === 'failed' ? 'bad' : 'warn'}`} data-testid="mesh-phase" data-phase={phase}>
            <span className="dot" aria-hidden="true" />
            {t(`peers.phase.${phase}`)}
          </span>
          <button type="button" onClick={() => void start()} disabled={busy || phase === 'running' || phase === 'starting' || phase === 'disabled'}>
            {t('peers.start')}
          </button>
          <button type="button" onClick={() => void stop()} disabled={busy || phase === 'stopped' || phase === 'disabled'}>
            {t('peers.stop')}
          </button>
          <span className="muted">
            {health ? t('peers.rates', { peers: health.peerCount, inRate: health.messagesInPerSecond.toFixed(1), outRate: health.messagesOutPerSecond.toFixed(1) }) : ''}
          </span>
        </div>
        <p className="muted small-text">
          {t('peers.thisNode')} <code className="cid" title={health?.peerId}>{health?.peerId ?? t('common.none')}</code>
          {health?.addresses.length ? (
            <>
              {' '}{t('peers.on')} <code className="cid">{health.addresses.join(', ')}</code>
            </>
          ) : null}
        </p>
        <Problem error={actionError ?? health?.error} />
      </div>

      <div className="card">
        <div role="tablist" aria-label={t('peers.lists')} className="tabs">
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
              {t(item.label, { count: lists[item.id].length })}
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
  const t = useT();
  return (
    <table className="table peers" data-testid={filtered ? 'filtered-peers' : 'peers'}>
      <caption>
        {filtered ? t('peers.filteredCaption', { threshold: threshold.toFixed(2) }) : t('peers.usableCaption')}
      </caption>
      <thead>
        <tr>
          <th scope="col">{t('peers.peer')}</th>
          <th scope="col">{t('peers.transports')}</th>
          <th scope="col">{t('peers.reputation')}</th>
          <th scope="col">{t('peers.lastSeen')}</th>
          <th scope="col">{t('peers.storageOffered')}</th>
        </tr>
      </thead>
      <tbody>
        {peers.map((peer) => (
          <tr key={peer.id} data-testid="peer-row" data-peer-id={peer.id}>
            <td>
              <div><NodeName id={peer.id} /></div>
              <code className="cid" title={peer.id}>{peer.name ? shortId(peer.id) : peer.radioNodeId ?? ''}</code>
            </td>
            <td>
              {peer.transports.map((transport) => (
                <span key={transport} className={`badge badge-${transport}`}>{transportText[transport]}</span>
              ))}
              {peer.connected ? <span className="badge badge-connected">{t('peers.connected')}</span> : null}
            </td>
            <td>
              <Reputation peer={peer} threshold={threshold} />
            </td>
            <td>{peer.lastSeen === null ? t('common.none') : formatTime(peer.lastSeen)}</td>
            <td>{peer.storageCapacity === null ? t('common.none') : formatBytes(peer.storageCapacity)}</td>
          </tr>
        ))}
        {peers.length === 0 ? (
          <tr>
            <td colSpan={5} className="muted">
              {filtered ? t('peers.noneFiltered') : t('peers.noPeers')}
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
  const t = useT();
  return (
    <div className="reputation">
      <meter min={0} max={1} low={threshold} high={0.5} optimum={1} value={score} aria-label={t('peers.reputationOf', { peer: peer.name ?? peer.id })} />
      <span className="score" data-testid="reputation-score">{score.toFixed(2)}</span>
      <div className={`reason ${top?.effect === 'bad' ? 'bad-text' : 'muted'}`} data-testid="reputation-reason">
        {top ? top.label : t('peers.noEvidence')}
      </div>
      {reasons.length > 0 ? (
        <details>
          <summary>{t('peers.why', { score: score.toFixed(2) })}</summary>
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
