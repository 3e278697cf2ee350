import { useState } from 'react';
import { currentLanguage, languages, setLanguage, useT, type Language } from '../i18n/index.ts';
import { useNode, useStorage } from '../stores/index.ts';
import { MapTilesSetting } from './MapTilesSetting.tsx';
import { Problem } from './Problem.tsx';

export function Settings() {
  const info = useNode((store) => store.info);
  const { identity, exportBackup, busy, error, notice } = useStorage();
  const [passphrase, setPassphrase] = useState('');
  const t = useT();
  if (!info) return <section className="view"><h1>{t('settings.title')}</h1><LanguageChoice /><p className="muted">{t('common.waitingForNode')}</p></section>;
  const rows: [string, string, string][] = [
    [t('settings.meshEnabled'), info.mesh.enabled ? t('common.yes') : t('common.no'), 'MESH_ENABLED'],
    [t('settings.networkId'), info.mesh.networkId, 'MESH_NETWORK_ID'],
    [t('settings.discoveryInterval'), t('settings.seconds', { count: info.mesh.discoveryIntervalS }), 'MESH_DISCOVERY_INTERVAL'],
    [t('settings.maxPeers'), String(info.mesh.maxPeers), 'MESH_MAX_PEERS'],
    [t('settings.byzantineThreshold'), info.mesh.byzantineThreshold.toFixed(2), 'MESH_BYZANTINE_THRESHOLD'],
    [t('settings.listenAddress'), info.mesh.listen ? `${info.mesh.listen.host.includes(':') ? `[${info.mesh.listen.host}]` : info.mesh.listen.host}:${info.mesh.listen.port}` : t('common.none'), 'MESH_LISTEN'],
    [t('settings.bootstrapPeers'), info.mesh.bootstrap?.length ? info.mesh.bootstrap.join(', ') : t('settings.noBootstrap'), 'MESH_BOOTSTRAP'],
    [t('settings.mdns'), info.mesh.mdns === false ? t('settings.off') : t('settings.on'), 'MESH_MDNS'],
  ];
  return (
    <section className="view">
      <h1>{t('settings.title')}</h1>
      <LanguageChoice />
      <div className="card">
        <table className="table">
          <caption>{t('settings.meshCaption')}</caption>
          <thead>
            <tr><th scope="col">{t('settings.setting')}</th><th scope="col">{t('settings.value')}</th><th scope="col">{t('settings.setWith')}</th></tr>
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
          <caption>{t('settings.identity')}</caption>
          <tbody>
            <tr><th scope="row">{t('settings.fingerprint')}</th><td data-testid="fingerprint">{identity?.fingerprint ?? t('common.none')}</td></tr>
            <tr><th scope="row">{t('settings.publicKey')}</th><td><code className="cid">{identity?.publicKey ?? t('common.none')}</code></td></tr>
            <tr>
              <th scope="row">{t('settings.keyProtection')}</th>
              <td className={identity?.protection === 'weak' ? 'warn-text' : undefined}>
                {identity ? (identity.protection === 'weak' ? t('settings.weak', { detail: identity.protectionDetail }) : identity.protectionDetail) : t('common.none')}
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
          {/* Names the identity the passphrase belongs to, for password managers (and Chromium's form check). */}
          <input type="text" name="username" autoComplete="username" value={identity?.fingerprint ?? ''} readOnly hidden />
          <label>
            {t('settings.backupPassphrase')} <input type="password" value={passphrase} minLength={8} onChange={(event) => setPassphrase(event.target.value)} autoComplete="new-password" />
          </label>
          <button type="submit" disabled={busy || passphrase.length < 8}>{t('settings.exportBackup')}</button>
        </form>
        <Problem error={error} />
        {notice ? <p role="status">{notice}</p> : null}
      </div>
      <MapTilesSetting />
      <div className="card">
        <table className="table">
          <caption>{t('settings.thisNode')}</caption>
          <tbody>
            <tr><th scope="row">{t('settings.version')}</th><td>{info.version}</td></tr>
            <tr><th scope="row">{t('settings.runsAs')}</th><td>{info.host === 'desktop' ? t('settings.desktopApp') : t('settings.headlessNode')}</td></tr>
            <tr><th scope="row">{t('settings.runtime')}</th><td>{info.runtime}</td></tr>
            <tr><th scope="row">{t('settings.platform')}</th><td>{info.platform}</td></tr>
          </tbody>
        </table>
      </div>
    </section>
  );
}

/** Switches the console's language at once; the choice is kept in this browser or app profile. */
function LanguageChoice() {
  const t = useT();
  const [language, choose] = useState<Language>(currentLanguage);
  return (
    <div className="card">
      <label>
        {t('settings.languageCaption')}{' '}
        <select
          value={language}
          data-testid="language"
          onChange={(event) => {
            const chosen = event.target.value as Language;
            setLanguage(chosen);
            choose(chosen);
          }}
        >
          {languages.map((option) => (
            <option key={option.id} value={option.id} lang={option.id}>{option.name}</option>
          ))}
        </select>
      </label>
    </div>
  );
}
