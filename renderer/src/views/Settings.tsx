import { useNode } from '../stores/index.ts';

export function Settings() {
  const info = useNode((store) => store.info);
  if (!info) return <section className="view"><h1>Settings</h1><p className="muted">Waiting for the node…</p></section>;
  const rows: [string, string, string][] = [
    ['Mesh enabled', info.mesh.enabled ? 'yes' : 'no', 'MESH_ENABLED'],
    ['Network id', info.mesh.networkId, 'MESH_NETWORK_ID'],
    ['Discovery interval', `${info.mesh.discoveryIntervalS} s`, 'MESH_DISCOVERY_INTERVAL'],
    ['Max peers', String(info.mesh.maxPeers), 'MESH_MAX_PEERS'],
    ['Byzantine threshold', info.mesh.byzantineThreshold.toFixed(2), 'MESH_BYZANTINE_THRESHOLD'],
  ];
  return (
    <section className="view">
      <h1>Settings</h1>
      <div className="card">
        <table className="table">
          <caption>Mesh settings, read when the node started</caption>
          <thead>
            <tr><th scope="col">Setting</th><th scope="col">Value</th><th scope="col">Set with</th></tr>
          </thead>
          <tbody>
            {rows.map(([name, value, variable]) => (
              <tr key={variable}><th scope="row">{name}</th><td>{value}</td><td><code>{variable}</code></td></tr>
            ))}
          </tbody>
        </table>
      </div>
      <div className="card">
        <table className="table">
          <caption>This node</caption>
          <tbody>
            <tr><th scope="row">Version</th><td>{info.version}</td></tr>
            <tr><th scope="row">Runs as</th><td>{info.host === 'desktop' ? 'desktop app' : 'headless node'}</td></tr>
            <tr><th scope="row">Runtime</th><td>{info.runtime}</td></tr>
            <tr><th scope="row">Platform</th><td>{info.platform}</td></tr>
          </tbody>
        </table>
      </div>
    </section>
  );
}
