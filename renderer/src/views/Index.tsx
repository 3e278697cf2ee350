import { Fragment } from 'react';
import { LORA_FILE_DEFAULT_BYTES, type PeerSyncState, type PeerSyncStatus, type SyncFailureReason } from '../../../shared/contract/index.ts';
import { formatBytes, formatTime } from '../format.ts';
import { t as translate, useT } from '../i18n/index.ts';
import { NodeName } from '../identity/index.ts';
import { useIndexSync, useNode, useRadio, useStorage, useTransfers } from '../stores/index.ts';
import { Problem } from './Problem.tsx';

export function Index() {
  const { summary, stats, blocks, total, offset, page, download, exportToDisk, busy, error, notice } = useStorage();
  const desktop = useNode((store) => store.info?.host === 'desktop');
  const t = useT();
  return (
    <section className="view">
      <h1>{t('index.title')}</h1>
      <div className="cards" data-testid="index-summary">
        <div className="card stat"><div className="stat-label">{t('index.blocks')}</div><div className="stat-value" data-testid="index-count">{summary?.blockCount ?? t('common.none')}</div></div>
        <div className="card stat"><div className="stat-label">{t('index.version')}</div><div className="stat-value">{summary?.version ?? t('common.none')}</div></div>
        <div className="card stat"><div className="stat-label">{t('index.stored')}</div><div className="stat-value small">{stats ? formatBytes(stats.usedBytes) : t('common.none')}</div></div>
        <div className="card stat"><div className="stat-label">{t('index.available')}</div><div className="stat-value small">{stats ? formatBytes(stats.availableBytes) : t('common.none')}</div></div>
        <div className="card stat wide"><div className="stat-label">{t('index.merkleRoot')}</div><div className="stat-value small mono">{summary ? `${summary.rootHash.slice(0, 32)}…` : t('common.none')}</div></div>
      </div>
      <Problem error={error} />
      {notice ? <p role="status">{notice}</p> : null}
      <div className="card">
        <table className="table" data-testid="block-list">
          <caption>{t('index.blocksCaption', { total })}</caption>
          <thead><tr><th scope="col">{t('index.contentId')}</th><th scope="col">{t('index.size')}</th><th scope="col">{t('index.actions')}</th></tr></thead>
          <tbody>
            {blocks.map((block) => (
              <tr key={block.id}>
                <td><code className="cid">{block.id}</code></td>
                <td>{formatBytes(block.size)}</td>
                <td className="actions">
                  <button type="button" disabled={busy} onClick={() => void download(block.id)}>{t('common.download')}</button>
                  {desktop ? <button type="button" disabled={busy} onClick={() => void exportToDisk(block.id)}>{t('common.saveAs')}</button> : null}
                </td>
              </tr>
            ))}
            {blocks.length === 0 ? <tr><td colSpan={3} className="muted">{t('index.empty')}</td></tr> : null}
          </tbody>
        </table>
        <div className="toolbar pager">
          <button type="button" disabled={offset === 0} onClick={() => void page(offset - 100)}>{t('index.previous')}</button>
          <span className="muted">{total === 0 ? '' : t('index.pageRange', { from: offset + 1, to: Math.min(total, offset + 100), total })}</span>
          <button type="button" disabled={offset + 100 >= total} onClick={() => void page(offset + 100)}>{t('index.next')}</button>
        </div>
      </div>
      <LoraSync />
    </section>
  );
}

const stateTone: Record<PeerSyncStatus, string> = { idle: 'muted', in_sync: 'ok', changed: 'warn', pending: 'warn', reconciling: 'warn', reconciled: 'ok', failed: 'bad' };
const failureText = (reason: SyncFailureReason) => translate(`index.failure.${reason}`);

const shortHash = (hash: string) => hash.slice(0, 8);

/** Time since `at` by the node's clock (its status samples), so a console on a machine whose clock is off still reads it right. */
function since(at: number, now: number): string {
  const seconds = Math.max(0, Math.round((now - at) / 1000));
  if (seconds < 5) return translate('common.justNow');
  if (seconds < 60) return translate('common.secondsAgo', { count: seconds });
  if (seconds < 3600) return translate('common.minutesAgo', { count: Math.floor(seconds / 60) });
  if (seconds < 86_400) return translate('common.hoursAgo', { count: Math.floor(seconds / 3600) });
  return translate('common.daysAgo', { count: Math.floor(seconds / 86_400) });
}

