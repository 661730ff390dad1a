// writ's own policies (policies/) through the planner: every `test_*` rule of the *_test.rego
// files must be true when its plan runs in the IR interpreter.
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compile } from './helpers.ts';
import { Interp } from './interp.ts';
import { fromJSON, toJSON } from './values.ts';

const root = join(import.meta.dirname, '../../../policies');
const files = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.rego') ? [join(dir, e.name)] : []));
const modules = files(root).sort().map((f) => readFileSync(f, 'utf8'));

describe('writ policies', () => {
  for (const text of modules.filter((m) => /^test_/m.test(m))) {
    const pkg = /^package (\S+)/m.exec(text)![1];
    for (const name of text.match(/^test_[A-Za-z0-9_]+/gm) ?? []) {
      it(`${pkg}.${name}`, () => {
        const { policy, diagnostics } = compile(modules, { query: `data.${pkg}.${name} = x` });
        expect(diagnostics).toEqual([]);
        const rows = new Interp(policy!).evalPlan('eval', undefined, fromJSON({})).map(toJSON);
        expect(rows).toEqual([{ x: true }]);
      });
    }
  }
});
