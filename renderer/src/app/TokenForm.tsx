import { useState } from 'react';
import type { ContractError } from '../../../shared/contract/index.ts';
import { rememberToken } from '../client/connect.ts';
import { useT } from '../i18n/index.ts';
import { Problem } from '../views/Problem.tsx';

/**
 * Asks for the console's access token: a bookmark or a new tab has none, and a refused one must be
 * replaced. The token is kept for this tab only; the page then connects afresh with it.
 */
export function TokenForm({ refusal }: { refusal?: ContractError }) {
  const t = useT();
  const [token, setToken] = useState('');
  return (
    <form
      className="card token-form"
      data-testid="token-form"
      onSubmit={(event) => {
        event.preventDefault();
        rememberToken(token.trim());
        window.location.reload();
      }}
    >
      <h1>{t('token.title')}</h1>
      <p>{t('token.explain')}</p>
      <Problem error={refusal} />
      <label className="block">
        {t('token.label')}
        <input
          type="password"
          value={token}
          onChange={(event) => setToken(event.target.value)}
          autoComplete="current-password"
          spellCheck={false}
          required
          pattern="[A-Za-z0-9_\-]{16,128}"
          data-testid="token-input"
        />
      </label>
      <p className="muted small-text">{t('token.kept')}</p>
      <button type="submit" disabled={token.trim() === ''}>{t('token.connect')}</button>
    </form>
  );
}
