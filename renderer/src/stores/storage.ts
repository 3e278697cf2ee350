import { create } from 'zustand';
import { saveFile } from '../app/save-file.ts';
import type { ContractClient, ContractError, IdentityInfo, IndexSummary, StorageStats, StoredBlock } from '../../../shared/contract/index.ts';

const PAGE = 100;

type StorageStore = {
  identity: IdentityInfo | undefined;
  stats: StorageStats | undefined;
  summary: IndexSummary | undefined;
  blocks: StoredBlock[];
  total: number;
  offset: number;
  lastStored: StoredBlock | undefined;
  notice: string | undefined;
  error: ContractError | undefined;
  busy: boolean;
  page(offset: number): Promise<void>;
  upload(file: File): Promise<void>;
  addFromDisk(): Promise<void>;
  download(id: string): Promise<void>;
  exportToDisk(id: string): Promise<void>;
  exportBackup(passphrase: string): Promise<void>;
  /** Notices and errors belong to the view that caused them: cleared when the operator moves on. */
  clearMessages(): void;
};

let client: ContractClient | undefined;

export const useStorage = create<StorageStore>((set, get) => {
  /** Runs one request, showing its typed error where the operator looks. */
  const run = async <T,>(request: () => Promise<{ ok: true; value: T } | { ok: false; error: ContractError }>, done: (value: T) => void) => {
    set({ busy: true, error: undefined, notice: undefined });
    const result = await request();
    set({ busy: false });
    if (result.ok) done(result.value);
    else set({ error: result.error });
  };
  const refresh = async () => {
    if (!client) return;
    const [stats, listing] = await Promise.all([client.call('storage.stats', {}), client.call('storage.list', { offset: get().offset, limit: PAGE })]);
    if (stats.ok) set({ stats: stats.value });
    if (listing.ok) set({ blocks: listing.value.items, total: listing.value.total });
  };
  return {
    identity: undefined,
    stats: undefined,
    summary: undefined,
    blocks: [],
    total: 0,
    offset: 0,
    lastStored: undefined,
    notice: undefined,
    error: undefined,
    busy: false,
    async page(offset) {
      set({ offset: Math.max(0, offset) });
      await refresh();
    },
    async upload(file) {
      const c = client;
      if (!c) return;
      const dataBase64 = await toBase64(file);
      await run(
        () => c.call('storage.upload', { name: file.name, dataBase64 }),
        (stored) => set({ lastStored: stored, notice: `Stored ${file.name}` }),
      );
      await refresh();
    },
    async addFromDisk() {
      const c = client;
      if (!c) return;
      await run(
        () => c.call('storage.addFromDisk', {}),
        (stored) => stored && set({ lastStored: stored, notice: 'Stored the file' }),
      );
      await refresh();
    },
    async download(id) {
      const c = client;
      if (!c) return;
      await run(
        () => c.call('storage.download', { id }),
        // Under the name it was stored with (or got from its LoRa holder): report.txt, not bafkrei….bin.
        (file) => saveInBrowser(file.name ?? `${file.id}.bin`, file.dataBase64),
      );
    },
    async exportToDisk(id) {
      const c = client;
      if (!c) return;
      await run(
        () => c.call('storage.exportToDisk', { id }),
        (saved) => saved && set({ notice: `Saved to ${saved.path}` }),
      );
    },
    clearMessages() {
      set({ notice: undefined, error: undefined });
    },
    async exportBackup(passphrase) {
      const c = client;
      if (!c) return;
      await run(
        () => c.call('identity.exportBackup', { passphrase }),
        (backup) => set({ notice: `Encrypted identity backup written on the node to ${backup.path}` }),
      );
    },
  };
});

export function bindStorage(contractClient: ContractClient): void {
  client = contractClient;
  const load = async () => {
    const [identity, summary] = await Promise.all([contractClient.call('identity.get', {}), contractClient.call('index.summary', {})]);
    if (identity.ok) useStorage.setState({ identity: identity.value });
    if (summary.ok) useStorage.setState({ summary: summary.value });
    await useStorage.getState().page(useStorage.getState().offset);
  };
  contractClient.onState((state) => {
    if (state.phase === 'open') void load();
  });
  if (contractClient.state.phase === 'open') void load();
  contractClient.on('index.summary', (summaries) => {
    const latest = summaries.at(-1);
    if (latest) useStorage.setState({ summary: latest });
    void useStorage.getState().page(useStorage.getState().offset);
  });
}

async function toBase64(file: File): Promise<string> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

function saveInBrowser(name: string, dataBase64: string): void {
  const binary = atob(dataBase64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i += 1) bytes[i] = binary.charCodeAt(i);
  saveFile(name, bytes);
}
