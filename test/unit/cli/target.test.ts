import { describe, expect, it } from 'vitest';
import { targetOf, UsageError } from '../../../cli/target.ts';

describe('pakit target', () => {
  it('takes the console URL the node prints, token and all', () => {
    expect(targetOf({ url: 'http://127.0.0.1:8123/#token=abcdefghijklmnop' })).toEqual({
      wsUrl: 'ws://127.0.0.1:8123/api/ws',
      token: 'abcdefghijklmnop',
      base: 'http://127.0.0.1:8123',
    });
  });

  it('prefers an explicit token, accepts HOST:PORT, and speaks wss to an https node', () => {
    expect(targetOf({ url: '192.168.1.20:8080', token: 'from-the-environment' })).toMatchObject({ wsUrl: 'ws://192.168.1.20:8080/api/ws', token: 'from-the-environment' });
    expect(targetOf({ url: 'https://relay.local/#token=t0k3n-t0k3n-t0k3n' }).wsUrl).toBe('wss://relay.local/api/ws');
    expect(targetOf({ token: 'x'.repeat(16) }).base).toBe('http://127.0.0.1:8080');
  });

  it('says what is missing or wrong, before anything is sent', () => {
    expect(() => targetOf({ url: 'http://127.0.0.1:8080' })).toThrow(/No access token.*PAKIT_API_TOKEN/);
    expect(() => targetOf({ url: 'ftp://node/#token=abc', token: 'abc' })).toThrow(UsageError);
    expect(() => targetOf({ url: 'http://[::1', token: 'abc' })).toThrow(/not a node address/);
  });
});
