import { useRef, useState, type FormEvent } from 'react';
import { FileRequest, LORA_FILE_DEFAULT_BYTES, LORA_FILE_MAX_BYTES, type FileTransfer, type TransferState } from '../../../shared/contract/index.ts';
import { formatBytes, formatTime } from '../format.ts';
import { useNode, useStorage, useTransfers } from '../stores/index.ts';
import { Problem } from './Problem.tsx';

/** The size field is in KB of 1024 bytes, as the LoRa limits are. */
const KB = 1024;

const stateText: Record<TransferState, string> = {
  requesting: 'Requesting: asking radio neighbours who holds it',
  receiving: 'Receiving',
  sending: 'Sending',
  paused: 'Paused: waiting for the radio',
  verifying: 'Verifying against its content id',
  done: 'Done',
  failed: 'Failed',
  cancelled: 'Cancelled',
};
const ACTIVE: ReadonlySet<TransferState> = new Set(['requesting', 'receiving', 'sending', 'paused']);

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
      <LoraRequest />
      <LoraTransfers />
    </section>
  );
}

function LoraRequest() {
  const { request, busy, actionError, actionFor } = useTransfers();
  const [contentId, setContentId] = useState('');
  const [maxKb, setMaxKb] = useState(String(LORA_FILE_DEFAULT_BYTES / KB));
  const checked = FileRequest.safeParse({ contentId: contentId.trim(), maxBytes: Number(maxKb) * KB });
  const problemWith = (field: 'contentId' | 'maxBytes') => (checked.success ? undefined : checked.error.issues.find((issue) => issue.path[0] === field));
  const idProblem = contentId.trim() === '' ? undefined : problemWith('contentId');
  const sizeProblem = problemWith('maxBytes');

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!checked.success) return;
    if (await request(checked.data.contentId, checked.data.maxBytes)) setContentId('');
  };

  return (
    <form className="card" onSubmit={(event) => void submit(event)} aria-labelledby="lora-request-title">
      <h2 className="card-title" id="lora-request-title">Request over LoRa</h2>
      <p className="muted small-text">
        Asks the radio’s neighbours for a small file by its content id; it arrives in this node’s store, checked chunk by chunk against
        the holder’s signed manifest. Radio time is slow: the list shows how much each file still needs.
      </p>
      <div className="toolbar lora-request">
        <label className="grow">
          Content id
          <input
            value={contentId}
            onChange={(event) => setContentId(event.target.value)}
            placeholder="bafkrei…"
            spellCheck={false}
            autoComplete="off"
            aria-invalid={idProblem ? true : undefined}
            aria-describedby="lora-content-id-problem"
            data-testid="lora-content-id"
          />
        </label>
        <label>
          Largest size (KB)
          <input
            type="number"
            min={1}
            max={LORA_FILE_MAX_BYTES / KB}
            step={1}
            value={maxKb}
            onChange={(event) => setMaxKb(event.target.value)}
            aria-invalid={sizeProblem ? true : undefined}
            aria-describedby="lora-max-size-problem"
            data-testid="lora-max-kb"
          />
        </label>
        <button type="submit" disabled={busy || !checked.success} data-testid="lora-request">Request</button>
      </div>
      <div aria-live="polite">
        {idProblem ? <p id="lora-content-id-problem" className="warn-text">Content id: expected {idProblem.message}.</p> : null}
        {sizeProblem ? <p id="lora-max-size-problem" className="warn-text">Largest size: 1 to {LORA_FILE_MAX_BYTES / KB} KB.</p> : null}
      </div>
      <Problem error={actionFor === undefined ? actionError : undefined} />
    </form>
  );
}

