import { createContractClient, createWebSocketTransport, type ContractClient, type ContractError } from '../shared/contract/index.ts';
import type { Target } from './target.ts';

/** The node could not be reached or refused us: the contract's own error, with its fix. */
export class ConnectError extends Error {
  override name = 'ConnectError';
  readonly error: ContractError;
  constructor(error: ContractError) {
    super(error.message);
    this.error = error;
  }
}

/** A command waits this many failed attempts (about a second) before saying no node answers. */
const ATTEMPTS = 3;

/** Opens the contract over the node's WebSocket; fails with the node's words, or when nobody answers. */
export function connect(target: Target, timeoutMs = 8_000): Promise<ContractClient> {
  const client = createContractClient(createWebSocketTransport({ url: target.wsUrl, token: target.token, minRetryMs: 250, maxRetryMs: 1_000 }));
  return new Promise((resolve, reject) => {
    let failures = 0;
    const unreachable = () =>
      new ConnectError({
        code: 'unavailable',
        message: `No node answered at ${target.base}.`,
        fix: 'Check that the node runs (npm run node) and the address: --url or PAKIT_URL.',
      });
    const done = (outcome: () => void) => {
      clearTimeout(timer);
      stop();
      outcome();
    };
    const timer = setTimeout(() => {
      client.close();
      done(() => reject(unreachable()));
    }, timeoutMs);
    const stop = client.onState((state) => {
      if (state.phase === 'open') done(() => resolve(client));
      else if (state.phase === 'closed') {
        failures += 1;
        if (!state.willRetry) done(() => (client.close(), reject(new ConnectError(state.error))));
        else if (failures >= ATTEMPTS) done(() => (client.close(), reject(unreachable())));
      }
    });
  });
}
