import { describe, expect, it } from 'vitest';
import { contractError } from '../../../shared/contract/index.ts';
import { ContractServer, type Handlers } from '../../../electron/node/api/contract-server.ts';
import { createHandlers } from '../../../electron/node/api/handlers.ts';
import { EventHub } from '../../../electron/node/event-hub.ts';
import { createTestNode } from '../../helpers/test-node.ts';

async function serverWith(overrides: Partial<Handlers> = {}) {
  const node = await createTestNode();
  const reported: string[] = [];
  const handlers = { ...createHandlers(node), ...overrides } as Handlers;
  const server = new ContractServer({ handlers, hub: new EventHub(), reportInternalError: (method) => reported.push(method) });
  return { server, reported };
}

describe('ContractServer', () => {
  it('answers a valid request with the validated output', async () => {
    const { server } = await serverWith();
    const result = await server.call('node.info', {});
    expect(result).toMatchObject({ ok: true, value: { product: 'Pakit Mesh', version: '9.9.9', host: 'headless' } });
  });

  it('refuses an unknown method and names the known ones', async () => {
    const { server } = await serverWith();
    const result = await server.call('node.selfDestruct', {});
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.code).toBe('unknown_method');
    expect(result.error.fix).toContain('node.info');
  });

  it('answers invalid input with a typed validation error listing each field', async () => {
    const { server } = await serverWith();
    const result = await server.call('log.recent', { limit: 'lots', minLevel: 'loud' });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.code).toBe('invalid_input');
    expect(result.error.issues?.map((issue) => issue.path).sort()).toEqual(['limit', 'minLevel']);
  });

  it('refuses fields the contract does not declare (strict inputs)', async () => {
    const { server } = await serverWith();
    const result = await server.call('node.info', { extra: 1 });
    expect(result).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
  });

  it('applies input defaults before the handler runs', async () => {
    let seen: unknown;
    const { server } = await serverWith({ 'log.recent': (input) => ((seen = input), []) });
    await server.call('log.recent', {});
    expect(seen).toEqual({ limit: 500, minLevel: 'debug' });
  });

  it('strips output fields the contract does not declare, so nothing private leaks by accident', async () => {
    const { server } = await serverWith({
      'node.statusHistory': () => [{ sampledAt: 1, uptimeS: 1, rssBytes: 1, heapUsedBytes: 1, heapTotalBytes: 1, eventsPerSecond: 0, eventsTotal: 0, consoleConnections: 0, secretKey: 'x' } as never],
    });
    const result = await server.call('node.statusHistory', {});
    expect(result.ok && JSON.stringify(result.value)).not.toContain('secretKey');
  });

  it('reports a handler crash as an internal error without its detail, and keeps serving', async () => {
    const { server, reported } = await serverWith({
      'node.status': () => {
        throw new Error('boom at /home/operator/secret');
      },
    });
    const result = await server.call('node.status', {});
    expect(result).toMatchObject({ ok: false, error: { code: 'internal' } });
    expect(JSON.stringify(result)).not.toContain('secret');
    expect(reported).toEqual(['node.status']);
    expect((await server.call('node.info', {})).ok).toBe(true);
  });

  it('passes an operator-facing domain error through as its typed value', async () => {
    const domainError = Object.assign(new Error('x'), {
      toContractError: () => contractError('unavailable', 'The radio is unplugged.', { fix: 'Plug it back in.' }),
    });
    const { server } = await serverWith({
      'node.status': () => {
        throw domainError;
      },
    });
    expect(await server.call('node.status', {})).toEqual({ ok: false, error: { code: 'unavailable', message: 'The radio is unplugged.', fix: 'Plug it back in.' } });
  });

  it('answers a message that is not a request envelope as malformed, echoing a usable id', async () => {
    const { server } = await serverWith();
    const connection = server.connect({ send: () => undefined });
    expect(await connection.handle({ kind: 'request', id: 7 })).toMatchObject({ id: 7, ok: false, error: { code: 'malformed_message' } });
    expect(await connection.handle('hello')).toMatchObject({ id: null, ok: false, error: { code: 'malformed_message' } });
    expect(await connection.handle({ kind: 'request', id: 8, method: 'node.info' })).toMatchObject({ id: 8, ok: true });
    connection.close();
    expect(server.connectionCount).toBe(0);
  });
});
