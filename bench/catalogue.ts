// The catalogue at its bound, saved in a real database: 5,000 ids, each with 16 holders (8 radios, 8 IP
// peers), a fifth of them named by manifests heard; the page's names are looked up in `file_names` as
// the node does. Figures, each the median of repeated runs:
//   catalogue.page_ms: the first page the Catalogue view asks for (50 entries, no search);
//   catalogue.search_ms: a search by name that matches a fifth of the ids (first page);
//   catalogue.search_miss_ms: a search that matches nothing (every id and name compared);
//   catalogue.note_us_per_holder: filling it, per holder heard (index sync batches of 5,000 ids and
//     storage announcements of 256), saved to the database as the node does;
//   catalogue.baseline_copy_ms: a shallow copy of 5,000 plain records, the floor of any listing
//     that looks at every id, measured in the same run; `*_ratio` figures divide by it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CatalogueService } from '../electron/node/catalogue/index.ts';
import { NodeDatabase } from '../electron/node/db/index.ts';
import { EventHub } from '../electron/node/event-hub.ts';
import { FileNames } from '../electron/node/files/names.ts';
import { BlockStore } from '../electron/node/storage/index.ts';
import { contentIdFor, RAW_CODEC } from '../electron/node/storage/content-id.ts';

const IDS = 5000;
const HOLDERS = 8;
const RUNS = 60;

export async function run(log: (line: string) => void): Promise<Record<string, number>> {
  const dir = mkdtempSync(join(tmpdir(), 'pakit-bench-catalogue-'));
  const { database } = NodeDatabase.open(join(dir, 'pakit.db'));
  const store = await BlockStore.open(join(dir, 'store'));
  try {
    let now = 1_700_000_000_000;
    const clock = { now: () => now };
    const fileNames = new FileNames(database, clock.now);
    const ids = Array.from({ length: IDS }, (_, i) => contentIdFor(RAW_CODEC, new TextEncoder().encode(`block ${i}`)).toString());
    const catalogue = new CatalogueService({
      clock,
      hub: new EventHub(),
      store,
      database,
      names: (id) => {
        const known = fileNames.get(id);
        return known && { name: known.name, ...(known.mediaType ? { type: known.mediaType } : {}) };
      },
    });
    const started = performance.now();
    for (let h = 0; h < HOLDERS; h++) {
      now += 1000;
      catalogue.learned([{ peer: `!0000000${h}`, ids }]);
      // As IP peers announce what they hold: storage announcements of up to 256 ids.
      for (let i = 0; i < IDS; i += 256) catalogue.announced({ kind: 'storage', body: { capacity: 1e9, blocks: ids.slice(i, i + 256) }, author: `12D3KooWpeer${h}`, receivedAt: now } as never);
    }
    // A fifth named by manifests heard on air; the page's names are looked up in file_names as the node does.
    ids.forEach((contentId, i) => i % 5 === 0 && catalogue.manifestHeard({ radioId: '!00000009', contentId, size: 1000, name: `report-${i}.txt`, mediaType: 'text/plain' }));
    const fillMs = performance.now() - started;
    log(`filled ${IDS} ids × ${HOLDERS * 2} holders in ${fillMs.toFixed(0)} ms`);

    const records = ids.map((id, i) => ({ id, size: i, lastSeen: now, holders: [] as unknown[] }));
    const figures: Record<string, number> = {
      'catalogue.baseline_copy_ms': await median(() => records.map((record) => ({ ...record }))),
      'catalogue.page_ms': await median(() => catalogue.list({ query: '', offset: 0, limit: 50 })),
      'catalogue.search_ms': await median(() => catalogue.list({ query: 'REPORT-', offset: 0, limit: 50 })),
      'catalogue.search_miss_ms': await median(() => catalogue.list({ query: 'no-such-name', offset: 0, limit: 50 })),
    };
    figures['catalogue.note_us_per_holder'] = (fillMs * 1000) / (IDS * HOLDERS * 2);
    const page = await catalogue.list({ query: 'report-', offset: 0, limit: 50 });
    if (page.total !== IDS / 5 || page.known !== IDS) throw new Error(`unexpected listing: ${page.total} of ${page.known}`);
    const baseline = figures['catalogue.baseline_copy_ms']!;
    for (const name of ['page', 'search', 'search_miss']) figures[`catalogue.${name}_ratio`] = figures[`catalogue.${name}_ms`]! / baseline;
    return figures;
  } finally {
    store.close();
    database.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function median(work: () => unknown): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const start = performance.now();
    await work();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(RUNS / 2)]!;
}
