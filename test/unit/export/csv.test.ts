import { describe, expect, it } from 'vitest';
import { csvField, isoTime, toCsv } from '../../../electron/node/export/csv.ts';
import { exportCsv, exportFileName } from '../../../electron/node/export/tables.ts';
import type { ExportSources } from '../../../electron/node/export/tables.ts';

/** A small RFC 4180 reader, to check that what we write reads back to the same fields. */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let field = '';
  let record: string[] = [];
  let quoted = false;
  for (let index = 0; index < text.length; index += 1) {
    const char = text[index]!;
    if (quoted) {
      if (char === '"' && text[index + 1] === '"') (field += '"'), (index += 1);
      else if (char === '"') quoted = false;
      else field += char;
    } else if (char === '"') quoted = true;
    else if (char === ',') record.push(field), (field = '');
    else if (char === '\r' && text[index + 1] === '\n') record.push(field), records.push(record), (record = []), (field = ''), (index += 1);
    else field += char;
  }
  return records;
}

describe('CSV', () => {
  it('quotes commas, quotes and line breaks, and reads back to the same text', () => {
    const tricky = ['plain', 'a, b', 'say "hi"', 'two\r\nlines', 'new\nline', 'ñandú 🚒', ''];
    const { csv, rows } = toCsv([{ header: 'text', value: (row: string) => row }], tricky);
    expect(rows).toBe(tricky.length);
    expect(csv.endsWith('\r\n')).toBe(true);
    expect(parseCsv(csv)).toEqual([['text'], ...tricky.map((text) => [text])]);
  });

  it('defuses text a spreadsheet would run as a formula, and leaves numbers alone', () => {
    for (const formula of ['=HYPERLINK("http://x","y")', '+1+1', '-2+3', '@SUM(A1)', '\tcmd', '\r=1']) {
      expect(csvField(formula).replace(/^"/, '').startsWith("'")).toBe(true);
    }
    expect(csvField(-12.5)).toBe('-12.5');
    expect(csvField(0)).toBe('0');
    expect(csvField(Number.NaN)).toBe('');
    expect(csvField(undefined)).toBe('');
    expect(csvField(true)).toBe('true');
    expect(csvField('-')).toBe("'-");
  });

  it('writes times in ISO 8601 UTC', () => {
    expect(isoTime(Date.UTC(2026, 11, 4, 8, 12, 3, 45))).toBe('2026-12-04T08:12:03.045Z');
    expect(isoTime(undefined)).toBeUndefined();
  });
});

describe('exportCsv', () => {
  const at = Date.UTC(2026, 11, 4, 8, 12);
  const sources: ExportSources = {
    nodes: () => [
      { nodeId: '!a1b2c3d4', nodeNum: 0xa1b2c3d4, longName: '=cmd|" /C calc"!A0', shortName: 'EVIL', snr: -7.25, lastHeard: at, position: { latitude: 40.4, longitude: -3.7 } },
    ],
    nodeSamplePages: ({ nodeId }) => [[{ nodeId: nodeId ?? '!a1b2c3d4', at, snr: 6, rssi: -95 }], [{ nodeId: nodeId ?? '!a1b2c3d4', at: at + 60_000, snr: 7 }]],
    messages: () => [],
    emergencies: () => [
      { id: 'b', direction: 'received', text: 'later', priority: 'urgent', at: at + 1, signer: 'k', verified: true, ackedBy: ['x', 'y'], acknowledged: false },
      { id: 'a', direction: 'sent', text: 'earlier, with comma', priority: 'advisory', at, signer: 'k', verified: true, ackedBy: [], acknowledged: true },
    ],
    log: () => [{ seq: 1, at, level: 'warn', source: 'radio', message: 'line one\nline two' }],
    now: () => at,
  };

  it('exports nodes with a header, a defused name, numbers as numbers and ISO times', async () => {
    const result = await exportCsv(sources, { table: 'nodes' });
    const [header, row] = parseCsv(result.csv);
    expect(result.rows).toBe(1);
    expect(result.fileName).toBe('pakit-nodes-2026-12-04T0812Z.csv');
    const field = (name: string) => row![header!.indexOf(name)];
    expect(field('long_name')).toBe(`'=cmd|" /C calc"!A0`);
    expect(field('snr_db')).toBe('-7.25');
    expect(field('last_heard')).toBe('2026-12-04T08:12:00.000Z');
    expect(field('longitude')).toBe('-3.7');
  });

  it('orders emergencies by time and keeps a multi-line log message in one field', async () => {
    const emergencies = parseCsv((await exportCsv(sources, { table: 'emergencies' })).csv);
    expect(emergencies.slice(1).map((row) => row[3])).toEqual(['earlier, with comma', 'later']);
    expect(emergencies[2]![8]).toBe('x y');
    const log = parseCsv((await exportCsv(sources, { table: 'log' })).csv);
    expect(log).toEqual([
      ['time', 'level', 'source', 'message'],
      ['2026-12-04T08:12:00.000Z', 'warn', 'radio', 'line one\nline two'],
    ]);
  });

  it('names a one-node history file after the node, and joins pages under one header', async () => {
    expect(exportFileName({ table: 'history', nodeId: '!a1b2c3d4' }, at)).toBe('pakit-history-a1b2c3d4-2026-12-04T0812Z.csv');
    const history = await exportCsv(sources, { table: 'history', nodeId: '!0000beef' });
    expect(history.rows).toBe(2);
    expect(parseCsv(history.csv)).toEqual([
      ['time', 'node_id', 'snr_db', 'rssi_dbm', 'battery_percent', 'voltage_v', 'channel_utilization_percent', 'air_util_tx_percent', 'hops_away'],
      ['2026-12-04T08:12:00.000Z', '!0000beef', '6', '-95', '', '', '', '', ''],
      ['2026-12-04T08:13:00.000Z', '!0000beef', '7', '', '', '', '', '', ''],
    ]);
  });
});
