import { useState } from 'react';
import { EMERGENCY_TEXT_MAX_BYTES, type EmergencyPriority, type EmergencyRecord } from '../../../shared/contract/index.ts';
import { formatTime } from '../format.ts';
import { useT } from '../i18n/index.ts';
import { NodeName } from '../identity/index.ts';
import { useEmergency, useRadio } from '../stores/index.ts';
import { Problem } from './Problem.tsx';
import { RollCall } from './RollCall.tsx';

const templates = ['medical', 'fire', 'flood', 'missing'] as const;
const priorities: readonly EmergencyPriority[] = ['life_threatening', 'urgent', 'advisory'];
const MAX_BYTES = EMERGENCY_TEXT_MAX_BYTES;

export function Emergency() {
  const { history, acks, error, sending, send, setAcks } = useEmergency();
  const radioReady = useRadio((store) => store.state.phase === 'ready');
  const [text, setText] = useState('');
  const [priority, setPriority] = useState<EmergencyPriority>('urgent');
  const [confirming, setConfirming] = useState(false);
  const [shownRollCall, setShownRollCall] = useState<string | undefined>();
  const coolingDown = error?.reason === 'cooling_down';
  const t = useT();
  // The roll-call shown: the one picked in the history, else our newest emergency.
  const rollCallRecord = history.find((record) => record.id === shownRollCall) ?? history.find((record) => record.direction === 'sent');

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
      {rollCallRecord ? <RollCall record={rollCallRecord} /> : null}
      <div className="card">
        <table className="table" data-testid="emergency-history">
          <caption>{t('emergency.historyCaption')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('emergency.time')}</th>
              <th scope="col">{t('emergency.direction')}</th>
              <th scope="col">{t('emergency.priority')}</th>
              <th scope="col">{t('emergency.message')}</th>
              <th scope="col">{t('emergency.from')}</th>
              <th scope="col">{t('emergency.verified')}</th>
              <th scope="col">{t('emergency.state')}</th>
            </tr>
          </thead>
          <tbody>
            {history.map((record) => (
              <tr key={record.id} data-testid="emergency-row" data-id={record.id}>
                <td>{formatTime(record.at)}</td>
                <td>{t(`emergency.${record.direction}`)}</td>
                <td data-testid="emergency-priority">{t(`priority.${record.priority}`)}</td>
                <td>{record.text}</td>
                <td>{record.direction === 'sent' ? t('common.none') : record.fromNode?.startsWith('!') ? <NodeName id={record.fromNode} /> : (record.fromNode ?? t('common.none'))}</td>
                <td>{record.signed === false ? t('emergency.notSigned') : record.verified ? t('common.yes') : t('emergency.notYet')}</td>
                <td data-testid="emergency-state">
                  <EmergencyState record={record} />
                  {record.rollCall ? (
                    <>
                      {' '}
                      <button type="button" onClick={() => setShownRollCall(record.id)} aria-pressed={rollCallRecord?.id === record.id}>
                        {t('emergency.showRollCall')}
                      </button>
                    </>
                  ) : null}
                </td>
              </tr>
            ))}
            {history.length === 0 ? <tr><td colSpan={7} className="muted">{t('emergency.noneYet')}</td></tr> : null}
          </tbody>
        </table>
      </div>
    </section>
  );
}

/** One line on where an emergency stands: closed, how far our own got, or whether a person here saw it. */
function EmergencyState({ record }: { record: EmergencyRecord }) {
  const t = useT();
  if (record.closed) {
    return <>{record.closed.text ? t('emergency.closedWhy', { time: formatTime(record.closed.at), why: record.closed.text }) : t('emergency.closed', { time: formatTime(record.closed.at) })}</>;
  }
  if (record.direction === 'received') return <>{record.acknowledged ? t('emergency.seenHere') : t('emergency.notSeenHere')}</>;
  const members = record.rollCall?.members ?? [];
  const answered = members.filter((member) => member.answer !== 'silent').length;
  return (
    <>
      {record.air ? t(`emergency.air.${record.air.state}`) : null}
      {members.length > 0 ? ` · ${t('emergency.rollCallSummary', { answered, total: members.length })}` : null}
    </>
  );
}
