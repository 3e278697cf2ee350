// What each CSV export holds: one column list per table, from the node's own records.
import type { ChatMessage, EmergencyRecord, ExportRequest, ExportResult, LogEntry, MeshNode } from '../../../shared/contract/index.ts';
import type { NodeSampleRow } from '../history/index.ts';
import { isoTime, toCsv, toCsvInPages, type CsvColumn } from './csv.ts';

/** Where the rows come from; the node passes its services. */
export type ExportSources = {
  nodes: () => readonly MeshNode[];
  /** Samples oldest first, in pages (a week of a busy mesh is half a million rows). */
  nodeSamplePages: (filter: { since?: number | undefined; nodeId?: string | undefined }) => Iterable<readonly NodeSampleRow[]>;
  messages: () => Iterable<ChatMessage>;
  emergencies: () => readonly EmergencyRecord[];
  log: () => readonly LogEntry[];
  now: () => number;
};

const nodeColumns: CsvColumn<MeshNode>[] = [
  { header: 'node_id', value: (node) => node.nodeId },
  { header: 'long_name', value: (node) => node.longName },
  { header: 'short_name', value: (node) => node.shortName },
  { header: 'role', value: (node) => node.role },
  { header: 'hardware', value: (node) => node.hardware },
  { header: 'hops_away', value: (node) => node.hopsAway },
  { header: 'snr_db', value: (node) => node.snr },
  { header: 'rssi_dbm', value: (node) => node.rssi },
  { header: 'battery_percent', value: (node) => node.batteryLevel },
  { header: 'voltage_v', value: (node) => node.voltage },
  { header: 'channel_utilization_percent', value: (node) => node.channelUtilization },
  { header: 'air_util_tx_percent', value: (node) => node.airUtilTx },
  { header: 'uptime_s', value: (node) => node.uptimeSeconds },
  { header: 'last_heard', value: (node) => isoTime(node.lastHeard) },
  { header: 'latitude', value: (node) => node.position?.latitude },
  { header: 'longitude', value: (node) => node.position?.longitude },
  { header: 'altitude_m', value: (node) => node.position?.altitude },
  { header: 'position_time', value: (node) => isoTime(node.position?.time) },
  { header: 'favorite', value: (node) => node.isFavorite },
];

const sampleColumns: CsvColumn<NodeSampleRow>[] = [
  { header: 'time', value: (sample) => isoTime(sample.at) },
  { header: 'node_id', value: (sample) => sample.nodeId },
  { header: 'snr_db', value: (sample) => sample.snr },
  { header: 'rssi_dbm', value: (sample) => sample.rssi },
  { header: 'battery_percent', value: (sample) => sample.batteryLevel },
  { header: 'voltage_v', value: (sample) => sample.voltage },
  { header: 'channel_utilization_percent', value: (sample) => sample.channelUtilization },
  { header: 'air_util_tx_percent', value: (sample) => sample.airUtilTx },
  { header: 'hops_away', value: (sample) => sample.hopsAway },
];

const messageColumns: CsvColumn<ChatMessage>[] = [
  { header: 'time', value: (message) => isoTime(message.at) },
  { header: 'direction', value: (message) => message.direction },
  { header: 'conversation', value: (message) => message.conversation },
  { header: 'channel', value: (message) => message.channel },
  { header: 'from', value: (message) => message.from },
  { header: 'to', value: (message) => message.to },
  { header: 'text', value: (message) => message.text },
  { header: 'part', value: (message) => (message.part ? `${message.part.index}/${message.part.count}` : undefined) },
  { header: 'state', value: (message) => message.state },
  { header: 'error', value: (message) => message.error?.message },
  { header: 'hops', value: (message) => message.hops },
  { header: 'snr_db', value: (message) => message.snr },
  { header: 'rssi_dbm', value: (message) => message.rssi },
];

const emergencyColumns: CsvColumn<EmergencyRecord>[] = [
  { header: 'time', value: (record) => isoTime(record.at) },
  { header: 'direction', value: (record) => record.direction },
  { header: 'priority', value: (record) => record.priority },
  { header: 'text', value: (record) => record.text },
  { header: 'from_node', value: (record) => record.fromNode },
  { header: 'signer', value: (record) => record.signer },
  { header: 'verified', value: (record) => record.verified },
  { header: 'hops', value: (record) => record.hops },
  { header: 'acked_by', value: (record) => record.ackedBy.join(' ') },
  { header: 'acknowledged', value: (record) => record.acknowledged },
  { header: 'latitude', value: (record) => record.position?.latitude },
  { header: 'longitude', value: (record) => record.position?.longitude },
  // A roll-call in one cell: radio=answer pairs, the silent ones first.
  { header: 'roll_call', value: (record) => record.rollCall?.members.map((member) => `${member.node}=${member.answer}`).join(' ') },
  { header: 'closed_at', value: (record) => (record.closed ? isoTime(record.closed.at) : undefined) },
  { header: 'closed_why', value: (record) => record.closed?.text },
  { header: 'id', value: (record) => record.id },
];

const logColumns: CsvColumn<LogEntry>[] = [
  { header: 'time', value: (entry) => isoTime(entry.at) },
  { header: 'level', value: (entry) => entry.level },
  { header: 'source', value: (entry) => entry.source },
  { header: 'message', value: (entry) => entry.message },
];

export async function exportCsv(sources: ExportSources, request: ExportRequest): Promise<ExportResult> {
  const written = await (async () => {
    switch (request.table) {
      case 'nodes':
        return toCsv(nodeColumns, sources.nodes());
      case 'history':
        return toCsvInPages(sampleColumns, sources.nodeSamplePages({ since: request.since, nodeId: request.nodeId }));
      case 'messages':
        return toCsv(messageColumns, sources.messages());
      case 'emergencies':
        return toCsv(emergencyColumns, [...sources.emergencies()].sort((a, b) => a.at - b.at));
      case 'log':
        return toCsv(logColumns, sources.log());
    }
  })();
  return { fileName: exportFileName(request, sources.now()), ...written };
}

/** `pakit-history-a1b2c3d4-2026-12-04T0812Z.csv`: says what and when, sorts by time, safe on every file system. */
export function exportFileName(request: ExportRequest, now: number): string {
  const stamp = new Date(now).toISOString().slice(0, 16).replace(':', '') + 'Z';
  const node = request.table === 'history' && request.nodeId ? `-${request.nodeId.replace(/[^0-9A-Za-z]/g, '')}` : '';
  return `pakit-${request.table}${node}-${stamp}.csv`;
}
