// Evaluating many decisions in a loop must not grow the module's memory (the SDK resets the heap per call).
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { compile, loadCompiled } from '../../opa/index.ts';
import { loadPolicyTree } from '../../src/files.ts';

const repo = fileURLToPath(new URL('../..', import.meta.url));

describe('module memory', () => {
  it('10,000 PostgreSQL decisions do not grow memory', async () => {
    const tree = loadPolicyTree([`${repo}/policies`]);
    const r = compile(tree.rego, { entrypoints: ['writ/postgres/decision'] });
    expect(r.diagnostics).toEqual([]);
    const policy = await loadCompiled(r.wasm!);
    policy.setData(tree.data);
    const input = JSON.parse(readFileSync(`${repo}/fixtures/inputs/postgres-select.json`, 'utf8'));
    const first = policy.evaluate(input, 'writ/postgres/decision');
    expect(first[0].result.allow).toBe(true);
    const before = policy.mem.buffer.byteLength;
    for (let i = 0; i < 10_000; i++) {
      input.session.id = `s-${i}`;
      const rs = policy.evaluate(input, 'writ/postgres/decision');
      if (rs[0].result.allow !== true) throw new Error(`decision ${i} changed: ${JSON.stringify(rs)}`);
    }
    expect(policy.mem.buffer.byteLength).toBe(before);
  });
});
