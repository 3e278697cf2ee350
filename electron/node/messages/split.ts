// Long text becomes several text messages of at most `maxBytes` UTF-8 bytes each, as the stock
// Meshtastic apps count them (bytes, not characters). A part never ends inside a character, nor
// inside a grapheme (an emoji with modifiers or a flag stays whole), and ends after a space where
// one is near the limit, so words are not cut.
const encoder = new TextEncoder();
const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

export const utf8Length = (text: string): number => encoder.encode(text).length;

/** Parts in order; their concatenation is `text`. A single grapheme above `maxBytes` throws. */
export function splitByBytes(text: string, maxBytes: number): string[] {
  if (utf8Length(text) <= maxBytes) return [text];
  const parts: string[] = [];
  let part = '';
  let partBytes = 0;
  /** Length (UTF-16 units) of `part` just after its last whitespace, and the bytes up to there. */
  let lastBreak = 0;
  let lastBreakBytes = 0;
  for (const { segment } of segmenter.segment(text)) {
    const bytes = utf8Length(segment);
    if (bytes > maxBytes) throw new RangeError(`a single character takes ${bytes} bytes, more than ${maxBytes}`);
    if (partBytes + bytes > maxBytes) {
      // Break after the last space if that keeps at least half the part; otherwise cut here.
      const atSpace = lastBreak > 0 && lastBreakBytes >= maxBytes / 2;
      const cut = atSpace ? lastBreak : part.length;
      parts.push(part.slice(0, cut));
      part = part.slice(cut);
      partBytes = atSpace ? partBytes - lastBreakBytes : 0;
      lastBreak = 0;
      lastBreakBytes = 0;
    }
    part += segment;
    partBytes += bytes;
    if (/^\s+$/u.test(segment)) {
      lastBreak = part.length;
      lastBreakBytes = partBytes;
    }
  }
  if (part !== '') parts.push(part);
  return parts;
}
