// What each `pakit` command asks the node and how it prints the answer: text for people, --json for
// scripts (one JSON document, or one per line for `watch`).
import { writeFileSync } from 'node:fs';
import type { ContractClient, ContractError, EmergencyPriority, ExportTable, MeshPeer, Result } from '../shared/contract/index.ts';

export type Output = { out: (line: string) => void };
/** Standard output as it is, for files piped on (CSV keeps its CRLF line ends). */
export type RawOutput = Output & { write: (text: string) => void };

/** The node refused or failed a request: printed with its fix, exit code 1. */
export class RequestFailed extends Error {
  override name = 'RequestFailed';
  readonly error: ContractError;
  constructor(error: ContractError) {
    super(error.message);
    this.error = error;
  }
}

const value = <T>(result: Result<T>): T => {
  if (!result.ok) throw new RequestFailed(result.error);
  return result.value;
};

const json = (output: Output, data: unknown) => output.out(JSON.stringify(data, null, 2));

export async function status(client: ContractClient, output: Output, asJson: boolean): Promise<void> {
  const [info, node, radio, mesh] = await Promise.all([
    client.call('node.info', {}).then(value),
    client.call('node.status', {}).then(value),
    client.call('radio.state', {}).then(value),
    client.call('mesh.health', {}).then(value),
  ]);
  if (asJson) return json(output, { info, status: node, radio, mesh });
  const device = radio.device;
  output.out(`${info.product} ${info.version} (${info.host}), up ${Math.round(node.uptimeS)} s, network "${info.mesh.networkId}"`);
  output.out(
    `radio:  ${radio.phase}${device ? ` — ${device.longName} ${device.nodeId}, ${device.region} ${device.preset}, firmware ${device.firmware}` : ''}` +
      `${radio.queueDepth ? `, ${radio.queueDepth} queued` : ''}${radio.error ? ` — ${radio.error.message}` : ''}`,
  );
  output.out(
    `mesh:   ${mesh.phase}${mesh.phase === 'running' ? ` — ${mesh.peerCount} peers, ${mesh.messagesInPerSecond.toFixed(1)} msg/s in, ${mesh.messagesOutPerSecond.toFixed(1)} msg/s out` : ''}` +
      `${mesh.error ? ` — ${mesh.error.message}` : ''}`,
  );
}

export async function peers(client: ContractClient, output: Output, options: { json: boolean; includeFiltered: boolean }): Promise<void> {
  const list = value(await client.call('mesh.peers', { includeFiltered: options.includeFiltered }));
  if (options.json) return json(output, list);
  if (list.length === 0) return output.out('No peers yet.');
  for (const peer of list) output.out(peerLine(peer));
}

function peerLine(peer: MeshPeer): string {
  const name = peer.name ?? peer.radioNodeId ?? peer.id;
  const why = peer.reputation.reasons[0]?.label ?? 'no evidence yet';
  return `${peer.filtered ? 'FILTERED ' : ''}${name}  ${peer.transports.join('+')}  reputation ${peer.reputation.score.toFixed(2)} (${why})${peer.connected ? '  connected' : ''}`;
}

export async function sendEmergency(client: ContractClient, output: Output, options: { text: string; priority: EmergencyPriority; json: boolean; again: boolean }): Promise<void> {
  const record = value(await client.call('emergency.send', { text: options.text, priority: options.priority, confirmedAgain: options.again }));
  if (options.json) return json(output, record);
  output.out(`Emergency ${record.id} broadcast (${record.priority}): “${record.text}”`);
}

export async function requestFile(client: ContractClient, output: Output, options: { contentId: string; maxBytes: number | undefined; hopLimit: number | undefined; json: boolean }): Promise<void> {
  const request = { contentId: options.contentId, ...(options.maxBytes === undefined ? {} : { maxBytes: options.maxBytes }), ...(options.hopLimit === undefined ? {} : { hopLimit: options.hopLimit }) };
  const transfer = value(await client.call('files.request', request));
  if (options.json) return json(output, transfer);
  output.out(`Transfer ${transfer.id}: ${transfer.state} ${transfer.contentId} over LoRa within ${transfer.hopLimit ?? '?'} hops (follow it in the console's Files view).`);
}

export async function sendMessage(client: ContractClient, output: Output, options: { text: string; to: string | undefined; channel: number | undefined; json: boolean }): Promise<void> {
  const request = { text: options.text, ...(options.to === undefined ? {} : { to: options.to }), ...(options.channel === undefined ? {} : { channel: options.channel }) };
  const { messages } = value(await client.call('messages.send', request));
  if (options.json) return json(output, messages);
  const where = options.to ?? `channel ${options.channel ?? 0}`;
  output.out(`Sent to ${where}${messages.length > 1 ? ` in ${messages.length} parts` : ''}: ${messages.map((message) => message.state ?? 'queued').join(', ')}`);
}

/** A table as CSV: to a file with `outFile`, else on standard output for a pipe or redirect. */
export async function exportTable(client: ContractClient, output: RawOutput, options: { table: ExportTable; nodeId: string | undefined; outFile: string | undefined }): Promise<void> {
  const result = value(await client.call('export.csv', { table: options.table, ...(options.nodeId === undefined ? {} : { nodeId: options.nodeId }) }));
  if (options.outFile === undefined) return output.write(result.csv);
  writeFileSync(options.outFile, result.csv);
  output.out(`Saved ${result.rows} ${result.rows === 1 ? 'row' : 'rows'} to ${options.outFile}`);
}

/** Prints each mesh health sample as it comes, until `count` samples (or forever). */
export function watchHealth(client: ContractClient, output: Output, options: { json: boolean; count: number | undefined }): Promise<void> {
  return new Promise((resolve) => {
    let seen = 0;
    const stop = client.on('mesh.health', (samples) => {
      for (const sample of samples) {
        output.out(
          options.json
            ? JSON.stringify(sample)
            : `${new Date(sample.sampledAt).toISOString()}  ${sample.phase}  ${sample.peerCount} peers  ${sample.messagesInPerSecond.toFixed(1)} in/s  ${sample.messagesOutPerSecond.toFixed(1)} out/s`,
        );
        seen += 1;
        if (options.count !== undefined && seen >= options.count) {
          stop();
          resolve();
          return;
        }
      }
    });
  });
}
