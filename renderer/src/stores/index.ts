import type { ContractClient } from '../../../shared/contract/index.ts';
import { bindConnection } from './connection.ts';
import { bindLog } from './log.ts';
import { bindNode } from './node.ts';

export { useConnection } from './connection.ts';
export { useLog } from './log.ts';
export { useNode } from './node.ts';

/** Each store subscribes to the part of the contract it mirrors. */
export function bindStores(client: ContractClient, via: 'desktop' | 'websocket'): void {
  bindConnection(client, via);
  bindNode(client);
  bindLog(client);
}
