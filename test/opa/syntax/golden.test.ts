// Golden files: fixtures/syntax/*.rego printed as ASTs (or diagnostics) must match *.golden.
// Regenerate after an intended change with UPDATE_GOLDEN=1 and review the diff.
import { readdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SourceSet, formatDiagnostic } from '../../../opa/syntax/diagnostics.ts';
import { parseModule } from '../../../opa/syntax/parser.ts';
import { printModule } from '../../../opa/syntax/print.ts';

const dir = join(import.meta.dirname, '../../../fixtures/syntax');

function render(file: string, text: string): string {
  const r = parseModule(file, text);
  if (r.module) return printModule(r.module);
  const sources = new SourceSet();
  sources.add(file, text);
  return r.diagnostics.map((d) => formatDiagnostic(d, sources, { caret: true })).join('\n') + '\n';
}

describe('golden ASTs', () => {
  const files = readdirSync(dir).filter((f) => f.endsWith('.rego')).sort();
  it('has fixtures', () => expect(files.length).toBeGreaterThanOrEqual(4));
  it.each(files)('%s', (f) => {
    const got = render(f, readFileSync(join(dir, f), 'utf8'));
    const golden = join(dir, f.replace(/\.rego$/, '.golden'));
    if (process.env.UPDATE_GOLDEN || !existsSync(golden)) writeFileSync(golden, got);
    expect(got).toBe(readFileSync(golden, 'utf8'));
  });
});
