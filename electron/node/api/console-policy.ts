/**
 * The console's Content-Security-Policy, the same in the desktop app (pakit:// protocol) and the
 * headless node (HTTP): only our own scripts and styles, no fonts or scripts from the network,
 * no framing, no plugins.
 */
export function consoleCsp(): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    // blob: the map's tiles, fetched with the console's token and shown from memory.
    "img-src 'self' data: blob:",
    "font-src 'self'",
    "connect-src 'self'",
    "media-src 'self' data:",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
    "object-src 'none'",
  ].join('; ');
}

export const consoleSecurityHeaders = (): Record<string, string> => ({
  'Content-Security-Policy': consoleCsp(),
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
  // Only features Chromium knows: an unknown one (e.g. `bluetooth`) draws a warning on every load. Web
  // Bluetooth is off anyway: the desktop shell refuses every permission request.
  'Permissions-Policy': 'camera=(), microphone=(), geolocation=(), usb=(), serial=()',
});

const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
  '.wav': 'audio/wav',
};

export const contentTypeFor = (path: string): string => contentTypes[path.slice(path.lastIndexOf('.'))] ?? 'application/octet-stream';

/**
 * Maps a request path to a file inside the console folder, or undefined for anything that would
 * escape it. Unknown paths without an extension fall back to index.html (client-side views).
 */
export function consoleFileFor(urlPath: string): string | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath.split('?')[0] ?? '/');
  } catch {
    return undefined;
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return undefined;
  const segments = decoded.split('/').filter((segment) => segment !== '' && segment !== '.');
  if (segments.some((segment) => segment === '..')) return undefined;
  const last = segments.at(-1);
  if (!last || !last.includes('.')) return 'index.html';
  return segments.join('/');
}
