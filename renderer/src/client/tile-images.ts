// The map's tiles, fetched from the node that served this console with its access token (a plain
// <img src> cannot carry it) and shown from blob: URLs kept in a bounded cache.
import { storedToken } from './connect.ts';

/** Tiles kept in memory: several screens' worth (a 1080p screen shows about 40). */
const CACHED_TILES = 400;

export class TileImages {
  readonly #template: string;
  readonly #onLoad: () => void;
  /** Tile key → blob: URL, or null when the node has no such tile; oldest first. */
  readonly #cache = new Map<string, string | null>();
  readonly #loading = new Set<string>();
  #closed = false;

  /** `onLoad` runs whenever a tile arrives, so the map can draw it. */
  constructor(template: string, onLoad: () => void) {
    this.#template = template;
    this.#onLoad = onLoad;
  }

  /** The URL to draw tile z/x/y from; undefined while it loads or when the node has none. */
  url(z: number, x: number, y: number): string | undefined {
    const key = `${z}/${x}/${y}`;
    const cached = this.#cache.get(key);
    if (cached !== undefined) {
      this.#cache.delete(key); // most recently used goes last
      this.#cache.set(key, cached);
      return cached ?? undefined;
    }
    if (!this.#loading.has(key)) void this.#load(key, z, x, y);
    return undefined;
  }

  close(): void {
    this.#closed = true;
    for (const url of this.#cache.values()) if (url) URL.revokeObjectURL(url);
    this.#cache.clear();
  }

  async #load(key: string, z: number, x: number, y: number): Promise<void> {
    this.#loading.add(key);
    const path = this.#template.replace('{z}', String(z)).replace('{x}', String(x)).replace('{y}', String(y));
    const token = storedToken();
    let url: string | null = null;
    try {
      const response = await fetch(new URL(path, window.location.href), token ? { headers: { Authorization: `Bearer ${token}` } } : {});
      if (response.ok) url = URL.createObjectURL(await response.blob());
    } catch {
      // The node is unreachable: the connection banner says so; the tile stays blank.
    }
    this.#loading.delete(key);
    if (this.#closed) {
      if (url) URL.revokeObjectURL(url);
      return;
    }
    this.#cache.set(key, url);
    while (this.#cache.size > CACHED_TILES) {
      const [oldest, oldUrl] = this.#cache.entries().next().value!;
      this.#cache.delete(oldest);
      if (oldUrl) URL.revokeObjectURL(oldUrl);
    }
    this.#onLoad();
  }
}
