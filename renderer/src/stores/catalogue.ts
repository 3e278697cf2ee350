import { create } from 'zustand';
import { LORA_FILE_DEFAULT_BYTES, type CatalogueEntry, type CataloguePage, type ContractClient, type ContractError } from '../../../shared/contract/index.ts';

export const CATALOGUE_PAGE = 50;

/** What became of a request made from the catalogue: fetched over IP, or a LoRa transfer (followed in the transfers store). */
export type CatalogueRequestOutcome =
  | { via: 'ip'; state: 'fetching' | 'stored' }
  | { via: 'lora'; state: 'asked'; transferId: string }
  | { via: 'ip' | 'lora'; state: 'refused'; error: ContractError };

type CatalogueStore = {
  query: string;
  offset: number;
  page: CataloguePage | undefined;
  error: ContractError | undefined;
  /** By content id: the last request made from this view. */
  outcomes: Record<string, CatalogueRequestOutcome>;
  search(query: string): Promise<void>;
  pageTo(offset: number): Promise<void>;
  load(): Promise<void>;
  /** IP when an IP peer announced it (one round trip, no airtime); LoRa when only radio peers hold it. */
  request(entry: CatalogueEntry): Promise<void>;
};

let client: ContractClient | undefined;

/** The transport a request goes by, or undefined when nobody is known to hold the id. */
export function requestVia(entry: CatalogueEntry): 'ip' | 'lora' | undefined {
  if (entry.heldHere) return undefined;
  if (entry.holders.some((holder) => holder.transport === 'ip')) return 'ip';
  // A radio holds it, or it was learned over LoRa with no radio kept: the request asks over LoRa.
  if (entry.learnedOverLora || entry.holders.some((holder) => holder.transport === 'lora')) return 'lora';
  return undefined;
}

export const useCatalogue = create<CatalogueStore>((set, get) => {
  const setOutcome = (id: string, outcome: CatalogueRequestOutcome) => set(({ outcomes }) => ({ outcomes: { ...outcomes, [id]: outcome } }));
  return {
    query: '',
    offset: 0,
    page: undefined,
    error: undefined,
    outcomes: {},
    async search(query) {
      set({ query, offset: 0 });
      await get().load();
    },
    async pageTo(offset) {
      set({ offset: Math.max(0, offset) });
      await get().load();
    },
    async load() {
      if (!client) return;
      const { query, offset } = get();
      const result = await client.call('catalogue.list', { query, offset, limit: CATALOGUE_PAGE });
      // A slower answer to an older search must not replace a newer one.
      if (get().query !== query || get().offset !== offset) return;
      set(result.ok ? { page: result.value, error: undefined } : { error: result.error });
    },
    async request(entry) {
      const via = requestVia(entry);
      if (!client || !via) return;
      const id = entry.contentId;
      if (via === 'ip') {
        setOutcome(id, { via, state: 'fetching' });
        const result = await client.call('mesh.requestBlock', { cid: id });
        setOutcome(id, result.ok ? { via, state: 'stored' } : { via, state: 'refused', error: result.error });
      } else {
        const result = await client.call('files.request', { contentId: id, maxBytes: LORA_FILE_DEFAULT_BYTES });
        setOutcome(id, result.ok ? { via, state: 'asked', transferId: result.value.id } : { via, state: 'refused', error: result.error });
      }
      await get().load();
    },
  };
});

export function bindCatalogue(contractClient: ContractClient): void {
  client = contractClient;
  const load = () => void useCatalogue.getState().load();
  contractClient.onState((state) => {
    if (state.phase === 'open') load();
  });
  if (contractClient.state.phase === 'open') load();
  contractClient.on('catalogue.changed', load);
}
