import { useRef } from 'react';
import { formatBytes } from '../format.ts';
import { useNode, useStorage } from '../stores/index.ts';
import { Problem } from './Problem.tsx';

export function Files() {
  const { upload, addFromDisk, busy, error, notice, lastStored, stats } = useStorage();
  const desktop = useNode((store) => store.info?.host === 'desktop');
  const input = useRef<HTMLInputElement>(null);
  return (
    <section className="view">
      <h1>Files</h1>
      <div className="card">
        <h2 className="card-title">Add a file to this node’s store</h2>
        <div className="toolbar">
          {desktop ? (
            <button type="button" disabled={busy} onClick={() => void addFromDisk()}>Add a file…</button>
          ) : (
            <label className="upload">
              Upload{' '}
              <input
                ref={input}
                type="file"
                data-testid="upload"
                disabled={busy}
                onChange={(event) => {
                  const file = event.target.files?.[0];
                  if (file) void upload(file).then(() => input.current && (input.current.value = ''));
                }}
              />
            </label>
          )}
          {stats ? <span className="muted">{formatBytes(stats.availableBytes)} available</span> : null}
        </div>
        <Problem error={error} />
        {notice ? <p role="status">{notice}</p> : null}
        {lastStored ? (
          <p>
            Content id <code className="cid" data-testid="last-stored">{lastStored.id}</code> ({formatBytes(lastStored.size)}). Files are listed in Index.
          </p>
        ) : null}
      </div>
      <div className="card notice">
        <p>Requesting small files from other nodes over LoRa, with progress, ETA, cancel and resume, is not in this version yet.</p>
      </div>
    </section>
  );
}
