import { Fragment, useEffect, useRef, useState, type FormEvent } from 'react';
import { FileRequest, LORA_FILE_DEFAULT_BYTES, LORA_FILE_MAX_BYTES, LORA_MAX_HOP_LIMIT, type FileTransfer, type TransferState } from '../../../shared/contract/index.ts';
import { formatBytes, formatTime } from '../format.ts';
import { t as translate, useT } from '../i18n/index.ts';
import { NodeName } from '../identity/index.ts';
import { useNode, useStorage, useTransfers } from '../stores/index.ts';
import { Problem } from './Problem.tsx';

/** The size field is in KB of 1024 bytes, as the LoRa limits are. */
const KB = 1024;

const ACTIVE: ReadonlySet<TransferState> = new Set(['requesting', 'receiving', 'sending', 'paused']);
/** Widening an unanswered request asks this many relays further. */
const WIDEN_BY_HOPS = 2;

export function Files() {
  const { upload, addFromDisk, busy, error, notice, lastStored, stats } = useStorage();
  const desktop = useNode((store) => store.info?.host === 'desktop');
  const input = useRef<HTMLInputElement>(null);
  const t = useT();
  return (
    <section className="view">
      <h1>{t('files.title')}</h1>
      <div className="card">
        <h2 className="card-title">{t('files.addTitle')}</h2>
        <div className="toolbar">
          {desktop ? (
            <button type="button" disabled={busy} onClick={() => void addFromDisk()}>{t('files.addFile')}</button>
          ) : (
            <label className="upload">
              {t('files.upload')}{' '}
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
          {stats ? <span className="muted">{t('files.available', { size: formatBytes(stats.availableBytes) })}</span> : null}
        </div>
        <Problem error={error} />
        {notice ? <p role="status">{notice}</p> : null}
        {lastStored ? (
          <p>
            {t('files.storedBefore')} <code className="cid" data-testid="last-stored">{lastStored.id}</code> {t('files.storedAfter', { size: formatBytes(lastStored.size) })}
          </p>
        ) : null}
      </div>
      <LoraRequest />
      <LoraTransfers />
    </section>
  );
}

function LoraRequest() {
  const { request, busy, actionError, actionFor, estimate, loadEstimate } = useTransfers();
  const connected = useNode((store) => store.info !== undefined);
  const [contentId, setContentId] = useState('');
  const [maxKb, setMaxKb] = useState(String(LORA_FILE_DEFAULT_BYTES / KB));
  const checked = FileRequest.safeParse({ contentId: contentId.trim(), maxBytes: Number(maxKb) * KB });
  const maxBytes = FileRequest.shape.maxBytes.safeParse(Number(maxKb) * KB);
  const estimateFor = maxBytes.success ? maxBytes.data : undefined;
  // The cost up front: asked again as the size changes (and once connected).
  useEffect(() => {
    if (estimateFor !== undefined && connected) void loadEstimate(estimateFor);
  }, [estimateFor, connected, loadEstimate]);
  const problemWith = (field: 'contentId' | 'maxBytes') => (checked.success ? undefined : checked.error.issues.find((issue) => issue.path[0] === field));
  const idProblem = contentId.trim() === '' ? undefined : problemWith('contentId');
  const sizeProblem = problemWith('maxBytes');
  const t = useT();

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!checked.success) return;
    if (await request(checked.data.contentId, checked.data.maxBytes)) setContentId('');
  };

  return (
    <form className="card" onSubmit={(event) => void submit(event)} aria-labelledby="lora-request-title">
      <h2 className="card-title" id="lora-request-title">{t('files.requestTitle')}</h2>
      <p className="muted small-text">{t('files.requestHelp')}</p>
      <div className="toolbar lora-request">
        <label className="grow">
          {t('files.contentId')}
          <input
            value={contentId}
            onChange={(event) => setContentId(event.target.value)}
            placeholder={t('files.contentIdExample')}
            spellCheck={false}
            autoComplete="off"
            aria-invalid={idProblem ? true : undefined}
            aria-describedby="lora-content-id-problem"
            data-testid="lora-content-id"
          />
        </label>
        <label>
          {t('files.largestSize')}
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
        <button type="submit" disabled={busy || !checked.success} data-testid="lora-request">{t('files.request')}</button>
      </div>
      {estimate && estimateFor !== undefined ? (
        <p className="muted small-text" data-testid="lora-estimate">
          {t('files.estimate', {
            size: formatBytes(estimateFor),
            frames: estimate.frames,
            airtime: formatRadioSeconds(estimate.airtimeMsPerHop),
            preset: estimate.preset,
            hopLimit: estimate.hopLimit,
          })}
        </p>
      ) : null}
      <div aria-live="polite">
        {idProblem ? <p id="lora-content-id-problem" className="warn-text">{t('files.contentIdProblem', { problem: idProblem.message })}</p> : null}
        {sizeProblem ? <p id="lora-max-size-problem" className="warn-text">{t('files.sizeProblem', { max: LORA_FILE_MAX_BYTES / KB })}</p> : null}
      </div>
      <Problem error={actionFor === undefined ? actionError : undefined} />
    </form>
  );
}

