// Random and mutated contract requests, from one valid example per method: what a buggy or hostile
// console could send. Deterministic for a seed, so a failure can be replayed.
import { isMethodName, methods, ResponseMessage, type MethodName } from '../../shared/contract/index.ts';
import type { Random } from '../../electron/sim/random.ts';

const NASTY_STRINGS = [
  '',
  ' ',
  'x'.repeat(70_000),
  '../../../../etc/passwd',
  '\u0000',
  '%s%s%n',
  "'; DROP TABLE messages; --",
  '<script>alert(1)</script>',
  '=cmd|" /C calc"!A0',
  '🚒'.repeat(300),
  '\ud800',
  '!zzzzzzzz',
  'bafkrei',
  'channel:99',
  '__proto__',
];
const NASTY_NUMBERS = [-1, 0, 0.5, 1e308, -1e308, 2 ** 53 + 1, 4_294_967_296, -0];
const NASTY_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'then', ''];

function pick<T>(random: Random, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)]!;
}

function junk(random: Random, depth = 0): unknown {
  switch (Math.floor(random() * (depth > 3 ? 5 : 8))) {
    case 0:
      return null;
    case 1:
      return pick(random, NASTY_NUMBERS);
    case 2:
      return pick(random, NASTY_STRINGS);
    case 3:
      return random() < 0.5;
    case 4:
      return Math.floor(random() * 1000);
    case 5:
      return Array.from({ length: Math.floor(random() * 4) }, () => junk(random, depth + 1));
    case 6:
      return Object.fromEntries(Array.from({ length: Math.floor(random() * 3) + 1 }, () => [pick(random, [...NASTY_KEYS, 'id', 'text', 'port', 'cid']), junk(random, depth + 1)]));
    default:
      // Deep nesting: a parser or a recursive validator must not blow the stack.
      return Array.from({ length: 2000 }).reduce<unknown>((inner) => ({ a: inner }), 1);
  }
}

/** One change to a valid input: a field dropped, replaced, added, or the whole input swapped for junk. */
export function mutate(random: Random, input: unknown): unknown {
  if (input === null || typeof input !== 'object' || Array.isArray(input) || random() < 0.15) return junk(random);
  const copy: Record<string, unknown> = { ...(input as Record<string, unknown>) };
  const keys = Object.keys(copy);
  const roll = random();
  if (keys.length > 0 && roll < 0.35) copy[pick(random, keys)] = junk(random);
  else if (keys.length > 0 && roll < 0.5) delete copy[pick(random, keys)];
  else if (keys.length > 0 && roll < 0.7) {
    const key = pick(random, keys);
    copy[key] = mutate(random, copy[key]);
  } else copy[pick(random, NASTY_KEYS)] = junk(random);
  return copy;
}

/** A raw wire message: mostly requests for real methods with mutated params, some broken envelopes. */
export function fuzzMessage(random: Random, examples: Record<MethodName, unknown>, id: number): { method: string | undefined; message: unknown } {
  const names = Object.keys(methods) as MethodName[];
  const roll = random();
  if (roll < 0.05) return { method: undefined, message: junk(random) };
  if (roll < 0.1) return { method: undefined, message: { kind: pick(random, ['request', 'response', 'event', 7]), id: junk(random), method: junk(random), params: junk(random) } };
  const method = roll < 0.13 ? pick(random, ['radio.meltdown', 'constructor', '__proto__', 'toString', '']) : pick(random, names);
  const example = isMethodName(method) ? examples[method] : {};
  const params = keepOffline(method, random() < 0.1 ? example : mutate(random, example));
  // Over the wire everything is JSON: NaN becomes null, undefined fields vanish.
  return { method, message: JSON.parse(JSON.stringify({ kind: 'request', id, method, params: params ?? null })) as unknown };
}

/**
 * The fuzzer may not make the node dial the world: a radio connect always goes to a closed local
 * port (the host name is the one field left as the example had it).
 */
function keepOffline(method: string, params: unknown): unknown {
  if (method !== 'radio.connect' || params === null || typeof params !== 'object') return params;
  return { ...(params as object), port: { kind: 'tcp', host: '127.0.0.1', port: 9 } };
}

export type FuzzVerdict = { ok: true } | { ok: false; why: string };

/** What every answer must be: a well-formed response, never an internal failure, never a stack trace or a path of ours. */
export function judge(response: unknown, repoRoot: string): FuzzVerdict {
  const parsed = ResponseMessage.safeParse(response);
  if (!parsed.success) return { ok: false, why: `malformed response: ${JSON.stringify(response).slice(0, 200)}` };
  if (parsed.data.ok) return { ok: true };
  const { error } = parsed.data;
  if (error.code === 'internal') return { ok: false, why: `internal error: ${error.message}` };
  const text = JSON.stringify(error);
  if (/\n\s+at |\bat [\w.<>]+ \(/.test(text)) return { ok: false, why: `stack trace in an answer: ${text.slice(0, 200)}` };
  if (text.includes(repoRoot)) return { ok: false, why: `a path of the node in an answer: ${text.slice(0, 200)}` };
  return { ok: true };
}
