import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseAst } from 'rolldown/parseAst';
import { describe, expect, it } from 'vitest';
import { en } from '../../../renderer/src/i18n/en.ts';
import { es } from '../../../renderer/src/i18n/es.ts';

const root = join(import.meta.dirname, '..', '..', '..');
const sourceDir = join(root, 'renderer', 'src');

/** Attributes a person reads or hears (screen readers): their text must come from the catalog. */
const SPOKEN_ATTRIBUTES = new Set(['title', 'aria-label', 'aria-valuetext', 'aria-description', 'placeholder', 'alt', 'label']);

type Catalog = { readonly [key: string]: string | Catalog };

function leaves(catalog: Catalog, prefix = ''): Map<string, string> {
  const found = new Map<string, string>();
  for (const [key, value] of Object.entries(catalog)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (typeof value === 'string') found.set(path, value);
    else for (const [inner, text] of leaves(value, path)) found.set(inner, text);
  }
  return found;
}

const placeholders = (text: string) => [...text.matchAll(/\{\{\s*(\w+)\s*\}\}/g)].map((match) => match[1]).sort();

function tsxFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? tsxFiles(join(dir, entry.name)) : entry.name.endsWith('.tsx') ? [join(dir, entry.name)] : [],
  );
}

type Node = { type: string; [field: string]: unknown };

/** Text in JSX that an operator would read: letters outside `{…}`, and spoken attributes given as literals. */
function hardCodedText(source: string): string[] {
  const found: string[] = [];
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (!node || typeof node !== 'object') return;
    const current = node as Node;
    if (current.type === 'JSXText' && /\p{L}{2,}/u.test(String(current.value))) found.push(String(current.value).trim());
    if (current.type === 'JSXAttribute') {
      const name = (current.name as { name?: string }).name ?? '';
      const value = current.value as { type?: string; value?: unknown } | null;
      if (SPOKEN_ATTRIBUTES.has(name) && value?.type === 'Literal' && /\p{L}{2,}/u.test(String(value.value))) found.push(`${name}="${String(value.value)}"`);
    }
    for (const child of Object.values(current)) if (child && typeof child === 'object') visit(child);
  };
  visit(parseAst(source, { lang: 'tsx' }));
  return found;
}

describe('console strings', () => {
  const english = leaves(en);
  const spanish = leaves(es);

  it('the Spanish catalog has exactly the English keys', () => {
    expect([...spanish.keys()].sort()).toEqual([...english.keys()].sort());
  });

  it('every translation keeps the English placeholders, and none is left empty', () => {
    for (const [key, text] of english) {
      expect(placeholders(spanish.get(key) ?? ''), key).toEqual(placeholders(text));
      expect(spanish.get(key)?.trim(), key).not.toBe('');
    }
  });

  it('views show no text outside the catalog', () => {
    const offenders: Record<string, string[]> = {};
    for (const file of tsxFiles(sourceDir)) {
      const name = relative(sourceDir, file).replaceAll('\\', '/');
      const texts = hardCodedText(readFileSync(file, 'utf8'));
      if (texts.length > 0) offenders[name] = texts;
    }
    expect(offenders).toEqual({});
  });

  it('finds hard-coded text where there is some', () => {
    expect(hardCodedText('const a = <p title="Send it">Hello {name}<b>{t("x")}</b> · 3</p>;')).toEqual(['title="Send it"', 'Hello']);
  });
});
