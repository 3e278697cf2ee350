import { contractError, type ContractError, type Result } from './errors.ts';
import type { EventName, EventPayload } from './events.ts';
import type { MethodName, MethodOutput, MethodParams } from './methods.ts';
import type { EventMessage, ResponseMessage } from './wire.ts';

export type ConnectionState =
  | { phase: 'connecting'; attempt: number }
  | { phase: 'open' }
  | { phase: 'closed'; error: ContractError; willRetry: boolean };

/** What a transport (WebSocket, Electron bridge) gives the client: the same protocol underneath. */
export interface ClientTransport {
  request(method: string, params: unknown): Promise<ResponseMessage>;
  onEvent(listener: (message: EventMessage) => void): () => void;
  onState(listener: (state: ConnectionState) => void): () => void;
  readonly state: ConnectionState;
  close(): void;
}

export type EventHandler<E extends EventName> = (items: EventPayload<E>[], dropped: number) => void;

/** The one client interface the console uses, whichever transport is underneath. */
export interface ContractClient {
  call<M extends MethodName>(method: M, params: MethodParams<M>): Promise<Result<MethodOutput<M>>>;
  on<E extends EventName>(event: E, handler: EventHandler<E>): () => void;
  onState(listener: (state: ConnectionState) => void): () => void;
  readonly state: ConnectionState;
  close(): void;
}

export function createContractClient(transport: ClientTransport): ContractClient {
  const handlers = new Map<string, Set<(items: unknown[], dropped: number) => void>>();
  transport.onEvent((message) => {
    for (const handler of handlers.get(message.event) ?? []) handler(message.data, message.dropped);
  });
  return {
    async call(method, params) {
      try {
        const response = await transport.request(method, params);
        // Main validated the output against the contract's schema before sending it.
        return response.ok ? { ok: true, value: response.result as never } : { ok: false, error: response.error };
      } catch (cause) {
        return { ok: false, error: contractError('unavailable', `The node did not answer: ${describe(cause)}`) };
      }
    },
    on(event, handler) {
      const set = handlers.get(event) ?? new Set();
      handlers.set(event, set);
      const untyped = handler as (items: unknown[], dropped: number) => void;
      set.add(untyped);
      return () => set.delete(untyped);
    },
    onState: (listener) => transport.onState(listener),
    get state() {
      return transport.state;
    },
    close: () => transport.close(),
  };
}

function describe(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}
