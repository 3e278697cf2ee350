import { useConnection, useNode } from '../stores/index.ts';
import { formatDuration } from '../format.ts';
import { useT } from '../i18n/index.ts';

export function StatusBar() {
  const { state, via } = useConnection();
  const status = useNode((store) => store.status);
  const info = useNode((store) => store.info);
  const t = useT();
  let text: string;
  let tone: 'ok' | 'warn' | 'bad';
  if (state.phase === 'open') {
    text = via === 'desktop' ? t('status.inApp') : t('status.connected');
    tone = 'ok';
  } else if (state.phase === 'connecting') {
    text = state.attempt > 1 ? t('status.reconnecting', { attempt: state.attempt }) : t('status.connecting');
    tone = 'warn';
  } else {
    text = state.error.message;
    tone = state.willRetry ? 'warn' : 'bad';
  }
  return (
    <footer className="status-bar" role="status" aria-live="polite">
      <span className={`pill pill-${tone}`} data-testid="connection-state" data-phase={state.phase}>
        <span className="dot" aria-hidden="true" />
        {text}
      </span>
      {state.phase === 'closed' && state.error.fix ? <span className="fix">{state.error.fix}</span> : null}
      <span className="spacer" />
      {info ? <span>{info.mesh.networkId}</span> : null}
      {status ? <span>{t('status.uptime', { duration: formatDuration(status.uptimeS) })}</span> : null}
      {info ? <span>v{info.version}</span> : null}
    </footer>
  );
}
