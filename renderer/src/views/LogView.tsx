import { useMemo, useState } from 'react';
import type { LogLevel } from '../../../shared/contract/index.ts';
import { formatTime } from '../format.ts';
import { useT } from '../i18n/index.ts';
import { useLog } from '../stores/index.ts';

const levels: LogLevel[] = ['debug', 'info', 'warn', 'error'];

export function LogView() {
  const { entries, skipped } = useLog();
  const t = useT();
  const [minLevel, setMinLevel] = useState<LogLevel>('info');
  const [filter, setFilter] = useState('');
  const shown = useMemo(() => {
    const rank = levels.indexOf(minLevel);
    const needle = filter.trim().toLowerCase();
    return entries
      .filter((entry) => levels.indexOf(entry.level) >= rank)
      .filter((entry) => !needle || entry.message.toLowerCase().includes(needle) || entry.source.includes(needle))
      .slice(-500)
      .reverse();
  }, [entries, minLevel, filter]);
  return (
    <section className="view">
      <h1>{t('log.title')}</h1>
      <div className="toolbar">
        <label>
          {t('log.level')}{' '}
          <select value={minLevel} onChange={(event) => setMinLevel(event.target.value as LogLevel)}>
            {levels.map((level) => (
              <option key={level} value={level}>{t('log.levelAndAbove', { level })}</option>
            ))}
          </select>
        </label>
        <label>
          {t('log.filter')} <input type="search" value={filter} onChange={(event) => setFilter(event.target.value)} placeholder={t('log.filterPlaceholder')} />
        </label>
        {skipped > 0 ? <span className="muted">{t('log.skipped', { count: skipped })}</span> : null}
      </div>
      <ol className="log card" aria-label={t('log.entries')}>
        {shown.map((entry) => (
          <li key={entry.seq} className={`log-${entry.level}`}>
            <time>{formatTime(entry.at)}</time>
            <span className="log-level">{entry.level}</span>
            <span className="log-source">{entry.source}</span>
            <span className="log-message">{entry.message}</span>
          </li>
        ))}
        {shown.length === 0 ? <li className="muted">{t('log.empty')}</li> : null}
      </ol>
    </section>
  );
}
