// Golden IR: fixtures/ir/<name>.rego (first line `# entrypoints: a/b ...`; modules separated by
// `# ---` lines) planned and printed
// must equal fixtures/ir/<name>.ir. Regenerate with UPDATE_GOLDEN=1 after reviewing the diff.
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { compile } from './helpers.ts';
import { printPolicy, walkStmts } from '../../../opa/ir/print.ts';

const dir = join(import.meta.dirname, '../../../fixtures/ir');

describe('golden IR', () => {
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.rego')).sort()) {
    it(file, () => {
      const text = readFileSync(join(dir, file), 'utf8');
      const eps = /^# entrypoints: (.*)$/m.exec(text)?.[1].split(/\s+/) ?? [];
      const modules = text.split(/^# ---$/m);
      const { policy, diagnostics } = compile(modules, { entrypoints: eps });
      expect(diagnostics).toEqual([]);
      const printed = printPolicy(policy!);
      const golden = join(dir, file.replace(/\.rego$/, '.ir'));
      if (process.env.UPDATE_GOLDEN === '1' || !existsSync(golden)) writeFileSync(golden, printed);
      expect(printed).toBe(readFileSync(golden, 'utf8'));
      // Printing is deterministic: a second plan prints the same text.
      expect(printPolicy(compile(modules, { entrypoints: eps }).policy!)).toBe(printed);
    });
  }
});

describe('IR walker', () => {
  it('visits statements inside nested blocks, scans, nots and withs', () => {
    const text = 'package t\nq := input.x\np if {\n\tnot input.off\n\tsome v in input.xs\n\tv > count([1])\n\tq with input.x as v\n}';
    const { policy } = compile([text], { entrypoints: ['t/p'] });
    const calls: string[] = [];
    const kinds = new Set<string>();
    walkStmts(policy!, (s) => {
      kinds.add(s.type);
      if (s.type === 'CallStmt') calls.push(s.func);
    });
    expect(calls.sort()).toEqual(['count', 'g0.data.t.p', 'g0.data.t.q', 'gt']);
    for (const k of ['NotStmt', 'ScanStmt', 'WithStmt', 'BlockStmt', 'ResultSetAddStmt']) expect(kinds).toContain(k);
  });
});
