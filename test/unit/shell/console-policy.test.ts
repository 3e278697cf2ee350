import { describe, expect, it } from 'vitest';
import { consoleCsp, consoleFileFor } from '../../../electron/node/api/console-policy.ts';

describe('console file mapping', () => {
  it('maps views to index.html and assets to themselves', () => {
    expect(consoleFileFor('/')).toBe('index.html');
    expect(consoleFileFor('/radio')).toBe('index.html');
    expect(consoleFileFor('/assets/index-abc.js')).toBe('assets/index-abc.js');
  });

  it('never escapes the console folder', () => {
    for (const path of ['/../package.json', '/assets/../../etc/passwd', '/%2e%2e/secret.txt', '/a/%2e%2e/%2e%2e/x.js', '/..%5c..%5cwin.ini', '/%00.js', '/%E0%A4%A']) {
      const file = consoleFileFor(path);
      expect(file === undefined || !file.includes('..'), path).toBe(true);
    }
  });
});

describe('console CSP', () => {
  it('allows only our own scripts and styles, no inline code, no framing', () => {
    const csp = consoleCsp();
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|\*/);
  });
});
