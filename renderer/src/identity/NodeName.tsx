import { useId, useState } from 'react';
import { useT } from '../i18n/index.ts';
import { useMesh, useRadio } from '../stores/index.ts';
import { fallbackLabel, identityOf } from './identity.ts';

/**
 * A node shown by one name wherever it appears (the owner name of its radio), whichever id the
 * caller holds; every id it goes by shows on hover or focus, and one click copies them.
 */
export function NodeName({ id }: { id: string }) {
  const peers = useMesh((store) => store.peers);
  const radios = useRadio((store) => store.nodes);
  const [copied, setCopied] = useState(false);
  const tooltipId = useId();
  const t = useT();
  const identity = identityOf(id, peers, radios);
  const ids: string[] = [];
  if (identity.radio) ids.push(t('identity.radio', { id: identity.radio }));
  if (identity.keyId) ids.push(t('identity.key', { id: identity.keyId }));
  if (identity.fingerprint) ids.push(t('identity.fingerprint', { id: identity.fingerprint }));
  if (identity.peerId) ids.push(t('identity.peer', { id: identity.peerId }));
  // The clipboard API exists only in a secure context (the desktop app, or a console on localhost).
  const canCopy = ids.length > 0 && typeof navigator.clipboard?.writeText === 'function';
  const copy = () => {
    void navigator.clipboard.writeText(ids.join('\n')).then(() => setCopied(true), () => setCopied(false));
  };
  return (
    <span className="node-name" data-testid="node-name" data-node-id={id} tabIndex={ids.length > 0 ? 0 : undefined} aria-describedby={ids.length > 0 ? tooltipId : undefined}>
      {identity.name ?? fallbackLabel(id, identity)}
      {ids.length > 0 ? (
        <span role="tooltip" id={tooltipId} className="node-ids" data-testid="node-ids">
          {ids.map((line) => (
            <span key={line}>{line}</span>
          ))}
        </span>
      ) : null}
      {canCopy ? (
        <button type="button" className="copy-ids" aria-label={copied ? t('identity.copied') : t('identity.copy')} title={copied ? t('identity.copied') : t('identity.copy')} onClick={copy}>
          <svg viewBox="0 0 16 16" width="12" height="12" aria-hidden="true">
            <rect x="5" y="5" width="9" height="9" rx="1" fill="none" stroke="currentColor" strokeWidth="1.5" />
            <path d="M3 11V3a1 1 0 0 1 1-1h7" fill="none" stroke="currentColor" strokeWidth="1.5" />
          </svg>
        </button>
      ) : null}
    </span>
  );
}
