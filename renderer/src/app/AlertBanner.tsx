import { useEffect } from 'react';
import { formatTime } from '../format.ts';
import { useT } from '../i18n/index.ts';
import { NodeName } from '../identity/index.ts';
import { unacknowledged, useEmergency } from '../stores/index.ts';

/** A two-tone alarm from the Web Audio API: no sound file, nothing fetched. */
function soundAlarm(): void {
  const context = new AudioContext();
  const oscillator = context.createOscillator();
  const gain = context.createGain();
  oscillator.type = 'square';
  gain.gain.value = 0.15;
  for (let i = 0; i < 6; i += 1) oscillator.frequency.setValueAtTime(i % 2 === 0 ? 880 : 660, context.currentTime + i * 0.25);
  oscillator.connect(gain).connect(context.destination);
  oscillator.start();
  oscillator.stop(context.currentTime + 1.5);
  oscillator.onended = () => void context.close();
}

/** Received emergencies stay on screen, above every view, until the operator acknowledges them. */
export function AlertBanner() {
  const history = useEmergency((store) => store.history);
  const acknowledge = useEmergency((store) => store.acknowledge);
  const t = useT();
  const open = unacknowledged(history);
  const newest = open[0]?.id;

  useEffect(() => {
    if (newest) soundAlarm();
  }, [newest]);

  if (open.length === 0) return null;
  return (
    <div className="alert-banner" role="alert" aria-live="assertive" data-testid="alert-banner">
      {open.map((record) => (
        <div key={record.id} className="alert-item">
          <div>
            <strong className="alert-title">{record.signed === false ? t('alert.stockTitle') : t('alert.title', { priority: t(`priority.${record.priority}`) })}</strong>
            <div className="alert-text">{record.text}</div>
            <div className="alert-meta">
              {record.fromNode?.startsWith('!') ? (
                <>
                  {t('alert.from', { node: '' })}
                  <NodeName id={record.fromNode} />
                </>
              ) : (
                t('alert.from', { node: record.fromNode ?? t('alert.unknownRadio') })
              )}{' '}
              ·{' '}
              {record.signed === false ? (
                <span className="unverified">{t('alert.notSigned')}</span>
              ) : (
                <span className={record.verified ? 'verified' : 'unverified'}>{record.verified ? t('alert.verified') : t('alert.unverified')}</span>
              )}{' '}
              · {formatTime(record.at)}
              {record.hops !== undefined ? ` · ${t('common.hops', { count: record.hops })}` : ''}
              {record.position ? ` · ${t('alert.at', { position: `${record.position.latitude.toFixed(5)}, ${record.position.longitude.toFixed(5)}` })}` : ''}
            </div>
          </div>
          {/* A signed emergency's author hears that a person saw it; a stock alert has nobody to tell. */}
          <button type="button" onClick={() => void acknowledge(record.id)} data-testid="alert-seen">
            {record.signed === false ? t('alert.acknowledge') : t('alert.seen')}
          </button>
        </div>
      ))}
    </div>
  );
}
