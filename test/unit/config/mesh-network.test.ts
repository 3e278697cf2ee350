// Where the IP mesh listens and how it finds peers: MESH_LISTEN, MESH_BOOTSTRAP, MESH_MDNS, --mesh-listen.
import { describe, expect, it } from 'vitest';
import { demoNodeMesh } from '../../../electron/headless/demo-mesh.ts';
import { parseHeadlessConfig } from '../../../electron/headless/config.ts';
import { ConfigError, defaultMeshNetwork, defaultMeshSettings, meshNetworkOf, meshSettingsFromEnv } from '../../../electron/node/config.ts';

const PEER = '12D3KooWQLcdG2vzBWDbN5ZSQPNNGNT5hfHYfPJUDTNgjgj3XUPf';

function refusal(env: Record<string, string>): ConfigError {
  try {
    meshSettingsFromEnv(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error(`accepted ${JSON.stringify(env)}`);
}

describe('mesh network settings', () => {
  it('listens on 0.0.0.0:7777 with mDNS and no bootstrap list unless told otherwise', () => {
    expect(meshNetworkOf(meshSettingsFromEnv({}))).toEqual({ listen: { host: '0.0.0.0', port: 7777 }, bootstrap: [], mdns: true });
    expect(meshNetworkOf(defaultMeshSettings)).toEqual(defaultMeshNetwork);
  });

  it('reads MESH_LISTEN, MESH_BOOTSTRAP (comma-separated, spaces allowed) and MESH_MDNS', () => {
    const settings = meshSettingsFromEnv({
      MESH_LISTEN: '[::1]:0',
      MESH_BOOTSTRAP: ` /ip4/192.168.1.20/tcp/7777/p2p/${PEER} , /dns4/relay.example/tcp/7000/p2p/${PEER}`,
      MESH_MDNS: 'off',
    });
    expect(meshNetworkOf(settings)).toEqual({
      listen: { host: '::1', port: 0 },
      bootstrap: [`/ip4/192.168.1.20/tcp/7777/p2p/${PEER}`, `/dns4/relay.example/tcp/7000/p2p/${PEER}`],
      mdns: false,
    });
  });

  it.each([
    ['MESH_LISTEN', '7777', 'HOST:PORT'],
    ['MESH_LISTEN', '0.0.0.0:99999', 'HOST:PORT'],
    ['MESH_BOOTSTRAP', '/ip4/192.168.1.20/tcp/7777', 'the peer id is required'],
    ['MESH_BOOTSTRAP', '/ip4/192.168.1.20/tcp/7777/p2p/not-a-peer-id', 'the peer id is required'],
    ['MESH_BOOTSTRAP', `192.168.1.20:7777`, 'multiaddrs'],
    ['MESH_MDNS', 'sometimes', 'true or false'],
  ])('refuses %s=%s naming the variable and what is allowed', (name, value, allowed) => {
    const error = refusal({ [name]: value });
    expect(error.message).toContain(`${name}=${JSON.stringify(value)}`);
    expect(error.allowed).toContain(allowed);
  });
});

describe('headless --mesh-listen', () => {
  it('takes --mesh-listen over MESH_LISTEN', () => {
    expect(parseHeadlessConfig(['--mesh-listen', '127.0.0.1:0'], { MESH_LISTEN: '0.0.0.0:9000' }).mesh.listen).toEqual({ host: '127.0.0.1', port: 0 });
    expect(parseHeadlessConfig([], { MESH_LISTEN: '0.0.0.0:9000' }).mesh.listen).toEqual({ host: '0.0.0.0', port: 9000 });
    expect(() => parseHeadlessConfig(['--mesh-listen', 'nowhere'], {})).toThrow(/--mesh-listen/);
  });

  it('the demo joins its own peers on loopback, without mDNS, on a free port unless --mesh-listen says otherwise', () => {
    const demo = { gossipPeers: [`/ip4/127.0.0.1/tcp/4100/p2p/${PEER}`] };
    const defaults = parseHeadlessConfig(['--demo'], { MESH_LISTEN: '0.0.0.0:9000', MESH_MDNS: 'true' }).mesh;
    expect(meshNetworkOf(demoNodeMesh(defaults, demo))).toEqual({ listen: { host: '127.0.0.1', port: 0 }, bootstrap: demo.gossipPeers, mdns: false });
    const chosen = parseHeadlessConfig(['--demo', '--mesh-listen', '127.0.0.1:7100'], {}).mesh;
    expect(demoNodeMesh(chosen, demo).listen).toEqual({ host: '127.0.0.1', port: 7100 });
  });
});
