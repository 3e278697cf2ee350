import { join } from 'node:path';
import { loadOrCreateIdentity, type NodeIdentity, type SecretProtector } from './identity/index.ts';
import { BlockStore } from './storage/index.ts';

export type NodeState = { identity: NodeIdentity; created: boolean; store: BlockStore };

/**
 * Opens what a node keeps on disk under `dataDir`: its identity (`identity.key`, unlocked by the
 * host's protector; created only when there is none) and its block store (`store/`).
 */
export async function openNodeState(dataDir: string, protector: SecretProtector, options: { quotaBytes?: number } = {}): Promise<NodeState> {
  const { identity, created } = await loadOrCreateIdentity({ keyFile: identityKeyFile(dataDir), protector });
  const store = await BlockStore.open(join(dataDir, 'store'), options.quotaBytes === undefined ? {} : { quotaBytes: options.quotaBytes });
  return { identity, created, store };
}

export const identityKeyFile = (dataDir: string) => join(dataDir, 'identity.key');
