// Where the node is and how to get in: a console URL as the node prints it (the token after
// `#token=`), or a base URL plus PAKIT_API_TOKEN. Pure, so every case is tested without a node.

export type Target = { wsUrl: string; token: string; base: string };

export class UsageError extends Error {
  override name = 'UsageError';
}

const DEFAULT_URL = 'http://127.0.0.1:8080';

/** `url`: --url or PAKIT_URL; `token`: --token or PAKIT_API_TOKEN (a token in the URL wins over neither). */
export function targetOf(options: { url?: string | undefined; token?: string | undefined }): Target {
  const given = options.url?.trim() || DEFAULT_URL;
  let url: URL;
  try {
    url = new URL(/^[a-z]+:\/\//i.test(given) ? given : `http://${given}`);
  } catch {
    throw new UsageError(`"${given}" is not a node address. Give the console URL the node printed, or http://HOST:PORT.`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`"${given}": the node speaks http or https, not ${url.protocol.slice(0, -1)}.`);
  const fromUrl = new URLSearchParams(url.hash.slice(1)).get('token') ?? undefined;
  const token = options.token?.trim() || fromUrl;
  if (!token) {
    throw new UsageError('No access token. Pass the console URL the node printed (…/#token=…), or set PAKIT_API_TOKEN (or --token).');
  }
  const base = `${url.protocol}//${url.host}`;
  const ws = new URL('/api/ws', base);
  ws.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  return { wsUrl: ws.toString(), token, base };
}
