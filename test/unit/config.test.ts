import { describe, expect, it } from 'vitest';
import { ConfigError, defaultMeshSettings, meshSettingsFromEnv } from '../../electron/node/config.ts';
import { parseHeadlessConfig } from '../../electron/headless/config.ts';

describe('MESH_* settings', () => {
  it('keeps the embedded defaults when nothing is set', () => {
    expect(meshSettingsFromEnv({})).toEqual(defaultMeshSettings);
  });

  it('reads every variable', () => {
    expect(
      meshSettingsFromEnv({
        MESH_ENABLED: 'no',
        MESH_NETWORK_ID: 'valley-rescue.2',
        MESH_DISCOVERY_INTERVAL: '60',
        MESH_MAX_PEERS: '12',
        MESH_BYZANTINE_THRESHOLD: '0.75',
      }),
    ).toEqual({ enabled: false, networkId: 'valley-rescue.2', discoveryIntervalS: 60, maxPeers: 12, byzantineThreshold: 0.75 });
  });

  it.each([
    ['MESH_ENABLED', 'maybe', 'true or false'],
    ['MESH_NETWORK_ID', 'has spaces', 'letters, digits'],
    ['MESH_DISCOVERY_INTERVAL', '1', 'from 5 to 3600'],
    ['MESH_DISCOVERY_INTERVAL', '10s', 'whole number'],
    ['MESH_MAX_PEERS', '0', 'from 1 to 500'],
    ['MESH_MAX_PEERS', '2.5', 'whole number'],
    ['MESH_BYZANTINE_THRESHOLD', '1.5', '0.0 to 1.0'],
    ['MESH_BYZANTINE_THRESHOLD', '-0.1', '0.0 to 1.0'],
    ['MESH_BYZANTINE_THRESHOLD', 'high', '0.0 to 1.0'],
  ])('refuses %s=%s naming the variable, the value and what is allowed', (name, value, allowed) => {
    let error: unknown;
    try {
      meshSettingsFromEnv({ [name]: value });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toContain(`${name}="${value}"`);
    expect((error as ConfigError).allowed).toContain(allowed);
  });
});

describe('headless configuration', () => {
  it('listens on loopback 8080 with a fresh random token by default', () => {
    const a = parseHeadlessConfig([], {});
    const b = parseHeadlessConfig([], {});
    expect(a.api).toEqual({ host: '127.0.0.1', port: 8080 });
    expect(a.token).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(a.token).not.toBe(b.token);
    expect(a.tokenFromEnv).toBe(false);
  });

  it('takes --api over PAKIT_API, including IPv6', () => {
    expect(parseHeadlessConfig(['--api', '[::1]:9000'], { PAKIT_API: '127.0.0.1:7000' }).api).toEqual({ host: '::1', port: 9000 });
    expect(parseHeadlessConfig([], { PAKIT_API: '127.0.0.1:7000' }).api).toEqual({ host: '127.0.0.1', port: 7000 });
  });

  it('refuses a non-loopback address unless a token was chosen', () => {
    expect(() => parseHeadlessConfig(['--api', '0.0.0.0:8080'], {})).toThrow(/PAKIT_API_TOKEN/);
    const config = parseHeadlessConfig(['--api', '0.0.0.0:8080'], { PAKIT_API_TOKEN: 'a-long-enough-token-123' });
    expect(config).toMatchObject({ token: 'a-long-enough-token-123', tokenFromEnv: true });
  });

  it('refuses malformed addresses, short tokens and unknown flags', () => {
    expect(() => parseHeadlessConfig(['--api', 'localhost'], {})).toThrow(ConfigError);
    expect(() => parseHeadlessConfig(['--api', '127.0.0.1:70000'], {})).toThrow(ConfigError);
    expect(() => parseHeadlessConfig([], { PAKIT_API_TOKEN: 'short' })).toThrow(/PAKIT_API_TOKEN/);
    expect(() => parseHeadlessConfig(['--frobnicate'], {})).toThrow(/--help/);
  });

  it('uses the embedded defaults in demo mode whatever MESH_* says', () => {
    expect(parseHeadlessConfig(['--demo'], { MESH_MAX_PEERS: 'bogus' }).mesh).toEqual(defaultMeshSettings);
  });
});
