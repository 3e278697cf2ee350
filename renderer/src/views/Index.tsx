import type { PeerSyncState, PeerSyncStatus, SyncFailureReason } from '../../../shared/contract/index.ts';
import { formatBytes, formatTime } from '../format.ts';
import { useIndexSync, useNode, useRadio, useStorage } from '../stores/index.ts';
import { Problem } from './Problem.tsx';

export function Index() {
  const { summary, stats, blocks, total, offset, page, download, exportToDisk, busy, error, notice } = useStorage();
  const desktop = useNode((store) => store.info?.host === 'desktop');
  return (
    <section className="view">
      <h1>Index</h1>
      <div className="cards" data-testid="index-summary">
        <div className="card stat"><div className="stat-label">Blocks</div><div className="stat-value" data-testid="index-count">{summary?.blockCount ?? '—'}</div></div>
        <div className="card stat"><div className="stat-label">Version</div><div className="stat-value">{summary?.version ?? '—'}</div></div>
        <div className="card stat"><div className="stat-label">Stored</div><div className="stat-value small">{stats ? formatBytes(stats.usedBytes) : '—'}</div></div>
        <div className="card stat"><div className="stat-label">Available</div><div className="stat-value small">{stats ? formatBytes(stats.availableBytes) : '—'}</div></div>
        <div className="card stat wide"><div className="stat-label">Merkle root</div><div className="stat-value small mono">{summary?.rootHash.slice(0, 32) ?? '—'}…</div></div>
      </div>
      <Problem error={error} />
      {notice ? <p role="status">{notice}</p> : null}
      <div className="card">
        <table className="table" data-testid="block-list">
          <caption>Blocks held by this node ({total})</caption>
          <thead><tr><th scope="col">Content id</th><th scope="col">Size</th><th scope="col">Actions</th></tr></thead>
          <tbody>
            {blocks.map((block) => (
              <tr key={block.id}>
                <td><code className="cid">{block.id}</code></td>
                <td>{formatBytes(block.size)}</td>
                <td className="actions">
                  <button type="button" disabled={busy} onClick={() => void download(block.id)}>Download</button>
                  {desktop ? <button type="button" disabled={busy} onClick={() => void exportToDisk(block.id)}>Save as…</button> : null}
                </td>
              </tr>
            ))}
            {blocks.length === 0 ? <tr><td colSpan={3} className="muted">The store is empty. Add a file in Files.</td></tr> : null}
          </tbody>
        </table>
        <div className="toolbar pager">
          <button type="button" disabled={offset === 0} onClick={() => void page(offset - 100)}>Previous</button>
          <span className="muted">{total === 0 ? '' : `${offset + 1}–${Math.min(total, offset + 100)} of ${total}`}</span>
          <button type="button" disabled={offset + 100 >= total} onClick={() => void page(offset + 100)}>Next</button>
        </div>
      </div>
      <LoraSync />
    </section>
  );
}

const stateText: Record<PeerSyncStatus, string> = {
  idle: 'Heard: roots not compared yet',
  in_sync: 'In sync',
  pending: 'Roots differ: a session starts soon',
  reconciling: 'Reconciling…',
  reconciled: 'Reconciled (its next announce confirms)',
  failed: 'Failed',
};
const stateTone: Record<PeerSyncStatus, string> = { idle: 'muted', in_sync: 'ok', pending: 'warn', reconciling: 'warn', reconciled: 'ok', failed: 'bad' };
const failureText: Record<SyncFailureReason, string> = {
  timeout: 'the peer went silent',
  too_many_differences: 'too many differences for one session over LoRa',
  aborted: 'the peer stopped the session',
  protocol: 'the peer broke the sync protocol',
};

const shortHash = (hash: string) => hash.slice(0, 8);

