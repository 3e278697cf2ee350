import { useState } from 'react';
import type { EmergencyPriority } from '../../../shared/contract/index.ts';
import { formatTime } from '../format.ts';
import { useT } from '../i18n/index.ts';
import { useEmergency, useRadio } from '../stores/index.ts';
import { Problem } from './Problem.tsx';

const templates = ['medical', 'fire', 'flood', 'missing', 'allClear'] as const;
const priorities: readonly EmergencyPriority[] = ['life_threatening', 'urgent', 'advisory'];
const MAX_BYTES = 115;

export function Emergency() {
  const { history, acks, error, sending, send, setAcks } = useEmergency();
  const radioReady = useRadio((store) => store.state.phase === 'ready');
  const [text, setText] = useState('');
  const [priority, setPriority] = useState<EmergencyPriority>('urgent');
  const [confirming, setConfirming] = useState(false);
  const coolingDown = error?.reason === 'cooling_down';
  const t = useT();

  const confirmSend = async () => {
    const sent = await send(text.trim(), priority, coolingDown);
    if (sent) {
      setConfirming(false);
      setText('');
    }
  };

  return (
    <section className="view">
      <h1>{t('emergency.title')}</h1>
      <div className="card emergency-card">
        <label className="block">
          {t('emergency.message')} <span className="muted">{t('emergency.bytes', { used: new TextEncoder().encode(text).length, max: MAX_BYTES })}</span>
          <textarea value={text} maxLength={MAX_BYTES} rows={2} onChange={(event) => setText(event.target.value)} data-testid="emergency-text" />
        </label>
        <div className="toolbar">
          {templates.map((template) => (
            <button type="button" key={template} className="template" onClick={() => setText(t(`emergency.templates.${template}`))}>
              {t(`emergency.templates.${template}`)}
            </button>
          ))}
        </div>
        <div className="toolbar">
          <label>
            {t('emergency.priority')}{' '}
            <select value={priority} onChange={(event) => setPriority(event.target.value as EmergencyPriority)}>
              {priorities.map((option) => (
                <option key={option} value={option}>{t(`priority.${option}`)}</option>
              ))}
            </select>
          </label>
          <label>
            <input type="checkbox" checked={acks} onChange={(event) => void setAcks(event.target.checked)} /> {t('emergency.sendAcks')}
          </label>
        </div>
        {!confirming ? (
          <button type="button" className="big-red" disabled={text.trim() === '' || sending} onClick={() => setConfirming(true)} data-testid="emergency-send">
            {t('emergency.send')}
          </button>
        ) : (
          <div className="confirm" role="alertdialog" aria-label={t('emergency.confirmLabel')}>
            <p>
              {t('emergency.confirmQuestion', { text: text.trim(), priority: t(`priority.${priority}`) })}
              {radioReady ? '' : ` ${t('emergency.radioNotReady')}`}
            </p>
            {coolingDown ? <p className="warn-text">{error?.message} {t('emergency.confirmAgainHint')}</p> : null}
            <button type="button" className="big-red" onClick={() => void confirmSend()} disabled={sending} data-testid="emergency-confirm">
              {coolingDown ? t('emergency.sendAgainNow') : t('emergency.broadcastNow')}
            </button>{' '}
            <button type="button" onClick={() => setConfirming(false)}>{t('common.cancel')}</button>
          </div>
        )}
        {!coolingDown ? <Problem error={error} /> : null}
      </div>
      <div className="card">
        <table className="table" data-testid="emergency-history">
          <caption>{t('emergency.historyCaption')}</caption>
          <thead>
            <tr><th scope="col">{t('emergency.time')}</th><th scope="col">{t('emergency.direction')}</th><th scope="col">{t('emergency.message')}</th><th scope="col">{t('emergency.from')}</th><th scope="col">{t('emergency.verified')}</th><th scope="col">{t('emergency.ackedBy')}</th></tr>
          </thead>
          <tbody>
            {history.map((record) => (
              <tr key={record.id}>
                <td>{formatTime(record.at)}</td>
                <td>{t(`emergency.${record.direction}`)}</td>
                <td>{record.text}</td>
                <td>{record.fromNode ?? t('common.none')}</td>
                <td>{record.signed === false ? t('emergency.notSigned') : record.verified ? t('common.yes') : t('emergency.notYet')}</td>
                <td data-testid="acked-by">{record.direction === 'sent' ? (record.ackedBy.length ? record.ackedBy.map((key) => key.slice(0, 8)).join(', ') : t('emergency.nobodyYet')) : t('common.none')}</td>
              </tr>
            ))}
            {history.length === 0 ? <tr><td colSpan={6} className="muted">{t('emergency.noneYet')}</td></tr> : null}
          </tbody>
        </table>
      </div>
    </section>
  );
}
