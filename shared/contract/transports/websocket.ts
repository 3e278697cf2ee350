import type { ClientTransport, ConnectionState } from '../client.ts';
import { contractError, type ContractError } from '../errors.ts';
import { CloseCodes, EventMessage, PROTOCOL, ResponseMessage } from '../wire.ts';

export type WebSocketTransportOptions = {
  url: string;
  token: string;
  /** Per-request deadline; a node that stops answering must not leave the console hanging. */
  requestTimeoutMs?: number;
  /** Reconnect backoff: doubles from `minRetryMs` up to `maxRetryMs`. */
  minRetryMs?: number;
  maxRetryMs?: number;
};

/** `reason` of the error a console gets when the node refuses its token: it should ask for another. */
export const TOKEN_REFUSED = 'token_refused';

/** Subprotocol that carries the access token, since browsers cannot set headers on a WebSocket. */
export const tokenProtocol = (token: string) => `pakit-token.${token}`;

type Pending = { resolve: (response: ResponseMessage) => void; reject: (error: Error) => void; timer: ReturnType<typeof setTimeout> };

/** The contract over a WebSocket (standard API: browsers and Node 22+), reconnecting with backoff. */
export function createWebSocketTransport(options: WebSocketTransportOptions): ClientTransport {
  const { url, token, requestTimeoutMs = 30_000, minRetryMs = 500, maxRetryMs = 15_000 } = options;
  const eventListeners = new Set<(message: EventMessage) => void>();
  const stateListeners = new Set<(state: ConnectionState) => void>();
  const pending = new Map<number, Pending>();
  let state: ConnectionState = { phase: 'connecting', attempt: 1 };
  let socket: WebSocket | undefined;
  let nextId = 1;
  let attempt = 0;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  let closedByUser = false;

  const setState = (next: ConnectionState) => {
    state = next;
    for (const listener of stateListeners) listener(next);
  };

  const failPending = (reason: string) => {
    for (const [id, entry] of pending) {
      clearTimeout(entry.timer);
      entry.reject(new Error(reason));
      pending.delete(id);
    }
  };

  const connect = () => {
    attempt += 1;
    setState({ phase: 'connecting', attempt });
    const ws = new WebSocket(url, [PROTOCOL, tokenProtocol(token)]);
    socket = ws;
    ws.onopen = () => {
      attempt = 0;
      setState({ phase: 'open' });
    };
    ws.onmessage = (message) => {
      if (typeof message.data !== 'string') return;
      let parsed: unknown;
      try {
        parsed = JSON.parse(message.data);
      } catch {
        return;
      }
      const event = EventMessage.safeParse(parsed);
      if (event.success) {
        for (const listener of eventListeners) listener(event.data);
        return;
      }
      const response = ResponseMessage.safeParse(parsed);
      if (response.success && response.data.id !== null) {
        const entry = pending.get(response.data.id);
        if (!entry) return;
        clearTimeout(entry.timer);
        pending.delete(response.data.id);
        entry.resolve(response.data);
      }
    };
    ws.onclose = (close) => {
      if (socket !== ws) return;
      socket = undefined;
      failPending('the connection to the node closed');
      const error = closeError(close.code, close.reason);
      const willRetry = !closedByUser && close.code !== CloseCodes.unauthorized && close.code !== CloseCodes.forbiddenOrigin;
      setState({ phase: 'closed', error, willRetry });
      if (willRetry) retryTimer = setTimeout(connect, Math.min(maxRetryMs, minRetryMs * 2 ** Math.min(attempt, 10)));
    };
  };

  connect();

  return {
    request(method, params) {
      const ws = socket;
      if (!ws || ws.readyState !== WebSocket.OPEN) return Promise.reject(new Error('not connected to the node'));
      const id = nextId++;
      return new Promise<ResponseMessage>((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(id);
          reject(new Error(`no answer to ${method} within ${Math.round(requestTimeoutMs / 1000)} s`));
        }, requestTimeoutMs);
        pending.set(id, { resolve, reject, timer });
        ws.send(JSON.stringify({ kind: 'request', id, method, params }));
      });
    },
    onEvent(listener) {
      eventListeners.add(listener);
      return () => eventListeners.delete(listener);
    },
    onState(listener) {
      stateListeners.add(listener);
      return () => stateListeners.delete(listener);
    },
    get state() {
      return state;
    },
    close() {
      closedByUser = true;
      clearTimeout(retryTimer);
      socket?.close(1000, 'closed by the console');
    },
  };
}

function closeError(code: number, reason: string): ContractError {
  if (code === CloseCodes.unauthorized) {
    return contractError('unauthorized', 'The node refused this console: its access token is missing or wrong.', {
      fix: 'Open the console URL the node printed at start (it carries the token), or set PAKIT_API_TOKEN.',
      reason: TOKEN_REFUSED,
    });
  }
  if (code === CloseCodes.forbiddenOrigin) {
    return contractError('unauthorized', 'The node refused a console loaded from another site.', {
      fix: 'Open the console from the node’s own address.',
    });
  }
  if (code === CloseCodes.shuttingDown) return contractError('unavailable', 'The node is shutting down.');
  return contractError('unavailable', reason ? `Lost the connection to the node (${reason}).` : 'Lost the connection to the node.', {
    fix: 'Check that the node is running; the console reconnects by itself.',
  });
}
