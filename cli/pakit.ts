#!/usr/bin/env node
// `pakit`: the node's contract from a terminal, over the same authenticated WebSocket as the console.
// Exit codes: 0 done, 1 the node refused or failed the request, 2 bad usage, 3 no node to talk to.
import { parseArgs } from 'node:util';
import { EmergencyPriority, ExportTable } from '../shared/contract/index.ts';
import { exportTable, peers, RequestFailed, requestFile, sendEmergency, sendMessage, status, watchHealth, type RawOutput } from './commands.ts';
import { connect, ConnectError } from './connect.ts';
import { targetOf, UsageError } from './target.ts';

const HELP = `pakit: talk to a Pakit Mesh headless node over its console API

usage: pakit [--url URL] [--token TOKEN] [--json] COMMAND

  status                         the node, its radio and its IP mesh
  peers [--filtered]             peers on IP and LoRa, best reputation first (--filtered: also filtered ones)
  emergency send TEXT [--priority advisory|urgent|life_threatening] [--again]
                                 broadcast a signed emergency to the whole mesh (--again: within the cool-down)
  messages send TEXT [--to !xxxxxxxx] [--channel N]
                                 a text to a channel (default the primary) or one node, as the Meshtastic apps send it
  files request CONTENT_ID [--max-bytes N] [--hops N]
                                 ask radio neighbours for a small file over LoRa
  watch health [--count N]       print mesh health samples as they come (every 2 s)
  export nodes|history|messages|emergencies|log [--node !xxxxxxxx] [--out FILE]
                                 a table as CSV (UTC times) on standard output or into FILE (--node: one node's history)

  --url URL      the console URL the node printed (it carries the token), or http://HOST:PORT
                 (default PAKIT_URL, else http://127.0.0.1:8080)
  --token TOKEN  the access token (default PAKIT_API_TOKEN, else the one in --url)
  --json         machine-readable output
`;

type Io = RawOutput & { err: (line: string) => void };

export async function run(argv: string[], env: NodeJS.ProcessEnv, io: Io): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        url: { type: 'string' },
        token: { type: 'string' },
        json: { type: 'boolean', default: false },
        filtered: { type: 'boolean', default: false },
        priority: { type: 'string', default: 'urgent' },
        again: { type: 'boolean', default: false },
        'max-bytes': { type: 'string' },
        hops: { type: 'string' },
        count: { type: 'string' },
        to: { type: 'string' },
        channel: { type: 'string' },
        node: { type: 'string' },
        out: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    io.err(`pakit: ${(error as Error).message}\n\n${HELP}`);
    return 2;
  }
  const { values: options, positionals } = parsed;
  const [command, ...rest] = positionals;
  if (options.help || command === undefined || command === 'help') {
    io.out(HELP);
    return options.help || command === 'help' ? 0 : 2;
  }
  try {
    const action = actionFor(command, rest, options);
    const client = await connect(targetOf({ url: options.url ?? env.PAKIT_URL, token: options.token ?? env.PAKIT_API_TOKEN }));
    try {
      await action(client, io);
    } catch (error) {
      // The node closes a refused console's socket right after it opens: say why, not "no answer".
      const state = client.state;
      if (error instanceof RequestFailed && state.phase === 'closed' && !state.willRetry) throw new ConnectError(state.error);
      throw error;
    } finally {
      client.close();
    }
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`pakit: ${error.message}`);
      return 2;
    }
    if (error instanceof ConnectError || error instanceof RequestFailed) {
      const { message, fix, issues } = error.error;
      io.err(`pakit: ${message}`);
      for (const issue of issues ?? []) io.err(`       ${issue.path}: ${issue.message}`);
      if (fix) io.err(`       ${fix}`);
      return error instanceof ConnectError ? 3 : 1;
    }
    throw error;
  }
}

type Options = { json: boolean; filtered: boolean; priority: string; again: boolean; 'max-bytes'?: string | undefined; hops?: string | undefined; count?: string | undefined; to?: string | undefined; channel?: string | undefined; node?: string | undefined; out?: string | undefined };
type Action = (client: Awaited<ReturnType<typeof connect>>, io: Io) => Promise<void>;

