// `npm run bench -- <suite> [--json FILE]`: runs one benchmark suite (bench/<suite>.ts) and prints
// its figures. Each suite measures against its own baseline in the same run and reports ratios.
import { readdirSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';

export type BenchSuite = {
  /** Runs the suite and returns flat `name -> number` figures (e.g. `storage.put_mb_s`). */
  run(log: (line: string) => void): Promise<Record<string, number>>;
};

const here = import.meta.dirname;
const suites = readdirSync(here)
  .filter((file) => file.endsWith('.ts') && file !== 'run.ts' && !file.startsWith('_'))
  .map((file) => file.slice(0, -3))
  .sort();

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { json: { type: 'string' } },
});
const [suite] = positionals;
if (!suite || !suites.includes(suite)) {
  console.error(`usage: npm run bench -- <${suites.join('|')}> [--json FILE]`);
  process.exit(2);
}

const module = (await import(join(here, `${suite}.ts`))) as BenchSuite;
const figures = await module.run((line) => console.log(line));
for (const [name, value] of Object.entries(figures)) {
  console.log(`${name.padEnd(44)} ${Number.isInteger(value) ? value : value.toFixed(3)}`);
}
if (values.json) {
  mkdirSync(dirname(values.json), { recursive: true });
  writeFileSync(values.json, `${JSON.stringify(figures, null, 2)}\n`);
  console.log(`figures written to ${values.json}`);
}
