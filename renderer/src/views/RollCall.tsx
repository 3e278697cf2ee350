import { useState } from 'react';
import { ALL_CLEAR_TEXT_MAX_BYTES, type EmergencyRecord, type RollCallAnswer } from '../../../shared/contract/index.ts';
import { formatTime } from '../format.ts';
import { useT } from '../i18n/index.ts';
import { NodeName } from '../identity/index.ts';
import { useEmergency } from '../stores/index.ts';

const answerTone: Record<RollCallAnswer, 'ok' | 'warn' | 'bad'> = { seen: 'ok', received: 'ok', delivered: 'warn', silent: 'bad' };

/** Who answered one of our emergencies, how far it got on air, and the sender's controls: stop repeats, all-clear. */
export function RollCall({ record }: { record: EmergencyRecord }) {
  const stopRepeats = useEmergency((store) => store.stopRepeats);
  const allClear = useEmergency((store) => store.allClear);
  const [closing, setClosing] = useState(false);
  const [why, setWhy] = useState('');
  const t = useT();
  const members = record.rollCall?.members ?? [];
  const open = record.direction === 'sent' && !record.closed;
  const clearing = record.direction === 'sent' && record.closed !== undefined && record.rollCall?.repeating === true;

  const sendAllClear = async () => {
    if (await allClear(record.id, why.trim())) {
      setClosing(false);
      setWhy('');
    }
  };

  return (
    <div className="card" data-testid="roll-call" data-id={record.id}>
      <h2>{t('emergency.rollCallTitle', { text: record.text })}</h2>
      <p>
        <span className={`pill pill-${record.closed ? 'ok' : record.air?.state === 'not_relayed' ? 'bad' : record.air?.state === 'relayed' ? 'ok' : 'warn'}`} data-testid="emergency-air" data-state={record.air?.state}>
          <span className="dot" aria-hidden="true" />
          {record.closed ? t('emergency.closed', { time: formatTime(record.closed.at) }) : record.air ? t(`emergency.air.${record.air.state}`) : t('common.none')}
        </span>
        {record.air && record.air.sends > 1 ? <span className="muted"> · {t('emergency.resent', { count: record.air.sends })}</span> : null}
        {record.position ? <span className="muted"> · {t('emergency.position')}: {record.position.latitude.toFixed(5)}, {record.position.longitude.toFixed(5)}</span> : null}
      </p>
      {members.length === 0 ? (
        <p className="muted">{t('emergency.noRollCall')}</p>
      ) : (
        <table className="table" data-testid="roll-call-table">
          <caption>{t('emergency.rollCallCaption')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('emergency.node')}</th>
              <th scope="col">{t('emergency.answer')}</th>
              <th scope="col">{t('emergency.answeredAt')}</th>
              <th scope="col">{t('emergency.asks')}</th>
              {record.closed ? <th scope="col">{t('emergency.allClearColumn')}</th> : null}
            </tr>
          </thead>
          <tbody>
            {members.map((member) => (
              <tr key={member.keyId ?? member.node} data-testid="roll-call-member" data-node={member.node} data-answer={member.answer}>
                <td>{member.node.startsWith('!') ? <NodeName id={member.node} /> : member.keyId ? <NodeName id={member.keyId} /> : member.node}</td>
                <td>
                  <span className={`pill pill-${answerTone[member.answer]}`}>
                    <span className="dot" aria-hidden="true" />
                    {t(`emergency.answers.${member.answer}`)}
                  </span>
                </td>
                <td>{member.answeredAt === undefined ? t('common.none') : formatTime(member.answeredAt)}</td>
                <td>
                  {member.asks}
                  {member.nextAskAt !== undefined ? <span className="muted"> · {t('emergency.nextAsk', { time: formatTime(member.nextAskAt) })}</span> : null}
                </td>
                {record.closed ? (
                  <td data-testid="roll-call-cleared" data-cleared={member.cleared === undefined ? 'none' : String(member.cleared)}>
                    {member.cleared === undefined ? t('common.none') : t(member.cleared ? 'emergency.clearConfirmed' : 'emergency.clearSending')}
                  </td>
                ) : null}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {clearing ? (
        <div className="toolbar">
          <p className="muted" data-testid="roll-call-repeating">{t('emergency.clearRepeating')}</p>
          <button type="button" onClick={() => void stopRepeats(record.id)} data-testid="stop-repeats">{t('emergency.stopRepeats')}</button>
        </div>
      ) : null}
      {open ? (
        <>
          <p className="muted" data-testid="roll-call-repeating">{record.rollCall?.repeating ? t('emergency.repeating') : t('emergency.notRepeating')}</p>
          <div className="toolbar">
            {record.rollCall?.repeating ? (
              <button type="button" onClick={() => void stopRepeats(record.id)} data-testid="stop-repeats">{t('emergency.stopRepeats')}</button>
            ) : null}
            {!closing ? (
              <button type="button" onClick={() => setClosing(true)} data-testid="all-clear">{t('emergency.allClear')}</button>
            ) : null}
          </div>
          {closing ? (
            <div className="confirm" role="alertdialog" aria-label={t('emergency.allClearLabel')}>
              <label className="block">
                {t('emergency.allClearReason')} <span className="muted">{t('emergency.bytes', { used: new TextEncoder().encode(why).length, max: ALL_CLEAR_TEXT_MAX_BYTES })}</span>
                <input type="text" value={why} maxLength={ALL_CLEAR_TEXT_MAX_BYTES} onChange={(event) => setWhy(event.target.value)} data-testid="all-clear-text" />
              </label>
              <button type="button" onClick={() => void sendAllClear()} data-testid="all-clear-send">{t('emergency.allClearSend')}</button>{' '}
              <button type="button" onClick={() => setClosing(false)}>{t('common.cancel')}</button>
            </div>
          ) : null}
        </>
      ) : null}
    </div>
  );
}
