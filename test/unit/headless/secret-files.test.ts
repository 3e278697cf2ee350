import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { withSecretFiles } from '../../../electron/headless/secret-files.ts';

describe('secrets from files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pakit-secret-'));
  const file = (name: string, text: string) => (writeFileSync(join(dir, name), text), join(dir, name));

  it('reads NAME_FILE into NAME, dropping the one newline an editor adds and nothing else', () => {
    const env = withSecretFiles({ PAKIT_API_TOKEN_FILE: file('token', 'abc def  \n'), PAKIT_KEY_PASSPHRASE: 'given directly', OTHER: 'kept' });
    expect(env).toMatchObject({ PAKIT_API_TOKEN: 'abc def  ', PAKIT_KEY_PASSPHRASE: 'given directly', OTHER: 'kept' });
  });

  it('refuses both forms at once, and names an unreadable file with the reason', () => {
    expect(() => withSecretFiles({ PAKIT_API_TOKEN: 'x', PAKIT_API_TOKEN_FILE: file('t2', 'y') })).toThrow(/either PAKIT_API_TOKEN or PAKIT_API_TOKEN_FILE/);
    expect(() => withSecretFiles({ PAKIT_KEY_PASSPHRASE_FILE: join(dir, 'missing') })).toThrow(/PAKIT_KEY_PASSPHRASE_FILE=.*missing.*no such file/);
  });
});
