import { useState } from 'react';
import { useT } from '../i18n/index.ts';
import { useMap } from '../stores/index.ts';
import { Problem } from './Problem.tsx';

/** Settings: which MBTiles file the node serves for the map (a path on the node's computer). */
export function MapTilesSetting() {
  const t = useT();
  const { tiles, choiceError, busy, chooseTileFile } = useMap();
  const [path, setPath] = useState('');
  return (
    <div className="card" data-testid="tile-setting">
      <h2 className="card-title">{t('map.settingTitle')}</h2>
      <p data-testid="tile-setting-current">{tiles?.available ? t('map.settingCurrent', { name: tiles.name, file: tiles.file }) : t('map.settingNone')}</p>
      <form
        className="toolbar"
        onSubmit={(event) => {
          event.preventDefault();
          void chooseTileFile(path).then((ok) => ok && setPath(''));
        }}
      >
        <label>
          {t('map.settingPath')} <input type="text" value={path} size={48} onChange={(event) => setPath(event.target.value)} placeholder={t('map.settingPlaceholder')} data-testid="tile-path" />
        </label>
        <button type="submit" disabled={busy || path.trim() === ''}>
          {t('map.settingUse')}
        </button>
        {tiles?.available ? (
          <button type="button" disabled={busy} onClick={() => void chooseTileFile('')}>
            {t('map.settingNoFile')}
          </button>
        ) : null}
      </form>
      <p className="muted">{t('map.settingHint')}</p>
      <Problem error={choiceError} />
    </div>
  );
}
