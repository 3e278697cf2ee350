// Secrets from files, the way containers and service managers hand them over (Docker/compose
// secrets in /run/secrets, systemd credentials): NAME_FILE holds the path, the file the value.
import { readFileSync } from 'node:fs';
import { ConfigError } from '../node/config.ts';

type Env = Record<string, string | undefined>;

export const SECRET_VARIABLES = ['PAKIT_KEY_PASSPHRASE', 'PAKIT_API_TOKEN', 'PAKIT_BACKUP_PASSPHRASE'] as const;

/** `env` with every `<secret>_FILE` read into `<secret>` (one trailing newline dropped, as editors add it). */
export function withSecretFiles(env: Env, read: (path: string) => string = (path) => readFileSync(path, 'utf8')): Env {
  const result: Env = { ...env };
  for (const name of SECRET_VARIABLES) {
    const path = env[`${name}_FILE`];
    if (path === undefined || path === '') continue;
    if (env[name]) throw new ConfigError(`${name}_FILE`, path, `either ${name} or ${name}_FILE, not both`);
    let text: string;
    try {
      text = read(path);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'not readable by this user' : (error as Error).message;
      throw new ConfigError(`${name}_FILE`, path, `a file this user can read (here: ${why})`);
    }
    result[name] = text.replace(/\r?\n$/, '');
  }
  return result;
}
