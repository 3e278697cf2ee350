// The dependency rules of ARCHITECTURE.md, checked on every import of every source file.
import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');

function sourceFiles(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && /\.(ts|tsx)$/.test(entry.name))
    .map((entry) => relative(root, join(entry.parentPath, entry.name)));
}

/** Module specifiers of static imports, re-exports, dynamic imports and requires. */
export function importsOf(source: string): string[] {
  const found: string[] = [];
  const patterns = [/\bfrom\s*['"]([^'"]+)['"]/g, /\bimport\s*['"]([^'"]+)['"]/g, /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g, /\brequire\s*\(\s*['"]([^'"]+)['"]\s*\)/g];
  for (const pattern of patterns) for (const match of source.matchAll(pattern)) if (match[1]) found.push(match[1]);
  return found;
}

const imports = (file: string) => importsOf(readFileSync(join(root, file), 'utf8'));
const resolvesInto = (file: string, specifier: string, dir: string) =>
  specifier.startsWith('.') && relative(root, join(root, file, '..', specifier)).startsWith(`${dir}/`);
const isBuiltin = (specifier: string) => specifier.startsWith('node:') || builtinModules.includes(specifier);

describe('architecture rules', () => {
  it('finds the imports it checks (the scanner itself works)', () => {
    expect(importsOf(`import a from 'x';\nimport type { B } from "../y.ts";\nexport * from './z.ts';\nimport 'side';\nconst c = await import('dyn');`)).toEqual([
      'x',
      '../y.ts',
      './z.ts',
      'side',
      'dyn',
    ]);
  });

  it("only electron/main.ts, electron/preload.ts and electron/shell/ import 'electron'", () => {
    // This file is left out: its test names and examples spell the rule itself.
    const allowed = (file: string) =>
      file === 'electron/main.ts' || file === 'electron/preload.ts' || file.startsWith('electron/shell/') || file === 'test/unit/architecture.test.ts';
    const offenders = [...sourceFiles('electron'), ...sourceFiles('shared'), ...sourceFiles('renderer'), ...sourceFiles('test')]
      .filter((file) => !allowed(file))
      .filter((file) => imports(file).some((specifier) => specifier === 'electron' || specifier.startsWith('electron/')));
    expect(offenders).toEqual([]);
  });

  it('renderer/ imports only shared/, its own files and browser packages: no Node built-ins, nothing from electron/', () => {
    const offenders = sourceFiles('renderer')
      .filter((file) => file !== 'renderer/vite.config.ts')
      .flatMap((file) => imports(file).map((specifier) => ({ file, specifier })))
      .filter(({ file, specifier }) => isBuiltin(specifier) || resolvesInto(file, specifier, 'electron') || specifier === 'electron');
    expect(offenders).toEqual([]);
  });

  it('shared/ imports nothing from electron/ or renderer/, and no Node built-ins', () => {
    const offenders = sourceFiles('shared')
      .flatMap((file) => imports(file).map((specifier) => ({ file, specifier })))
      .filter(({ file, specifier }) => isBuiltin(specifier) || resolvesInto(file, specifier, 'electron') || resolvesInto(file, specifier, 'renderer'));
    expect(offenders).toEqual([]);
  });

  it('cli/ and examples/ are clients of the contract like the console: shared/, cli/ and Node built-ins, nothing of the node', () => {
    const offenders = [...sourceFiles('cli'), ...sourceFiles('examples')]
      .flatMap((file) => imports(file).map((specifier) => ({ file, specifier })))
      .filter(({ file, specifier }) => !isBuiltin(specifier) && !specifier.startsWith('./') && !resolvesInto(file, specifier, 'shared') && !resolvesInto(file, specifier, 'cli'));
    expect(offenders).toEqual([]);
  });

  it('electron/node/ never reaches up into the hosts (shell, headless) or the renderer', () => {
    const offenders = sourceFiles('electron/node')
      .flatMap((file) => imports(file).map((specifier) => ({ file, specifier })))
      .filter(({ file, specifier }) => ['electron/shell', 'electron/headless', 'renderer'].some((dir) => resolvesInto(file, specifier, dir)));
    expect(offenders).toEqual([]);
  });
});
