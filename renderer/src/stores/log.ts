import { create } from 'zustand';
import type { ContractClient, LogEntry } from '../../../shared/contract/index.ts';

const KEEP = 2000;

type LogStore = {
  entries: LogEntry[];
  /** Entries the node skipped sending because this console fell behind. */
  skipped: number;
};

export const useLog = create<LogStore>(() => ({ entries: [], skipped: 0 }));

export function bindLog(client: ContractClient): void {
  const append = (incoming: LogEntry[]) =>
    useLog.setState(({ entries }) => {
      const lastSeq = entries.at(-1)?.seq ?? 0;
      return { entries: [...entries, ...incoming.filter((entry) => entry.seq > lastSeq)].slice(-KEEP) };
    });
  const load = async () => {
    const recent = await client.call('log.recent', { limit: KEEP });
    if (recent.ok) {
      useLog.setState({ entries: [] });
      append(recent.value);
    }
  };
  client.onState((state) => {
    if (state.phase === 'open') void load();
  });
  if (client.state.phase === 'open') void load();
  client.on('log.entry', (entries, dropped) => {
    append(entries);
    if (dropped > 0) useLog.setState(({ skipped }) => ({ skipped: skipped + dropped }));
  });
}
