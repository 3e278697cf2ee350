import { useState } from 'react';
import { useNode, useStorage } from '../stores/index.ts';
import { Problem } from './Problem.tsx';

export function Settings() {
  const info = useNode((store) => store.info);
  const { identity, exportBackup, busy, error, notice } = useStorage();
  const [passphrase, setPassphrase] = useState('');
  if (!info) return <section className="view"><h1>Settings</h1><p className="muted">Waiting for the node…</p></section>;
  const rows: [string, string, string][] = [
    ['Mesh enabled', info.mesh.enabled ? 'yes' : 'no', 'MESH_ENABLED'],
    ['Network id', info.mesh.networkId, 'MESH_NETWORK_ID'],
    ['Discovery interval', `${info.mesh.discoveryIntervalS} s`, 'MESH_DISCOVERY_INTERVAL'],
    ['Max peers', String(info.mesh.maxPeers), 'MESH_MAX_PEERS'],
    ['Byzantine threshold', info.mesh.byzantineThreshold.toFixed(2), 'MESH_BYZANTINE_THRESHOLD'],
    ['Listen address', info.mesh.listen ? `${info.mesh.listen.host.includes(':') ? `[${info.mesh.listen.host}]` : info.mesh.listen.host}:${info.mesh.listen.port}` : '—', 'MESH_LISTEN'],
    ['Bootstrap peers', info.mesh.bootstrap?.length ? info.mesh.bootstrap.join(', ') : 'none', 'MESH_BOOTSTRAP'],
    ['Local discovery (mDNS)', info.mesh.mdns === false ? 'off' : 'on', 'MESH_MDNS'],
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
        <table className="table" data-testid="identity">
          <caption>Identity</caption>
          <tbody>
            <tr><th scope="row">Fingerprint</th><td data-testid="fingerprint">{identity?.fingerprint ?? '—'}</td></tr>
            <tr><th scope="row">Public key</th><td><code className="cid">{identity?.publicKey ?? '—'}</code></td></tr>
            <tr>
              <th scope="row">Key protection</th>
              <td className={identity?.protection === 'weak' ? 'warn-text' : undefined}>
                {identity ? `${identity.protection === 'weak' ? 'WEAK — ' : ''}${identity.protectionDetail}` : '—'}
              </td>
            </tr>
          </tbody>
        </table>
        <form
          className="toolbar"
          onSubmit={(event) => {
            event.preventDefault();
            void exportBackup(passphrase).then(() => setPassphrase(''));
          }}
        >
          <label>
            Backup passphrase <input type="password" value={passphrase} minLength={8} onChange={(event) => setPassphrase(event.target.value)} autoComplete="new-password" />
          </label>
          <button type="submit" disabled={busy || passphrase.length < 8}>Export encrypted backup</button>
        </form>
        <Problem error={error} />
        {notice ? <p role="status">{notice}</p> : null}
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
