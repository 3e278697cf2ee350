import { formatBytes } from '../format.ts';
import { useNode, useStorage } from '../stores/index.ts';
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
      <p className="muted">Sync of the index with other nodes over LoRa and IP is not in this version yet.</p>
    </section>
  );
}
