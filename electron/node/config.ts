import type { MeshSettings } from '../../shared/contract/index.ts';
import { isPeerId } from './reputation/index.ts';

/** A configuration value that cannot be used: start-up stops and says which, what, and what is allowed. */
export class ConfigError extends Error {
  readonly setting: string;
  readonly value: string;
  readonly allowed: string;

  constructor(setting: string, value: string, allowed: string) {
    super(`Invalid configuration: ${setting}=${JSON.stringify(value)}. Allowed: ${allowed}.`);
    this.name = 'ConfigError';
    this.setting = setting;
    this.value = value;
    this.allowed = allowed;
  }
}

export const defaultMeshSettings: MeshSettings = {
  enabled: true,
  networkId: 'pakit-mesh',
  discoveryIntervalS: 30,
  maxPeers: 50,
  byzantineThreshold: 0.3,
};

/** What the IP mesh listens on and how it finds peers, with the defaults filled in. */
export type MeshNetwork = { listen: { host: string; port: number }; bootstrap: string[]; mdns: boolean };

/** libp2p's TCP port on every interface, so LAN peers can reach the node; mDNS finds them. */
export const defaultMeshNetwork: MeshNetwork = { listen: { host: '0.0.0.0', port: 7777 }, bootstrap: [], mdns: true };

export function meshNetworkOf(settings: MeshSettings): MeshNetwork {
  return {
    listen: settings.listen ?? defaultMeshNetwork.listen,
    bootstrap: settings.bootstrap ?? defaultMeshNetwork.bootstrap,
    mdns: settings.mdns ?? defaultMeshNetwork.mdns,
  };
}

type Env = Record<string, string | undefined>;

/**
 * Reads the operators' MESH_* variables; anything unset keeps its embedded default. MESH_LISTEN,
 * MESH_BOOTSTRAP and MESH_MDNS are left out when unset (see meshNetworkOf for their defaults).
 */
export function meshSettingsFromEnv(env: Env): MeshSettings {
  const read = <T>(name: string, fallback: T, parse: (raw: string) => T): T => {
    const raw = env[name];
    return raw === undefined || raw.trim() === '' ? fallback : parse(raw.trim());
  };
  return {
    enabled: read('MESH_ENABLED', defaultMeshSettings.enabled, (raw) => parseBoolean('MESH_ENABLED', raw)),
    networkId: read('MESH_NETWORK_ID', defaultMeshSettings.networkId, (raw) => {
      if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(raw)) {
        throw new ConfigError('MESH_NETWORK_ID', raw, '1 to 64 letters, digits, ".", "_" or "-", starting with a letter or digit');
      }
      return raw;
    }),
    discoveryIntervalS: read('MESH_DISCOVERY_INTERVAL', defaultMeshSettings.discoveryIntervalS, (raw) =>
      parseInteger('MESH_DISCOVERY_INTERVAL', raw, 5, 3600, 'seconds'),
    ),
    maxPeers: read('MESH_MAX_PEERS', defaultMeshSettings.maxPeers, (raw) => parseInteger('MESH_MAX_PEERS', raw, 1, 500, 'peers')),
    byzantineThreshold: read('MESH_BYZANTINE_THRESHOLD', defaultMeshSettings.byzantineThreshold, (raw) => {
      const value = Number(raw);
      if (!/^\d*\.?\d+$/.test(raw) || value < 0 || value > 1) {
        throw new ConfigError('MESH_BYZANTINE_THRESHOLD', raw, 'a number from 0.0 to 1.0 (higher is stricter)');
      }
      return value;
    }),
    ...optional('listen', env.MESH_LISTEN, (raw) => parseListenAddress('MESH_LISTEN', raw)),
    ...optional('bootstrap', env.MESH_BOOTSTRAP, (raw) => parseBootstrapList('MESH_BOOTSTRAP', raw)),
    ...optional('mdns', env.MESH_MDNS, (raw) => parseBoolean('MESH_MDNS', raw)),
  };
}

function optional<K extends string, T>(key: K, raw: string | undefined, parse: (raw: string) => T): { [P in K]?: T } {
  return raw === undefined || raw.trim() === '' ? {} : ({ [key]: parse(raw.trim()) } as { [P in K]: T });
}

export function parseListenAddress(setting: string, raw: string): { host: string; port: number } {
  const match = /^(?:\[([0-9a-fA-F:]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(raw.trim());
  const port = Number(match?.[3]);
  if (!match || port > 65535) {
    throw new ConfigError(setting, raw, 'HOST:PORT, e.g. 127.0.0.1:8080, 0.0.0.0:8080 or [::1]:8080 (port 0 picks a free one)');
  }
  return { host: match[1] ?? match[2] ?? '', port };
}

/** Comma-separated multiaddrs, each ending in /p2p/<peer id>: bootstrap dials a known peer, never an anonymous address. */
export function parseBootstrapList(setting: string, raw: string): string[] {
  const entries = raw
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  for (const entry of entries) {
    const peer = /^\/(?:ip4|ip6|dns|dns4|dns6)\/[^/]+\/tcp\/\d{1,5}\/p2p\/([^/]+)$/.exec(entry)?.[1];
    if (!peer || !isPeerId(peer)) {
      throw new ConfigError(setting, raw, 'comma-separated multiaddrs like /ip4/192.168.1.20/tcp/7777/p2p/12D3KooW… (the peer id is required)');
    }
  }
  return entries;
}

export function parseBoolean(setting: string, raw: string): boolean {
  const lower = raw.toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(lower)) return true;
  if (['0', 'false', 'no', 'off'].includes(lower)) return false;
  throw new ConfigError(setting, raw, 'true or false (also 1/0, yes/no, on/off)');
}

export function parseInteger(setting: string, raw: string, min: number, max: number, unit: string): number {
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    throw new ConfigError(setting, raw, `a whole number of ${unit} from ${min} to ${max}`);
  }
  return Number(raw);
}

/** Days of node history kept in the database unless the operator says otherwise. */
export const DEFAULT_HISTORY_DAYS = 30;
