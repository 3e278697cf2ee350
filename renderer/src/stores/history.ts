import { create } from 'zustand';
import type { ContractClient, ContractError, ExportTable, MeshHistory, NodeHistory } from '../../../shared/contract/index.ts';
import { saveFile } from '../app/save-file.ts';

export const HISTORY_RANGES = { '1h': 3_600_000, '24h': 86_400_000, '7d': 7 * 86_400_000 } as const;
export type HistoryRange = keyof typeof HISTORY_RANGES;

type HistoryStore = {
  range: HistoryRange;
  /** The node whose charts are shown. */
  nodeId: string | undefined;
  node: NodeHistory | undefined;
  mesh: MeshHistory | undefined;
  error: ContractError | undefined;
  /** The last export saved: its file name and rows, shown to the operator. */
  exported: { fileName: string; rows: number } | undefined;
  exportError: ContractError | undefined;
  exporting: ExportTable | undefined;
  setRange(range: HistoryRange): Promise<void>;
  selectNode(nodeId: string | undefined): Promise<void>;
  refresh(): Promise<void>;
  exportCsv(table: ExportTable, nodeId?: string): Promise<void>;
};

let client: ContractClient | undefined;

export const useHistory = create<HistoryStore>((set, get) => ({
  range: '1h',
  nodeId: undefined,
  node: undefined,
  mesh: undefined,
  error: undefined,
  exported: undefined,
  exportError: undefined,
  exporting: undefined,
  async setRange(range) {
    set({ range });
    await get().refresh();
  },
  async selectNode(nodeId) {
    set({ nodeId, node: undefined });
    await get().refresh();
  },
  async refresh() {
    if (!client) return;
    const { range, nodeId } = get();
    const since = Date.now() - HISTORY_RANGES[range];
    const [mesh, node] = await Promise.all([
      client.call('history.mesh', { since }),
      nodeId ? client.call('history.node', { nodeId, since }) : undefined,
    ]);
    // The operator may have picked another node or range while this was on its way.
    if (get().range !== range || get().nodeId !== nodeId) return;
    const failed = !mesh.ok ? mesh.error : node && !node.ok ? node.error : undefined;
    set({ mesh: mesh.ok ? mesh.value : undefined, node: node?.ok ? node.value : undefined, error: failed });
  },
  async exportCsv(table, nodeId) {
    if (!client) return;
    set({ exporting: table, exportError: undefined });
    const result = await client.call('export.csv', { table, ...(nodeId ? { nodeId } : {}) });
    if (!result.ok) {
      set({ exporting: undefined, exportError: result.error });
      return;
    }
    saveFile(result.value.fileName, result.value.csv, 'text/csv;charset=utf-8');
    set({ exporting: undefined, exported: { fileName: result.value.fileName, rows: result.value.rows } });
  },
}));

export function bindHistory(contractClient: ContractClient): void {
  client = contractClient;
}
