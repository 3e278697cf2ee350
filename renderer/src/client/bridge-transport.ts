import type { ClientTransport, ConnectionState, PakitBridge } from '../../../shared/contract/index.ts';

/** The contract over the desktop app's preload bridge: IPC is always there, so it is always open. */
export function createBridgeTransport(bridge: PakitBridge): ClientTransport {
  const state: ConnectionState = { phase: 'open' };
  const unsubscribers = new Set<() => void>();
  return {
    request: (method, params) => bridge.request(method, params),
    onEvent(listener) {
      const unsubscribe = bridge.onEvent(listener);
      unsubscribers.add(unsubscribe);
      return () => {
        unsubscribers.delete(unsubscribe);
        unsubscribe();
      };
    },
    onState(listener) {
      listener(state);
      return () => undefined;
    },
    state,
    close() {
      for (const unsubscribe of unsubscribers) unsubscribe();
      unsubscribers.clear();
    },
  };
}