function LoraSync() {
  const view = useIndexSync((store) => store.view);
  const held = useStorage((store) => store.summary?.blockCount);
  const radioReady = useRadio((store) => store.state.phase === 'ready');
  const now = useNode((store) => store.status?.sampledAt);
  const requestError = useTransfers((store) => (store.actionFor === undefined ? store.actionError : undefined));
  const peers = [...(view?.peers ?? [])].sort((a, b) => b.lastActivityAt - a.lastActivityAt);
  const t = useT();
  return (
    <section className="card" aria-labelledby="lora-sync-title" data-testid="lora-sync">
      <h2 className="card-title" id="lora-sync-title">{t('index.syncTitle')}</h2>
      <dl className="sync-summary" data-testid="lora-sync-summary">
        <div><dt>{t('index.meshBlocks')}</dt><dd data-testid="mesh-block-count">{view?.summary.blockCount ?? t('common.none')}</dd></div>
        <div><dt>{t('index.heldHere')}</dt><dd data-testid="mesh-held-count">{held ?? t('common.none')}</dd></div>
        <div><dt>{t('index.learned')}</dt><dd data-testid="mesh-learned">{view?.learned ?? t('common.none')}</dd></div>
        <div><dt>{t('index.meshRoot')}</dt><dd><code className="cid" title={view?.summary.rootHash}>{view ? `${view.summary.rootHash.slice(0, 16)}…` : t('common.none')}</code></dd></div>
      </dl>
      <p className="muted small-text sync-note">{t('index.syncHelp')}</p>
      <table className="table" data-testid="lora-sync-peers">
        <caption>{t('index.syncCaption')}</caption>
        <thead>
          <tr>
            <th scope="col">{t('index.peer')}</th>
            <th scope="col">{t('index.state')}</th>
            <th scope="col">{t('index.roots')}</th>
            <th scope="col">{t('index.idsLearned')}</th>
            <th scope="col">{t('index.idsSent')}</th>
            <th scope="col">{t('index.onAir')}</th>
            <th scope="col">{t('index.roundTrips')}</th>
            <th scope="col">{t('index.lastActivity')}</th>
          </tr>
        </thead>
        <tbody>
          {peers.map((peer) => (
            <Fragment key={peer.peer}>
            <tr data-testid="lora-sync-peer" data-peer={peer.peer} data-state={peer.state}>
              <td className="sync-peer">{peer.peer.startsWith('!') ? <NodeName id={peer.peer} /> : <code className="cid">{peer.peer}</code>}</td>
              <td><SyncState peer={peer} /></td>
              <td><Roots theirs={peer.theirRoot} ours={view?.summary.rootHash ?? peer.ourRoot} /></td>
              <td>{peer.learned}</td>
              <td>{peer.sent}</td>
              <td>{formatBytes(peer.bytesOnAir)}</td>
              <td>{peer.roundTrips}</td>
              <td>
                <time dateTime={new Date(peer.lastActivityAt).toISOString()} title={formatTime(peer.lastActivityAt)}>
                  {now === undefined ? formatTime(peer.lastActivityAt) : since(peer.lastActivityAt, now)}
                </time>
              </td>
            </tr>
            {peer.lastSessionIds.length > 0 ? <LearnedIds peer={peer} /> : null}
            </Fragment>
          ))}
          {peers.length === 0 ? (
            <tr>
              <td colSpan={8} data-testid="lora-sync-empty">
                {t('index.noPeers')}{' '}
                <span className="muted">{radioReady ? t('index.noPeersRadioReady') : t('index.noPeersNoRadio')}</span>
              </td>
            </tr>
          ) : null}
        </tbody>
      </table>
      <Problem error={requestError} />
    </section>
  );
}

const shortId = (id: string) => `${id.slice(0, 14)}…${id.slice(-6)}`;

/** The ids the last session brought, each a block another node holds, with its request one click away. */
function LearnedIds({ peer }: { peer: PeerSyncState }) {
  const { transfers, request, busy } = useTransfers();
  const t = useT();
  const more = peer.lastSessionLearned - peer.lastSessionIds.length;
  return (
    <tr className="sync-learned-row" data-testid="lora-sync-learned" data-peer={peer.peer}>
      <td colSpan={8}>
        <div className="sync-learned">
          <span className="muted small-text">{t('index.lastSessionLearned', { count: peer.lastSessionLearned })}</span>
          <ul className="sync-learned-ids">
            {peer.lastSessionIds.map((id) => {
              const transfer = transfers.find((entry) => entry.contentId === id && entry.direction === 'incoming' && entry.state !== 'cancelled');
              return (
                <li key={id} data-testid="lora-sync-learned-id" data-id={id}>
                  <code className="cid" title={id}>{shortId(id)}</code>
                  {transfer ? (
                    <span className="muted small-text" data-testid="lora-sync-requested" data-state={transfer.state}>{t('index.requestedState', { state: t(`files.state.${transfer.state}`) })}</span>
                  ) : null}
                  {!transfer || transfer.state === 'failed' ? (
                    <button type="button" className="small" disabled={busy} onClick={() => void request(id, LORA_FILE_DEFAULT_BYTES)} aria-label={t('index.requestId', { id })}>
                      {t(transfer ? 'index.requestAgain' : 'index.request')}
                    </button>
                  ) : null}
                </li>
              );
            })}
            {more > 0 ? <li className="muted small-text">{t('index.andMore', { count: more })}</li> : null}
          </ul>
        </div>
      </td>
    </tr>
  );
}

function SyncState({ peer }: { peer: PeerSyncState }) {
  const t = useT();
  return (
    <>
      <span className={`sync-state sync-${stateTone[peer.state]}`} data-testid="lora-sync-state">
        {t(`index.syncState.${peer.state}`)}
        {peer.state === 'failed' && peer.error ? `: ${failureText(peer.error.reason)}` : ''}
      </span>
      {peer.error ? (
        <div className="muted small-text">
          {peer.state === 'failed' ? peer.error.detail : t('index.lastSessionFailed', { reason: failureText(peer.error.reason), detail: peer.error.detail })}
        </div>
      ) : null}
    </>
  );
}

/** Their last announced root against the mesh index's root now: after a session they should match. */
function Roots({ theirs, ours }: { theirs: string | null; ours: string }) {
  const t = useT();
  if (theirs === null) return <span className="muted">{t('index.notAnnounced')}</span>;
  const same = theirs === ours;
  return (
    <span className="roots">
      <code className="cid" title={t('index.theirs', { root: theirs })}>{shortHash(theirs)}</code> / <code className="cid" title={t('index.ours', { root: ours })}>{shortHash(ours)}</code>{' '}
      <span className={same ? 'sync-ok' : 'sync-warn'}>
        <span aria-hidden="true">{same ? '✓' : '≠'}</span> {same ? t('index.same') : t('index.differ')}
      </span>
    </span>
  );
}
