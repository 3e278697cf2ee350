import { useState } from 'react';
import type { EmergencyPriority } from '../../../shared/contract/index.ts';
import { formatTime } from '../format.ts';
import { useEmergency, useRadio } from '../stores/index.ts';
import { Problem } from './Problem.tsx';

const templates = [
  'Medical emergency, need evacuation',
  'Fire spreading, leave the area now',
  'Flooding, move to high ground',
  'Person missing, join the search',
  'All clear',
];

const priorities: { value: EmergencyPriority; label: string }[] = [
  { value: 'life_threatening', label: 'Life-threatening' },
  { value: 'urgent', label: 'Urgent' },
  { value: 'advisory', label: 'Advisory' },
];

export function Emergency() {
  const { history, acks, error, sending, send, setAcks } = useEmergency();
  const radioReady = useRadio((store) => store.state.phase === 'ready');
  const [text, setText] = useState('');
  const [priority, setPriority] = useState<EmergencyPriority>('urgent');
  const [confirming, setConfirming] = useState(false);
  const coolingDown = error?.reason === 'cooling_down';

  const confirmSend = async () => {
    const sent = await send(text.trim(), priority, coolingDown);
    if (sent) {
      setConfirming(false);
      setText('');
    }
  };

  return (
    <section className="view">
      <h1>Emergency</h1>
      <div className="card emergency-card">
        <label className="block">
          Message <span className="muted">({new TextEncoder().encode(text).length}/115 bytes)</span>
          <textarea value={text} maxLength={115} rows={2} onChange={(event) => setText(event.target.value)} data-testid="emergency-text" />
        </label>
        <div className="toolbar">
          {templates.map((template) => (
            <button type="button" key={template} className="template" onClick={() => setText(template)}>
              {template}
            </button>
          ))}
        </div>
        <div className="toolbar">
          <label>
            Priority{' '}
            <select value={priority} onChange={(event) => setPriority(event.target.value as EmergencyPriority)}>
              {priorities.map((option) => (
                <option key={option.value} value={option.value}>{option.label}</option>
              ))}
            </select>
          </label>
          <label>
            <input type="checkbox" checked={acks} onChange={(event) => void setAcks(event.target.checked)} /> Acknowledge emergencies we receive
          </label>
        </div>
        {!confirming ? (
          <button type="button" className="big-red" disabled={text.trim() === '' || sending} onClick={() => setConfirming(true)} data-testid="emergency-send">
            SEND EMERGENCY
          </button>
        ) : (
          <div className="confirm" role="alertdialog" aria-label="Confirm emergency broadcast">
            <p>
              Broadcast “{text.trim()}” to the whole mesh as <strong>{priorities.find((option) => option.value === priority)?.label}</strong>?
              {radioReady ? '' : ' The radio is not connected: it goes out as soon as it is.'}
            </p>
            {coolingDown ? <p className="warn-text">{error?.message} Confirm again to send it anyway.</p> : null}
            <button type="button" className="big-red" onClick={() => void confirmSend()} disabled={sending} data-testid="emergency-confirm">
              {coolingDown ? 'Yes, send it again now' : 'Yes, broadcast now'}
            </button>{' '}
            <button type="button" onClick={() => setConfirming(false)}>Cancel</button>
          </div>
        )}
        {!coolingDown ? <Problem error={error} /> : null}
      </div>
      <div className="card">
        <table className="table" data-testid="emergency-history">
          <caption>Emergencies sent and received</caption>
          <thead>
            <tr><th scope="col">Time</th><th scope="col">Direction</th><th scope="col">Message</th><th scope="col">From</th><th scope="col">Verified</th><th scope="col">Acknowledged by</th></tr>
          </thead>
          <tbody>
            {history.map((record) => (
              <tr key={record.id}>
                <td>{formatTime(record.at)}</td>
                <td>{record.direction}</td>
                <td>{record.text}</td>
                <td>{record.fromNode ?? '—'}</td>
                <td>{record.verified ? 'yes' : 'not yet'}</td>
                <td data-testid="acked-by">{record.direction === 'sent' ? (record.ackedBy.length ? record.ackedBy.map((key) => key.slice(0, 8)).join(', ') : 'nobody yet') : '—'}</td>
              </tr>
            ))}
            {history.length === 0 ? <tr><td colSpan={6} className="muted">None yet.</td></tr> : null}
          </tbody>
        </table>
      </div>
    </section>
  );
}