/** Time since `at` by the node's clock (its status samples), so a console on a machine whose clock is off still reads it right. */
function since(at: number, now: number): string {
  const seconds = Math.max(0, Math.round((now - at) / 1000));
  if (seconds < 5) return 'just now';
  if (seconds < 60) return `${seconds} s ago`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)} h ago`;
  return `${Math.floor(seconds / 86_400)} d ago`;
}

function LoraSync() {
  const view = useIndexSync((store) => store.view);
  const held = useStorage((store) => store.summary?.blockCount);
  const radioReady = useRadio((store) => store.state.phase === 'ready');
  const now = useNode((store) => store.status?.sampledAt);
  const peers = [...(view?.peers ?? [])].sort((a, b) => b.lastActivityAt - a.lastActivityAt);
  return (
    <section className="card" aria-labelledby="lora-sync-title" data-testid="lora-sync">
      <h2 className="card-title" id="lora-sync-title">Sync over LoRa</h2>
      <dl className="sync-summary" data-testid="lora-sync-summary">
        <div><dt>Blocks known in the mesh</dt><dd data-testid="mesh-block-count">{view?.summary.blockCount ?? '—'}</dd></div>
        <div><dt>Held here</dt><dd data-testid="mesh-held-count">{held ?? '—'}</dd></div>
        <div><dt>Learned from radio peers</dt><dd data-testid="mesh-learned">{view?.learned ?? '—'}</dd></div>
        <div><dt>Mesh index root</dt><dd><code className="cid" title={view?.summary.rootHash}>{view ? `${view.summary.rootHash.slice(0, 16)}…` : '—'}</code></dd></div>
      </dl>
      <p className="muted small-text sync-note">
        Radio neighbours running Pakit Mesh compare index roots and swap the block ids the other lacks. A learned id is a block another node holds:
        request it in Files to fetch it.
      </p>
      <table className="table" data-testid="lora-sync-peers">
        <caption>Index sync with each radio peer, latest activity first.</caption>
        <thead>
          <tr>
            <th scope="col">Peer</th>
            <th scope="col">State</th>
            <th scope="col">Root: theirs / ours</th>
            <th scope="col">Ids learned</th>
            <th scope="col">Ids sent</th>
            <th scope="col">On air</th>
            <th scope="col">Round trips</th>
            <th scope="col">Last activity</th>
          </tr>
        </thead>
        <tbody>
          {peers.map((peer) => (
            <tr key={peer.peer} data-testid="lora-sync-peer" data-peer={peer.peer} data-state={peer.state}>
              <td><code className="cid sync-peer">{peer.peer}</code></td>
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
          ))}
          {peers.length === 0 ? (
            <tr>
              <td colSpan={8} data-testid="lora-sync-empty">
                No radio peer has announced its index yet.{' '}
                <span className="muted">
                  {radioReady
                    ? 'Nodes running Pakit Mesh in radio range announce theirs every few minutes; plain Meshtastic nodes never do.'
                    : 'Connect a radio in Radio: nodes running Pakit Mesh in range announce their index every few minutes.'}
                </span>
              </td>
            </tr>
          ) : null}
        </tbody>
      </table>
    </section>
  );
}

function SyncState({ peer }: { peer: PeerSyncState }) {
  return (
    <>
      <span className={`sync-state sync-${stateTone[peer.state]}`} data-testid="lora-sync-state">
        {stateText[peer.state]}
        {peer.state === 'failed' && peer.error ? `: ${failureText[peer.error.reason]}` : ''}
      </span>
      {peer.error ? (
        <div className="muted small-text">
          {peer.state === 'failed' ? peer.error.detail : `Last session failed: ${failureText[peer.error.reason]} (${peer.error.detail})`}
        </div>
      ) : null}
    </>
  );
}

/** Their last announced root against the mesh index's root now: after a session they should match. */
function Roots({ theirs, ours }: { theirs: string | null; ours: string }) {
  if (theirs === null) return <span className="muted">not announced yet</span>;
  const same = theirs === ours;
  return (
    <span className="roots">
      <code className="cid" title={`theirs: ${theirs}`}>{shortHash(theirs)}</code> / <code className="cid" title={`ours: ${ours}`}>{shortHash(ours)}</code>{' '}
      <span className={same ? 'sync-ok' : 'sync-warn'}>
        <span aria-hidden="true">{same ? '✓' : '≠'}</span> {same ? 'same' : 'differ'}
      </span>
    </span>
  );
}
