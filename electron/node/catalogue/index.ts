export { Catalogue, MAX_HOLDERS_PER_ENTRY, type CatalogueEntry, type CatalogueHolder, type NameLookup } from './catalogue.ts';
export { CatalogueService } from './service.ts';