function LoraTransfers() {
  const { transfers, cancel, resume, busy, actionError, actionFor } = useTransfers();
  const { download, exportToDisk } = useStorage();
  const storageBusy = useStorage((store) => store.busy);
  const desktop = useNode((store) => store.info?.host === 'desktop');
  return (
    <section className="card" aria-labelledby="lora-transfers-title">
      <h2 className="card-title" id="lora-transfers-title">Transfers over LoRa</h2>
      {transfers.length === 0 ? <p className="muted">None yet. Requests you make, and files neighbours ask of this node, show here.</p> : null}
      <ul className="transfers" data-testid="lora-transfers">
        {transfers.map((transfer) => (
          <li key={transfer.id} className="transfer" data-testid="lora-transfer" data-state={transfer.state} data-content-id={transfer.contentId}>
            <div className="transfer-head">
              <span className="badge">{transfer.direction === 'incoming' ? 'Incoming' : 'Outgoing'}</span>
              <code className="cid">{transfer.contentId}</code>
              <span className="muted">since {formatTime(transfer.startedAt)}</span>
            </div>
            <div className={`transfer-state state-${transfer.state}`} data-testid="lora-transfer-state">{stateText[transfer.state]}</div>
            <div className="transfer-progress">
              <progress
                max={transfer.size ?? 1}
                value={transfer.size === null ? undefined : transfer.bytesDone}
                aria-label={`Progress of ${transfer.contentId.slice(0, 16)}…`}
                aria-valuetext={progressText(transfer)}
              />
              <span>{progressText(transfer)}</span>
              {transfer.etaMs !== null && ACTIVE.has(transfer.state) ? (
                <span title="How long the radio channel needs for the rest at its current pace; other traffic comes on top.">{describeRadioTime(transfer.etaMs)}</span>
              ) : null}
            </div>
            <Peers transfer={transfer} />
            {transfer.error ? <p className="bad-text small-text">{transfer.error}</p> : null}
            <div className="actions">
              {ACTIVE.has(transfer.state) ? (
                <button type="button" disabled={busy} onClick={() => void cancel(transfer.id)} aria-label={`Cancel the transfer of ${transfer.contentId}`}>
                  Cancel
                </button>
              ) : null}
              {transfer.direction === 'incoming' && transfer.state === 'failed' ? (
                <button type="button" disabled={busy} onClick={() => void resume(transfer.id)} aria-label={`Resume the transfer of ${transfer.contentId}`}>
                  Resume
                </button>
              ) : null}
              {transfer.direction === 'incoming' && transfer.state === 'paused' ? <span className="muted">Goes on by itself once the radio is back.</span> : null}
              {transfer.direction === 'incoming' && transfer.state === 'done' ? (
                <>
                  <button type="button" disabled={storageBusy} onClick={() => void download(transfer.contentId)} aria-label={`Download ${transfer.contentId}`}>
                    Download
                  </button>
                  {desktop ? (
                    <button type="button" disabled={storageBusy} onClick={() => void exportToDisk(transfer.contentId)} aria-label={`Save ${transfer.contentId} to disk`}>
                      Save as…
                    </button>
                  ) : null}
                </>
              ) : null}
            </div>
            <Problem error={actionFor === transfer.id ? actionError : undefined} />
          </li>
        ))}
      </ul>
    </section>
  );
}

function Peers({ transfer }: { transfer: FileTransfer }) {
  if (transfer.peers.length === 0 && transfer.badPeers.length === 0) return null;
  return (
    <div className="small-text">
      {transfer.peers.length > 0 ? (
        <div>
          {transfer.direction === 'incoming' ? 'From' : 'To'} <code className="cid">{transfer.peers.join(', ')}</code>
        </div>
      ) : null}
      {transfer.badPeers.length > 0 ? (
        <div className="bad-peers warn-text" data-testid="lora-bad-peers">
          <span aria-hidden="true">⚠ </span>Not used any more: <code className="cid">{transfer.badPeers.join(', ')}</code> sent chunks that did not match the
          signed manifest.
        </div>
      ) : null}
    </div>
  );
}

function progressText(transfer: FileTransfer): string {
  if (transfer.size === null) return transfer.state === 'requesting' ? 'size not known until a holder answers' : 'size not known';
  const chunks = transfer.chunksTotal === null ? '' : ` (${transfer.chunksDone} of ${transfer.chunksTotal} chunks)`;
  return `${formatBytes(transfer.bytesDone)} of ${formatBytes(transfer.size)}${chunks}`;
}

/** Radio time, not wall-clock time: the channel's pace for what is left. */
function describeRadioTime(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  if (minutes < 1) return 'under a minute of radio time';
  if (minutes < 60) return `about ${minutes} min of radio time`;
  const hours = Math.floor(minutes / 60);
  return `about ${hours} h${minutes % 60 ? ` ${minutes % 60} min` : ''} of radio time`;
}
