// The scoring table in PROTOCOL.md is what operators and reviewers read: it must say what the code does.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EVIDENCE } from '../../../electron/node/reputation/reputation-book.ts';

const doc = readFileSync(join(import.meta.dirname, '../../../electron/node/gossip/PROTOCOL.md'), 'utf8');

describe('PROTOCOL.md reputation table', () => {
  it('lists every kind of evidence with the effect, weight and cap the code uses', () => {
    const rows = new Map(
      [...doc.matchAll(/^\| `(\w+)` \| (good|bad) \| ([\d.]+) \| (\d+) \|/gm)].map((match) => [match[1], { effect: match[2], weight: Number(match[3]), cap: Number(match[4]) }]),
    );
    expect([...rows.keys()].sort()).toEqual(Object.keys(EVIDENCE).sort());
    for (const [kind, rule] of Object.entries(EVIDENCE)) expect(rows.get(kind), kind).toEqual({ effect: rule.effect, weight: rule.weight, cap: rule.cap });
  });
});
