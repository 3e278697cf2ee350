import { useEffect, useId, useRef, useState } from 'react';
import { LORA_REGIONS, OWNER_LONG_NAME_BYTES, OWNER_SHORT_NAME_BYTES, type LoraRegion, type RadioDevice } from '../../../shared/contract/index.ts';
import { useT } from '../i18n/index.ts';
import { useRadio } from '../stores/index.ts';
import { Problem } from './Problem.tsx';

const utf8 = new TextEncoder();
const bytesOf = (text: string) => utf8.encode(text.trim()).length;

/** Owner names, region, and which channel Pakit uses: what the stock apps' radio settings offer, and a channel mismatch in words. */
export function RadioSetup({ device }: { device: RadioDevice }) {
  const t = useT();
  const { busy, setupError, setupDone, setOwner, setRegion, setChannel } = useRadio();
  return (
    <div className="card radio-setup" data-testid="radio-setup">
      <h2 className="card-title">{t('radioSetup.title')}</h2>
      {(device.otherChannelTraffic ?? []).map((traffic) => (
        <div key={traffic.channel} className="problem" role="alert" data-testid="channel-mismatch">
          <strong>
            {t('radioSetup.mismatch', { nodes: traffic.nodeIds.join(', '), channel: traffic.channel, ours: device.channelIndex, count: traffic.nodeIds.length })}
          </strong>
          <div>
            {t('radioSetup.mismatchFix', { channel: traffic.channel, ours: device.channelIndex })}{' '}
            <button type="button" disabled={busy} onClick={() => void setChannel(traffic.channel)}>
              {t('radioSetup.useChannel', { channel: traffic.channel })}
            </button>
          </div>
        </div>
      ))}
      <div className="setup-grid">
        <OwnerForm key={`${device.longName}/${device.shortName}`} device={device} busy={busy} onSave={setOwner} />
        <RegionForm device={device} busy={busy} onSet={setRegion} />
      </div>
      <ChannelTable device={device} busy={busy} onChoose={setChannel} />
      {setupDone && (
        <p role="status" className="muted">
          {t(`radioSetup.done.${setupDone}`)}
        </p>
      )}
      <Problem error={setupError} />
    </div>
  );
}

function OwnerForm({ device, busy, onSave }: { device: RadioDevice; busy: boolean; onSave: (longName: string, shortName: string) => Promise<boolean> }) {
  const t = useT();
  const [longName, setLongName] = useState(device.longName);
  const [shortName, setShortName] = useState(device.shortName);
  const longId = useId();
  const shortId = useId();
  const tooLong = bytesOf(longName) > OWNER_LONG_NAME_BYTES || bytesOf(shortName) > OWNER_SHORT_NAME_BYTES;
  const empty = longName.trim() === '' || shortName.trim() === '';
  const unchanged = longName.trim() === device.longName && shortName.trim() === device.shortName;
  return (
    <form
      className="setup-form"
      aria-label={t('radioSetup.owner')}
      onSubmit={(event) => {
        event.preventDefault();
        void onSave(longName, shortName);
      }}
    >
      <h3>{t('radioSetup.owner')}</h3>
      <label htmlFor={longId}>{t('radioSetup.longName')}</label>
      <input id={longId} value={longName} onChange={(event) => setLongName(event.target.value)} aria-describedby={`${longId}-bytes`} />
      <small id={`${longId}-bytes`} className={bytesOf(longName) > OWNER_LONG_NAME_BYTES ? 'bad' : 'muted'}>
        {t('radioSetup.bytes', { used: bytesOf(longName), max: OWNER_LONG_NAME_BYTES })}
      </small>
      <label htmlFor={shortId}>{t('radioSetup.shortName')}</label>
      <input id={shortId} value={shortName} onChange={(event) => setShortName(event.target.value)} size={6} aria-describedby={`${shortId}-bytes`} />
      <small id={`${shortId}-bytes`} className={bytesOf(shortName) > OWNER_SHORT_NAME_BYTES ? 'bad' : 'muted'}>
        {t('radioSetup.bytes', { used: bytesOf(shortName), max: OWNER_SHORT_NAME_BYTES })}
      </small>
      <button type="submit" disabled={busy || tooLong || empty || unchanged}>
        {t('radioSetup.saveOwner')}
      </button>
    </form>
  );
}

