import { randomBytes } from 'node:crypto';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { MeshSettings } from '../../shared/contract/index.ts';
import { ConfigError, DEFAULT_HISTORY_DAYS, defaultMeshSettings, meshSettingsFromEnv, parseListenAddress } from '../node/config.ts';
import { radioChoiceSetting, type RadioChoice } from '../node/radio/radio-choice.ts';

export type HeadlessConfig = {
  api: { host: string; port: number };
  token: string;
  /** True when the operator chose the token (PAKIT_API_TOKEN): it is then never printed. */
  tokenFromEnv: boolean;
  mesh: MeshSettings;
  demo: boolean;
  /** Where identity, store and radio state live; undefined in demo mode without --data-dir (a fresh temp folder). */
  dataDir: string | undefined;
  quotaBytes: number | undefined;
  /** An identity backup to install before start (only where the node has no identity yet). */
  importIdentity: string | undefined;
  /** The radio to connect to at start and keep; undefined: the one used last time, if any. */
  radio: RadioChoice | undefined;
  /** An MBTiles file of raster tiles for the console's map (`--tiles` / PAKIT_TILES). */
  tiles: string | undefined;
  /** Days of node history kept in the database. */
  historyDays: number;
};

export const usage = `Usage: npm run node -- [options]      (or: node electron/headless/main.ts [options])

Options:
  --api HOST:PORT   where the console and API listen (env PAKIT_API, default 127.0.0.1:8080)
  --data-dir DIR    where the identity, the store and radio state live
                    (env PAKIT_DATA_DIR, default $XDG_DATA_HOME/pakit-mesh or ~/.local/share/pakit-mesh)
  --import-identity FILE
                    install an identity backup exported from another node (passphrase from
                    PAKIT_BACKUP_PASSPHRASE or asked); refused if this node already has one
  --storage-quota N largest store size, e.g. 500M or 20G (env PAKIT_STORAGE_QUOTA, default: the disk)
  --radio auto|PATH|tcp://HOST[:PORT]
                    the radio to connect to at start and keep (env MESH_LORA_PORT): auto finds a
                    Meshtastic board by its USB id and waits for one; default: the radio used last
  --tiles FILE      an MBTiles file of raster map tiles (PNG, JPEG or WebP) the console's map draws,
                    served by this node; works offline (env PAKIT_TILES, default: a plain grid)
  --history-days N  days of node history (signal, battery, channel use) kept in the
                    database (env PAKIT_HISTORY_DAYS, 1-3650, default 30)
  --mesh-listen HOST:PORT
                    where libp2p listens for mesh peers (env MESH_LISTEN, default 0.0.0.0:7777;
                    port 0 picks a free one)
  --demo            a simulated 3-radio mesh and 3 IP peers on loopback (one misbehaving), the
                    embedded defaults (ignores MESH_*; listens on 127.0.0.1, a free port, no mDNS),
                    and a throw-away identity and store unless --data-dir is given
  --help            show this help

Environment:
  PAKIT_KEY_PASSPHRASE      passphrase of the node key (asked on the terminal when unset)
  PAKIT_API_TOKEN           console access token (default: a new random one each start);
                            required to listen on anything but loopback
  PAKIT_KEY_PASSPHRASE_FILE, PAKIT_API_TOKEN_FILE, PAKIT_BACKUP_PASSPHRASE_FILE
                            read that secret from a file instead (Docker secrets, systemd credentials)
  MESH_ENABLED              true|false
  MESH_NETWORK_ID           network name (letters, digits, . _ -)
  MESH_DISCOVERY_INTERVAL   seconds between discovery rounds (5-3600)
  MESH_MAX_PEERS            1-500
  MESH_BYZANTINE_THRESHOLD  0.0-1.0, peers scored below it are filtered out
  MESH_LISTEN               HOST:PORT libp2p listens on (default 0.0.0.0:7777)
  MESH_BOOTSTRAP            comma-separated multiaddrs with /p2p/<peer id>, dialled at start
  MESH_MDNS                 true|false: find peers on the local network (default true)
  MESH_LORA_PORT            the radio to connect to at start, as --radio
`;

export class HelpRequested extends Error {}

type Env = Record<string, string | undefined>;

