import {
  ClientMessage,
  contractError,
  issuesFromZod,
  isMethodName,
  methods,
  type ContractError,
  type MethodInput,
  type MethodName,
  type MethodOutput,
  type ResponseMessage,
  type Result,
} from '../../../shared/contract/index.ts';
import type { EventHub } from '../event-hub.ts';
import { EventPump, realTimers, type EventSink, type Timers } from './event-pump.ts';
import { knownFailure } from './known-failures.ts';

export type Handlers = {
  [M in MethodName]: (input: MethodInput<M>) => Promise<MethodOutput<M>> | MethodOutput<M>;
};

/** A domain error that knows how to present itself to the operator (radio, storage, identity...). */
export interface OperatorFacingError {
  toContractError(): ContractError;
}

const isOperatorFacing = (error: unknown): error is OperatorFacingError =>
  typeof error === 'object' && error !== null && typeof (error as Partial<OperatorFacingError>).toContractError === 'function';

export type ContractServerOptions = {
  handlers: Handlers;
  hub: EventHub;
  /** Where internal failures are reported with their detail; the caller only sees a short message. */
  reportInternalError: (method: string, error: unknown) => void;
  timers?: Timers;
};

export interface ConsoleConnection {
  /** Handles one raw message from this console (already JSON-decoded or structured-cloned). */
  handle(raw: unknown): Promise<ResponseMessage>;
  close(): void;
}

/**
 * Serves the contract to any number of consoles over any transport. Every input is validated
 * against its schema; every output is parsed through its schema too, which strips fields the
 * contract does not declare (nothing private leaks by accident).
 */
export class ContractServer {
  #options: ContractServerOptions;
  #connections = new Set<ConsoleConnection>();

  constructor(options: ContractServerOptions) {
    this.#options = options;
  }

  get connectionCount(): number {
    return this.#connections.size;
  }

  async call(method: string, params: unknown): Promise<Result<unknown>> {
    if (!isMethodName(method)) {
      return {
        ok: false,
        error: contractError('unknown_method', `There is no method called "${method}".`, {
          fix: `Known methods: ${Object.keys(methods).join(', ')}.`,
        }),
      };
    }
    const spec = methods[method];
    const input = spec.input.safeParse(params ?? {});
    if (!input.success) {
      return {
        ok: false,
        error: contractError('invalid_input', `The input for ${method} is not valid.`, {
          issues: issuesFromZod(input.error),
          fix: 'Correct the fields listed and try again.',
        }),
      };
    }
    let result: unknown;
    try {
      const handler = this.#options.handlers[method] as (input: unknown) => unknown;
      result = await handler(input.data);
    } catch (error) {
      if (isOperatorFacing(error)) return { ok: false, error: error.toContractError() };
      const known = knownFailure(error);
      if (known) return { ok: false, error: known };
      this.#options.reportInternalError(method, error);
      return { ok: false, error: contractError('internal', `The node failed while handling ${method}. The details are in the log.`) };
    }
    const output = spec.output.safeParse(result);
    if (!output.success) {
      this.#options.reportInternalError(method, output.error);
      return { ok: false, error: contractError('internal', `The node produced an invalid answer to ${method}. The details are in the log.`) };
    }
    return { ok: true, value: output.data };
  }

  /** Opens a console connection whose events go to `sink`, shaped by the contract's delivery policies. */
  connect(sink: EventSink): ConsoleConnection {
    const pump = new EventPump(sink, this.#options.timers ?? realTimers);
    const unsubscribe = this.#options.hub.subscribe((name, payload) => pump.push(name, payload));
    const connection: ConsoleConnection = {
      handle: (raw) => this.#handleMessage(raw),
      close: () => {
        unsubscribe();
        pump.close();
        this.#connections.delete(connection);
      },
    };
    this.#connections.add(connection);
    return connection;
  }

  async #handleMessage(raw: unknown): Promise<ResponseMessage> {
    const envelope = ClientMessage.safeParse(raw);
    if (!envelope.success) {
      const id = typeof raw === 'object' && raw !== null && Number.isSafeInteger((raw as { id?: unknown }).id) ? (raw as { id: number }).id : null;
      return {
        kind: 'response',
        id,
        ok: false,
        error: contractError('malformed_message', 'The message is not a contract request.', {
          issues: issuesFromZod(envelope.error),
          fix: 'Send {"kind":"request","id":<number>,"method":"<name>","params":{...}}.',
        }),
      };
    }
    const { id, method, params } = envelope.data;
    const result = await this.call(method, params);
    return result.ok ? { kind: 'response', id, ok: true, result: result.value } : { kind: 'response', id, ok: false, error: result.error };
  }
}
