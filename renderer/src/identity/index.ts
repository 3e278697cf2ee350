export { fallbackLabel, identityOf, type Identity } from './identity.ts';
export { NodeName } from './NodeName.tsx';