function LoraTransfers() {
  const { transfers, cancel, resume, request, busy, actionError, actionFor } = useTransfers();
  const { download, exportToDisk } = useStorage();
  const storageBusy = useStorage((store) => store.busy);
  const desktop = useNode((store) => store.info?.host === 'desktop');
  const t = useT();
  return (
    <section className="card" aria-labelledby="lora-transfers-title">
      <h2 className="card-title" id="lora-transfers-title">{t('files.transfersTitle')}</h2>
      {transfers.length === 0 ? <p className="muted">{t('files.transfersEmpty')}</p> : null}
      <ul className="transfers" data-testid="lora-transfers">
        {transfers.map((transfer) => (
          <li key={transfer.id} className="transfer" data-testid="lora-transfer" data-state={transfer.state} data-direction={transfer.direction} data-content-id={transfer.contentId}>
            <div className="transfer-head">
              <span className="badge">{transfer.direction === 'incoming' ? t('files.incoming') : t('files.outgoing')}</span>
              {transfer.name ? <strong data-testid="lora-transfer-name">{transfer.name}</strong> : null}
              {transfer.mediaType ? <span className="muted small-text">{transfer.mediaType}</span> : null}
              <code className="cid">{transfer.contentId}</code>
              <span className="muted">{t('files.since', { time: formatTime(transfer.startedAt) })}</span>
            </div>
            <div className={`transfer-state state-${transfer.state}`} data-testid="lora-transfer-state">{t(`files.state.${transfer.state}`)}</div>
            <Reach transfer={transfer} />
            <div className="transfer-progress">
              {/* Busy (no value) only while it goes on; an ended transfer of unknown size shows no bar. */}
              {ACTIVE.has(transfer.state) || transfer.size !== null ? (
                <progress
                  max={transfer.size ?? 1}
                  value={transfer.size === null ? undefined : transfer.bytesDone}
                  aria-label={t('files.progressOf', { id: transfer.contentId.slice(0, 16) })}
                  aria-valuetext={progressText(transfer)}
                />
              ) : null}
              <span>{progressText(transfer)}</span>
              {transfer.etaMs !== null && ACTIVE.has(transfer.state) ? (
                <span title={t('files.etaHint')}>{describeRadioTime(transfer.etaMs)}</span>
              ) : null}
            </div>
            <Peers transfer={transfer} />
            {transfer.error ? <p className="bad-text small-text">{transfer.error}</p> : null}
            <div className="actions">
              {transfer.direction === 'incoming' && transfer.state === 'requesting' && transfer.unansweredMs !== null ? (
                <>
                  <button type="button" disabled={busy} onClick={() => void request(transfer.contentId, transfer.size ?? LORA_FILE_MAX_BYTES, transfer.hopLimit ?? undefined)} aria-label={t('files.tryAgainId', { id: transfer.contentId })}>
                    {t('files.tryAgain')}
                  </button>
                  {(transfer.hopLimit ?? LORA_MAX_HOP_LIMIT) < LORA_MAX_HOP_LIMIT ? (
                    <button
                      type="button"
                      disabled={busy}
                      onClick={() => void request(transfer.contentId, transfer.size ?? LORA_FILE_MAX_BYTES, widened(transfer))}
                      aria-label={t('files.widenId', { id: transfer.contentId, hops: widened(transfer) })}
                      data-testid="lora-widen"
                    >
                      {t('files.widen', { hops: widened(transfer) })}
                    </button>
                  ) : null}
                </>
              ) : null}
              {ACTIVE.has(transfer.state) ? (
                <button type="button" disabled={busy} onClick={() => void cancel(transfer.id)} aria-label={t('files.cancelTransfer', { id: transfer.contentId })}>
                  {t('common.cancel')}
                </button>
              ) : null}
              {transfer.direction === 'incoming' && transfer.state === 'failed' ? (
                <button type="button" disabled={busy} onClick={() => void resume(transfer.id)} aria-label={t('files.resumeTransfer', { id: transfer.contentId })}>
                  {t('files.resume')}
                </button>
              ) : null}
              {transfer.direction === 'incoming' && transfer.state === 'paused' ? <span className="muted">{t('files.goesOnByItself')}</span> : null}
              {transfer.direction === 'incoming' && transfer.state === 'done' ? (
                <>
                  <button type="button" disabled={storageBusy} onClick={() => void download(transfer.contentId)} aria-label={t('files.downloadId', { id: transfer.contentId })}>
                    {t('common.download')}
                  </button>
                  {desktop ? (
                    <button type="button" disabled={storageBusy} onClick={() => void exportToDisk(transfer.contentId)} aria-label={t('files.saveId', { id: transfer.contentId })}>
                      {t('common.saveAs')}
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

const widened = (transfer: FileTransfer) => Math.min(LORA_MAX_HOP_LIMIT, (transfer.hopLimit ?? 0) + WIDEN_BY_HOPS);

/** How far the other end is, what the file costs on air, and an unanswered request said as such. */
function Reach({ transfer }: { transfer: FileTransfer }) {
  const t = useT();
  const parts: string[] = [];
  if (transfer.unansweredMs !== null) {
    parts.push(t('files.unanswered', { seconds: Math.round(transfer.unansweredMs / 1000), hopLimit: transfer.hopLimit ?? 0 }));
  } else if (transfer.hops !== null) {
    const other = transfer.direction === 'incoming' ? 'holder' : 'receiver';
    parts.push(transfer.hops <= 1 ? t(`files.${other}Neighbour`) : t(`files.${other}Hops`, { hops: transfer.hops, count: transfer.hops - 1 }));
  } else if (transfer.state === 'requesting' && transfer.hopLimit !== null) {
    parts.push(t('files.askingWithin', { hopLimit: transfer.hopLimit }));
  }
  if (transfer.airtimeMs !== null) parts.push(t('files.airtime', { airtime: formatRadioSeconds(transfer.airtimeMs), count: transfer.hops ?? 1 }));
  if (parts.length === 0) return null;
  return <div className="small-text" data-testid="lora-transfer-reach">{parts.join(' · ')}</div>;
}

function Peers({ transfer }: { transfer: FileTransfer }) {
  const t = useT();
  if (transfer.peers.length === 0 && transfer.badPeers.length === 0) return null;
  return (
    <div className="small-text">
      {transfer.peers.length > 0 ? (
        <div>
          {transfer.direction === 'incoming' ? t('files.fromPeers') : t('files.toPeers')}{' '}
          {transfer.peers.map((peer, index) => (
            <Fragment key={peer}>
              {index > 0 ? ', ' : null}
              <NodeName id={peer} />
            </Fragment>
          ))}
        </div>
      ) : null}
      {transfer.badPeers.length > 0 ? (
        <div className="bad-peers warn-text" data-testid="lora-bad-peers">
          <span aria-hidden="true">⚠ </span>{t('files.badPeers')} <code className="cid">{transfer.badPeers.join(', ')}</code> {t('files.badPeersWhy')}
        </div>
      ) : null}
    </div>
  );
}

function progressText(transfer: FileTransfer): string {
  if (transfer.size === null) return transfer.state === 'requesting' ? translate('files.sizeUnknownRequesting') : translate('files.sizeUnknown');
  const sizes = { done: formatBytes(transfer.bytesDone), total: formatBytes(transfer.size) };
  if (transfer.chunksTotal === null) return translate('files.progress', sizes);
  return translate('files.progressChunks', { ...sizes, chunksDone: transfer.chunksDone, chunksTotal: transfer.chunksTotal });
}

/** Radio time on air, to the second under a minute. */
function formatRadioSeconds(ms: number): string {
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return translate('files.seconds', { seconds });
  return translate('files.minutesSeconds', { minutes: Math.floor(seconds / 60), seconds: seconds % 60 });
}

/** Radio time, not wall-clock time: the channel's pace for what is left. */
function describeRadioTime(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  if (minutes < 1) return translate('files.radioTimeUnderMinute');
  if (minutes < 60) return translate('files.radioTimeMinutes', { minutes });
  const hours = Math.floor(minutes / 60);
  return minutes % 60 ? translate('files.radioTimeHoursMinutes', { hours, minutes: minutes % 60 }) : translate('files.radioTimeHours', { hours });
}
