// Writes the README's builtin table from the registry (between the BUILTINS markers).
// Usage: node bin/run-ts.js scripts/builtin-table.ts [--check]
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { builtinTable } from '../opa/builtins/table.ts';

const readme = fileURLToPath(new URL('../README.md', import.meta.url));
const text = readFileSync(readme, 'utf8');
const start = '<!-- BUILTINS:START -->';
const end = '<!-- BUILTINS:END -->';
const a = text.indexOf(start);
const b = text.indexOf(end);
if (a < 0 || b < a) {
  process.stderr.write(`README.md has no ${start} ... ${end} block\n`);
  process.exit(2);
}
const next = text.slice(0, a + start.length) + '\n' + builtinTable() + text.slice(b);
if (process.argv.includes('--check')) {
  if (next !== text) {
    process.stderr.write('README.md builtin table is out of date: run node bin/run-ts.js scripts/builtin-table.ts\n');
    process.exit(1);
  }
  process.exit(0);
}
writeFileSync(readme, next);
