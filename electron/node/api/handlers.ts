import type { PakitNode } from '../node.ts';
import type { Handlers } from './contract-server.ts';

/** Binds each contract method to the node service that answers it. */
export function createHandlers(node: PakitNode): Handlers {
  return {
    'node.info': () => node.info(),
    'node.status': () => node.status.latest(),
    'node.statusHistory': ({ limit }) => node.status.history(limit),
    'log.recent': ({ limit, minLevel }) => node.log.recent(limit, minLevel),
  };
}
