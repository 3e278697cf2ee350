import { CATALOGUE_MAX_ENTRIES, type CatalogueEntry } from '../../../shared/contract/index.ts';
import { formatBytes } from '../format.ts';
import { useT } from '../i18n/index.ts';
import { NodeName } from '../identity/index.ts';
import { CATALOGUE_PAGE, requestVia, useCatalogue, useTransfers } from '../stores/index.ts';
import { Problem } from './Problem.tsx';

const shortId = (id: string) => `${id.slice(0, 14)}…${id.slice(-6)}`;

/** Every content id the node knows of (held here, learned over LoRa, announced over IP), with who holds it and a request one click away. */
export function Catalogue() {
  const { query, offset, page, error, search, pageTo } = useCatalogue();
  const t = useT();
  const total = page?.total ?? 0;
  return (
    <section className="view">
      <h1>{t('catalogue.title')}</h1>
      <p className="muted">{t('catalogue.explain', { max: CATALOGUE_MAX_ENTRIES.toLocaleString() })}</p>
      <div className="toolbar">
        <label className="catalogue-search">
          {t('catalogue.search')}{' '}
          <input type="search" value={query} data-testid="catalogue-search" placeholder={t('catalogue.searchPlaceholder')} onChange={(event) => void search(event.target.value)} />
        </label>
        <span className="muted" data-testid="catalogue-known">{page ? t('catalogue.known', { count: page.known }) : ''}</span>
      </div>
      <Problem error={error} />
      <div className="card">
        <table className="table catalogue-table" data-testid="catalogue-table">
          <caption>{t('catalogue.caption', { total })}</caption>
          <thead>
            <tr>
              <th scope="col">{t('catalogue.name')}</th>
              <th scope="col">{t('catalogue.size')}</th>
              <th scope="col">{t('catalogue.type')}</th>
              <th scope="col">{t('catalogue.holders')}</th>
              <th scope="col">{t('catalogue.heldHere')}</th>
              <th scope="col">{t('catalogue.action')}</th>
            </tr>
          </thead>
          <tbody>
            {page?.entries.map((entry) => <Row key={entry.contentId} entry={entry} />)}
            {page && page.entries.length === 0 ? (
              <tr><td colSpan={6} className="muted" data-testid="catalogue-empty">{query ? t('catalogue.noMatch') : t('catalogue.empty')}</td></tr>
            ) : null}
          </tbody>
        </table>
        <div className="toolbar pager">
          <button type="button" disabled={offset === 0} onClick={() => void pageTo(offset - CATALOGUE_PAGE)}>{t('index.previous')}</button>
          <span className="muted">{total === 0 ? '' : t('index.pageRange', { from: offset + 1, to: Math.min(total, offset + CATALOGUE_PAGE), total })}</span>
          <button type="button" disabled={offset + CATALOGUE_PAGE >= total} onClick={() => void pageTo(offset + CATALOGUE_PAGE)}>{t('index.next')}</button>
        </div>
      </div>
    </section>
  );
}

function Row({ entry }: { entry: CatalogueEntry }) {
  const t = useT();
  return (
    <tr data-testid="catalogue-entry" data-id={entry.contentId} data-held={entry.heldHere ? 'yes' : 'no'} data-size={entry.size ?? ''}>
      <td>
        {entry.name ? <span className="catalogue-name">{entry.name}</span> : null}{' '}
        <code className="cid" title={entry.contentId}>{shortId(entry.contentId)}</code>
      </td>
      <td data-testid="catalogue-size">
        {entry.size === undefined ? <SizeUnknown entry={entry} /> : formatBytes(entry.size)}
        {entry.size !== undefined && entry.sizeClaimed ? <span className="muted small-text">{' '}{t('catalogue.claimed')}</span> : null}
        {entry.blocks === undefined ? null : <div className="muted small-text">{t('catalogue.blocks', { count: entry.blocks })}</div>}
      </td>
      <td>{entry.type ?? <span className="muted">{t('catalogue.typeUnknown')}</span>}</td>
      <td data-testid="catalogue-holders">
        {entry.holders.map((holder) => (
          <span key={`${holder.transport}:${holder.nodeId}`} className="catalogue-holder" data-testid="catalogue-holder" data-transport={holder.transport} data-node={holder.nodeId}>
            <span className={`badge badge-${holder.transport}`}>{t(`catalogue.transport.${holder.transport}`)}</span>
            <NodeName id={holder.nodeId} />
          </span>
        ))}
        {entry.holders.length === 0 ? <span className="muted">{entry.learnedOverLora ? t('catalogue.learnedEarlier') : t('catalogue.noHolders')}</span> : null}
      </td>
      <td>{entry.heldHere ? <span className="sync-ok">{t('common.yes')}</span> : <span className="muted">{t('common.no')}</span>}</td>
      <td data-testid="catalogue-action"><RequestAction entry={entry} /></td>
    </tr>
  );
}

/** "size unknown", and why nobody could say it when the reason is known. */
function SizeUnknown({ entry }: { entry: CatalogueEntry }) {
  const t = useT();
  const why = entry.largeFile ? 'catalogue.sizeUnknownLarge' : entry.learnedOverLora ? 'catalogue.sizeUnknownLora' : undefined;
  return (
    <span className="muted">
      {t('catalogue.sizeUnknown')}
      {why ? <span className="small-text catalogue-size-why">{t(why)}</span> : null}
    </span>
  );
}

/** The Request button, or in words what became of the request. */
function RequestAction({ entry }: { entry: CatalogueEntry }) {
  const outcome = useCatalogue((store) => store.outcomes[entry.contentId]);
  const request = useCatalogue((store) => store.request);
  const transfer = useTransfers((store) => (outcome?.state === 'asked' ? store.transfers.find((view) => view.id === outcome.transferId) : undefined));
  const t = useT();
  const via = requestVia(entry);
  if (outcome?.state === 'fetching') return <span data-testid="catalogue-outcome">{t('catalogue.fetchingIp')}</span>;
  if (outcome?.state === 'stored') return <span data-testid="catalogue-outcome" className="sync-ok">{t('catalogue.storedIp')}</span>;
  if (outcome?.state === 'asked' && transfer?.state !== 'failed' && transfer?.state !== 'cancelled') {
    return <span data-testid="catalogue-outcome">{t('catalogue.askedLora', { state: t(`files.state.${transfer?.state ?? 'requesting'}`) })}</span>;
  }
  if (entry.heldHere) return <span className="muted">{t('catalogue.alreadyHere')}</span>;
  return (
    <>
      {via ? (
        <button type="button" className="small" data-testid="catalogue-request" onClick={() => void request(entry)} aria-label={t('catalogue.requestId', { id: entry.contentId, via: t(`catalogue.transport.${via}`) })}>
          {t(via === 'ip' ? 'catalogue.requestIp' : 'catalogue.requestLora')}
        </button>
      ) : (
        <span className="muted">{t('catalogue.nobodyToAsk')}</span>
      )}
      {outcome?.state === 'refused' ? <div data-testid="catalogue-outcome" className="small-text"><Problem error={outcome.error} /></div> : null}
      {outcome?.state === 'asked' && transfer ? <div data-testid="catalogue-outcome" className="small-text bad">{t('catalogue.loraEnded', { state: t(`files.state.${transfer.state}`), error: transfer.error ?? '' })}</div> : null}
    </>
  );
}
