import { create } from 'zustand';
import type { ContractClient, ContractError, EmergencyPriority, EmergencyRecord } from '../../../shared/contract/index.ts';

type EmergencyStore = {
  history: EmergencyRecord[];
  acks: boolean;
  error: ContractError | undefined;
  sending: boolean;
  send(text: string, priority: EmergencyPriority, confirmedAgain: boolean): Promise<boolean>;
  acknowledge(id: string): Promise<void>;
  /** Closes one of our emergencies everywhere; false when refused (the error says why). */
  allClear(id: string, text: string): Promise<boolean>;
  stopRepeats(id: string): Promise<void>;
  setAcks(enabled: boolean): Promise<void>;
};

let client: ContractClient | undefined;

export const useEmergency = create<EmergencyStore>((set) => ({
  history: [],
  acks: true,
  error: undefined,
  sending: false,
  async send(text, priority, confirmedAgain) {
    if (!client) return false;
    set({ sending: true, error: undefined });
    const result = await client.call('emergency.send', { text, priority, confirmedAgain });
    set(result.ok ? { sending: false } : { sending: false, error: result.error });
    return result.ok;
  },
  async acknowledge(id) {
    await client?.call('emergency.acknowledge', { id });
  },
  async allClear(id, text) {
    if (!client) return false;
    const result = await client.call('emergency.allClear', { id, text });
    set({ error: result.ok ? undefined : result.error });
    return result.ok;
  },
  async stopRepeats(id) {
    const result = await client?.call('emergency.stopRepeats', { id });
    if (result && !result.ok) set({ error: result.error });
  },
  async setAcks(enabled) {
    const result = await client?.call('emergency.settings', { acks: enabled });
    if (result?.ok) set({ acks: result.value.acks });
  },
}));

/** Received emergencies the operator has not dismissed yet: the banner shows them. */
export const unacknowledged = (history: EmergencyRecord[]) => history.filter((record) => record.direction === 'received' && !record.acknowledged);

export function bindEmergency(contractClient: ContractClient): void {
  client = contractClient;
  const load = async () => {
    const [history, settings] = await Promise.all([contractClient.call('emergency.history', {}), contractClient.call('emergency.settings', {})]);
    if (history.ok) useEmergency.setState({ history: history.value });
    if (settings.ok) useEmergency.setState({ acks: settings.value.acks });
  };
  contractClient.onState((state) => {
    if (state.phase === 'open') void load();
  });
  if (contractClient.state.phase === 'open') void load();
  contractClient.on('emergency.history', (lists) => {
    const latest = lists.at(-1);
    if (latest) useEmergency.setState({ history: latest });
  });
  contractClient.on('emergency.alert', () => void load());
}