export function parseHeadlessConfig(argv: string[], env: Env): HeadlessConfig {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        api: { type: 'string' },
        'data-dir': { type: 'string' },
        'storage-quota': { type: 'string' },
        'import-identity': { type: 'string' },
        'mesh-listen': { type: 'string' },
        radio: { type: 'string' },
        tiles: { type: 'string' },
        'history-days': { type: 'string' },
        demo: { type: 'boolean', default: false },
        help: { type: 'boolean', default: false },
      },
      strict: true,
    });
  } catch (error) {
    throw new ConfigError('command line', argv.join(' '), `${(error as Error).message.replace(/\.$/, '')}; see --help`);
  }
  if (parsed.values.help) throw new HelpRequested(usage);
  const apiSource = parsed.values.api !== undefined ? '--api' : 'PAKIT_API';
  const api = parseListenAddress(apiSource, parsed.values.api ?? env.PAKIT_API ?? '127.0.0.1:8080');

  const explicitToken = env.PAKIT_API_TOKEN?.trim();
  if (explicitToken !== undefined && explicitToken !== '' && !/^[A-Za-z0-9_-]{16,128}$/.test(explicitToken)) {
    throw new ConfigError('PAKIT_API_TOKEN', '(hidden)', '16 to 128 characters from A-Z a-z 0-9 _ -');
  }
  const tokenFromEnv = Boolean(explicitToken);
  if (!tokenFromEnv && !isLoopback(api.host)) {
    throw new ConfigError(
      apiSource,
      `${api.host}:${api.port}`,
      'a loopback address (127.0.0.1, ::1, localhost) unless PAKIT_API_TOKEN is set: a node reachable from the network needs a token you chose',
    );
  }
  const mesh = parsed.values.demo ? defaultMeshSettings : meshSettingsFromEnv(env);
  const meshListen = parsed.values['mesh-listen'];
  const radio =
    parsed.values.radio !== undefined ? radioChoiceSetting('--radio', parsed.values.radio) : parsed.values.demo ? undefined : radioChoiceSetting('MESH_LORA_PORT', env.MESH_LORA_PORT);
  if (radio && parsed.values.demo) throw new ConfigError('--radio', parsed.values.radio ?? '', 'nothing with --demo: the demo connects to its own simulated radio');
  return {
    api,
    token: tokenFromEnv && explicitToken ? explicitToken : randomBytes(24).toString('base64url'),
    tokenFromEnv,
    mesh: meshListen === undefined ? mesh : { ...mesh, listen: parseListenAddress('--mesh-listen', meshListen) },
    demo: parsed.values.demo,
    dataDir: parsed.values['data-dir'] ?? (parsed.values.demo ? undefined : (env.PAKIT_DATA_DIR ?? defaultDataDir(env))),
    importIdentity: parsed.values['import-identity'],
    radio,
    tiles: parsed.values.tiles ?? (env.PAKIT_TILES?.trim() || undefined),
    historyDays: parseHistoryDays(
      parsed.values['history-days'] !== undefined ? '--history-days' : 'PAKIT_HISTORY_DAYS',
      parsed.values['history-days'] ?? env.PAKIT_HISTORY_DAYS,
    ),
    quotaBytes: parseSize(parsed.values['storage-quota'] !== undefined ? '--storage-quota' : 'PAKIT_STORAGE_QUOTA', parsed.values['storage-quota'] ?? env.PAKIT_STORAGE_QUOTA),
  };
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

function parseHistoryDays(setting: string, raw: string | undefined): number {
  if (raw === undefined || raw.trim() === '') return DEFAULT_HISTORY_DAYS;
  const days = Number(raw.trim());
  if (!Number.isInteger(days) || days < 1 || days > 3650) throw new ConfigError(setting, raw, 'a whole number of days from 1 to 3650');
  return days;
}

const defaultDataDir = (env: Env) => join(env.XDG_DATA_HOME || join(homedir(), '.local', 'share'), 'pakit-mesh');

const sizeUnits: Record<string, number> = { '': 1, K: 2 ** 10, M: 2 ** 20, G: 2 ** 30, T: 2 ** 40 };

export function parseSize(setting: string, raw: string | undefined): number | undefined {
  if (raw === undefined || raw.trim() === '') return undefined;
  const match = /^(\d+(?:\.\d+)?)\s*([KMGT]?)(?:i?B)?$/i.exec(raw.trim());
  const bytes = match ? Math.floor(Number(match[1]) * (sizeUnits[(match[2] ?? '').toUpperCase()] ?? NaN)) : NaN;
  if (!Number.isFinite(bytes) || bytes < 2 ** 20) throw new ConfigError(setting, raw, 'a size of at least 1M, e.g. 500M or 20G');
  return bytes;
}
