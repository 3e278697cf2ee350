import { createContractClient, createWebSocketTransport, type MethodName, type MethodOutput, type MethodParams } from '../../shared/contract/index.ts';
import type { RunningNode } from './headless-node.ts';

/** One contract request to a running headless node over its WebSocket, as any client makes it; throws on a refusal. */
export async function callNode<M extends MethodName>(node: RunningNode, method: M, params: MethodParams<M>): Promise<MethodOutput<M>> {
  const client = createContractClient(createWebSocketTransport({ url: `${node.base.replace('http', 'ws')}/api/ws`, token: node.token }));
  try {
    await new Promise<void>((resolve) => client.onState((state) => state.phase === 'open' && resolve()));
    const answer = await client.call(method, params);
    if (!answer.ok) throw new Error(`${method}: ${answer.error.message}`);
    return answer.value;
  } finally {
    client.close();
  }
}
