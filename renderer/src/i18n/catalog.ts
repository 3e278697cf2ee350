/** A catalog with the same keys as `T`, every leaf a string: what each translation must provide. */
export type CatalogOf<T> = { [K in keyof T]: T[K] extends string ? string : CatalogOf<T[K]> };