function RegionForm({ device, busy, onSet }: { device: RadioDevice; busy: boolean; onSet: (region: LoraRegion) => Promise<boolean> }) {
  const t = useT();
  const unset = device.region === 'UNSET';
  const [region, setRegion] = useState<LoraRegion>(unset ? 'EU_868' : (device.region as LoraRegion));
  const [confirming, setConfirming] = useState(false);
  const dialog = useRef<HTMLDialogElement>(null);
  const selectId = useId();
  useEffect(() => {
    if (confirming) dialog.current?.showModal();
    else dialog.current?.close();
  }, [confirming]);
  return (
    <div className="setup-form">
      <h3>{t('radioSetup.region')}</h3>
      {unset ? (
        <p className="problem" role="alert" data-testid="region-unset">
          <strong>{t('radioSetup.regionUnset')}</strong>
        </p>
      ) : (
        <p>{t('radioSetup.regionIs', { region: device.region, preset: device.preset })}</p>
      )}
      <label htmlFor={selectId}>{t('radioSetup.regionChoice')}</label>
      <select id={selectId} value={region} onChange={(event) => setRegion(event.target.value as LoraRegion)}>
        {LORA_REGIONS.map((name) => (
          <option key={name} value={name}>
            {name}
          </option>
        ))}
      </select>
      <button type="button" disabled={busy || region === device.region} onClick={() => setConfirming(true)}>
        {t('radioSetup.setRegion')}
      </button>
      <dialog ref={dialog} aria-labelledby={`${selectId}-title`} onClose={() => setConfirming(false)} className="confirm">
        <h3 id={`${selectId}-title`}>{t('radioSetup.confirmTitle', { region })}</h3>
        <p>{t('radioSetup.confirmLegal')}</p>
        <p>{t('radioSetup.confirmRestart')}</p>
        <div className="toolbar">
          <button type="button" onClick={() => setConfirming(false)}>
            {t('common.cancel')}
          </button>
          <button
            type="button"
            onClick={() => {
              setConfirming(false);
              void onSet(region);
            }}
          >
            {t('radioSetup.confirmSet', { region })}
          </button>
        </div>
      </dialog>
    </div>
  );
}

function ChannelTable({ device, busy, onChoose }: { device: RadioDevice; busy: boolean; onChoose: (index: number) => Promise<boolean> }) {
  const t = useT();
  const channels = device.channels ?? [];
  return (
    <table className="channels" aria-label={t('radioSetup.channels')}>
      <caption>{t('radioSetup.channelsCaption')}</caption>
      <thead>
        <tr>
          <th scope="col">{t('radioSetup.index')}</th>
          <th scope="col">{t('radioSetup.name')}</th>
          <th scope="col">{t('radioSetup.role')}</th>
          <th scope="col">{t('radioSetup.encryption')}</th>
          <th scope="col">{t('radioSetup.pakitUses')}</th>
        </tr>
      </thead>
      <tbody>
        {channels.map((channel) => (
          <tr key={channel.index} data-channel={channel.index}>
            <td>{channel.index}</td>
            <td>{channel.name || t('radioSetup.presetName', { preset: device.preset })}</td>
            <td>{t(`radioSetup.roles.${channel.role}`)}</td>
            <td>{t(`radioSetup.encryptions.${channel.encryption}`)}</td>
            <td>
              <input
                type="radio"
                name="pakit-channel"
                checked={channel.index === device.channelIndex}
                disabled={busy}
                onChange={() => void onChoose(channel.index)}
                aria-label={t('radioSetup.useChannel', { channel: channel.index })}
              />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
