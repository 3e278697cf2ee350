export { Catalogue, isFileRoot, MAX_HOLDERS_PER_ENTRY, type CatalogueEntry, type CatalogueHolder, type NameLookup, type SavedEntry } from './catalogue.ts';
export { CatalogueService, type ManifestHeard } from './service.ts';
