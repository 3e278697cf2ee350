import { useMemo, useState } from 'react';
import type { LogLevel } from '../../../shared/contract/index.ts';
import { formatTime } from '../format.ts';
import { useLog } from '../stores/index.ts';

const levels: LogLevel[] = ['debug', 'info', 'warn', 'error'];

export function LogView() {
  const { entries, skipped } = useLog();
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
      <h1>Log</h1>
      <div className="toolbar">
        <label>
          Level{' '}
          <select value={minLevel} onChange={(event) => setMinLevel(event.target.value as LogLevel)}>
            {levels.map((level) => (
              <option key={level} value={level}>{level} and above</option>
            ))}
          </select>
        </label>
        <label>
          Filter <input type="search" value={filter} onChange={(event) => setFilter(event.target.value)} placeholder="text or source" />
        </label>
        {skipped > 0 ? <span className="muted">{skipped} entries skipped while this console was behind</span> : null}
      </div>
      <ol className="log card" aria-label="Log entries, newest first">
        {shown.map((entry) => (
          <li key={entry.seq} className={`log-${entry.level}`}>
            <time>{formatTime(entry.at)}</time>
            <span className="log-level">{entry.level}</span>
            <span className="log-source">{entry.source}</span>
            <span className="log-message">{entry.message}</span>
          </li>
        ))}
        {shown.length === 0 ? <li className="muted">No entries.</li> : null}
      </ol>
    </section>
  );
}
