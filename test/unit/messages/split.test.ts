import { describe, expect, it } from 'vitest';
import { splitByBytes, utf8Length } from '../../../electron/node/messages/split.ts';

describe('splitting text by UTF-8 bytes', () => {
  it('leaves text within the limit whole', () => {
    expect(splitByBytes('hello', 200)).toEqual(['hello']);
    expect(splitByBytes('x'.repeat(200), 200)).toEqual(['x'.repeat(200)]);
  });

  it('counts bytes, not characters: 2-byte letters fill a part at half the characters', () => {
    const parts = splitByBytes('é'.repeat(150), 200); // 300 bytes
    expect(parts.map(utf8Length)).toEqual([200, 100]);
    expect(parts.join('')).toBe('é'.repeat(150));
  });

  it('never cuts inside a character: an odd limit leaves a byte unused rather than split a 2-byte letter', () => {
    const parts = splitByBytes('é'.repeat(10), 5);
    expect(parts.map(utf8Length)).toEqual([4, 4, 4, 4, 4]);
    for (const part of parts) expect(part).toBe('éé');
  });

  it('keeps emoji whole, including skin tones, flags and family sequences (one grapheme, many code points)', () => {
    const graphemes = ['📡', '👍🏽', '🇳🇿', '👨‍👩‍👧'];
    const text = graphemes.join('').repeat(20);
    const parts = splitByBytes(text, 30);
    expect(parts.join('')).toBe(text);
    const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
    for (const part of parts) {
      expect(utf8Length(part)).toBeLessThanOrEqual(30);
      for (const { segment } of segmenter.segment(part)) expect(graphemes).toContain(segment);
    }
  });

  it('breaks after a space near the limit, so words are not cut', () => {
    const text = `${'word '.repeat(50)}end`; // 253 bytes
    const parts = splitByBytes(text, 200);
    expect(parts[0]!.endsWith(' ')).toBe(true);
    expect(parts[1]!.startsWith('word')).toBe(true);
    expect(parts.join('')).toBe(text);
  });

  it('cuts a long word where it must, when no space is in the second half of the part', () => {
    const text = `a ${'x'.repeat(300)}`;
    const parts = splitByBytes(text, 200);
    expect(parts.map(utf8Length)).toEqual([200, 102]);
  });

  it('refuses a limit below the size of one character', () => {
    expect(() => splitByBytes('👨‍👩‍👧👨‍👩‍👧', 10)).toThrow(RangeError);
  });
});
