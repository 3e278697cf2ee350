import type { MeshSettings } from '../../shared/contract/index.ts';

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

type Env = Record<string, string | undefined>;

/** Reads the operators' MESH_* variables; anything unset keeps its embedded default. */
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
  };
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