/** Checks the command line before any connection is made, so a typo never reaches the node. */
function actionFor(command: string, rest: string[], options: Options): Action {
  const words = [command, ...rest];
  const expect = (count: number, usage: string) => {
    if (words.length !== count) throw new UsageError(`usage: pakit ${usage}`);
  };
  switch (command) {
    case 'status':
      expect(1, 'status [--json]');
      return (client, io) => status(client, io, options.json);
    case 'peers':
      expect(1, 'peers [--filtered] [--json]');
      return (client, io) => peers(client, io, { json: options.json, includeFiltered: options.filtered });
    case 'emergency': {
      expect(3, 'emergency send TEXT [--priority advisory|urgent|life_threatening] [--again]');
      if (rest[0] !== 'send') throw new UsageError(`unknown emergency command "${rest[0]}": use "pakit emergency send TEXT"`);
      const priority = EmergencyPriority.safeParse(options.priority);
      if (!priority.success) throw new UsageError(`--priority must be advisory, urgent or life_threatening, not "${options.priority}"`);
      return (client, io) => sendEmergency(client, io, { text: rest[1]!, priority: priority.data, json: options.json, again: options.again });
    }
    case 'messages': {
      expect(3, 'messages send TEXT [--to !xxxxxxxx] [--channel N]');
      if (rest[0] !== 'send') throw new UsageError(`unknown messages command "${rest[0]}": use "pakit messages send TEXT"`);
      if (options.channel !== undefined && !/^[0-7]$/.test(options.channel)) throw new UsageError(`--channel must be a channel index 0-7, not "${options.channel}"`);
      const channel = options.channel === undefined ? undefined : Number(options.channel);
      return (client, io) => sendMessage(client, io, { text: rest[1]!, to: options.to, channel, json: options.json });
    }
    case 'files': {
      expect(3, 'files request CONTENT_ID [--max-bytes N] [--hops N]');
      if (rest[0] !== 'request') throw new UsageError(`unknown files command "${rest[0]}": use "pakit files request CONTENT_ID"`);
      const maxBytes = wholeNumber(options['max-bytes'], '--max-bytes');
      // Relays the request may cross (default: the radio's own hop limit); asking again widens it.
      const hopLimit = wholeNumber(options.hops, '--hops');
      return (client, io) => requestFile(client, io, { contentId: rest[1]!, maxBytes, hopLimit, json: options.json });
    }
    case 'watch': {
      expect(2, 'watch health [--count N] [--json]');
      if (rest[0] !== 'health') throw new UsageError(`unknown watch stream "${rest[0]}": use "pakit watch health"`);
      const count = wholeNumber(options.count, '--count');
      return (client, io) => watchHealth(client, io, { json: options.json, count });
    }
    case 'export': {
      expect(2, 'export nodes|history|messages|emergencies|log [--node !xxxxxxxx] [--out FILE]');
      const table = ExportTable.safeParse(rest[0]);
      if (!table.success) throw new UsageError(`there is no table "${rest[0]}" to export: use nodes, history, messages, emergencies or log`);
      if (options.node !== undefined && table.data !== 'history') throw new UsageError('--node goes with "export history" only');
      return (client, io) => exportTable(client, io, { table: table.data, nodeId: options.node, outFile: options.out });
    }
    default:
      throw new UsageError(`unknown command "${command}" (pakit --help lists them)`);
  }
}

function wholeNumber(text: string | undefined, flag: string): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text) || Number(text) < 1) throw new UsageError(`${flag} must be a whole number of at least 1, not "${text}"`);
  return Number(text);
}

if (import.meta.main) {
  const io: Io = { out: (line) => process.stdout.write(`${line}\n`), write: (text) => process.stdout.write(text), err: (line) => process.stderr.write(`${line}\n`) };
  process.exitCode = await run(process.argv.slice(2), process.env, io);
}
