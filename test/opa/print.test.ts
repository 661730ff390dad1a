// print(...) end to end: internal.print formats the operands and calls the host's opa_println.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { compile, loadCompiled } from '../../opa/index.ts';

async function printed(rego: string, input?: unknown): Promise<{ lines: string[]; result: unknown }> {
  const r = compile([{ file: 't.rego', text: `package t\n\n${rego}\n` }], { entrypoints: ['t/p'] });
  expect(r.diagnostics).toEqual([]);
  const p = await loadCompiled(r.wasm!);
  const log = vi.spyOn(console, 'log').mockImplementation(() => {});
  const rows = p.evaluate(input, 't/p');
  const lines = log.mock.calls.map((c) => String(c[0]));
  return { lines, result: rows[0]?.result };
}

afterEach(() => vi.restoreAllMocks());

describe('print', () => {
  it('joins operands with spaces: strings raw, other values as Rego text', async () => {
    const out = await printed('p if {\n  x := {"a": [1, "s"]}\n  print("x is", x, 2.5, true, null, {1}, set())\n}');
    expect(out.lines).toEqual(['x is {"a": [1, "s"]} 2.5 true null {1} set()']);
    expect(out.result).toBe(true);
  });
  it('prints <undefined> for an undefined operand and still succeeds', async () => {
    const out = await printed('p := 7 if {\n  print("user", input.user, "role", input.role)\n}', { user: 'alice' });
    expect(out.lines).toEqual(['user alice role <undefined>']);
    expect(out.result).toBe(7);
  });
  it('prints once per evaluation of the expression', async () => {
    const out = await printed('p := n if {\n  n := count([x | some x in [1, 2, 3]; print("x", x)])\n}');
    expect(out.lines).toEqual(['x 1', 'x 2', 'x 3']);
    expect(out.result).toBe(3);
  });
  it('is erased when the capabilities lack internal.print', () => {
    const r = compile([{ file: 't.rego', text: 'package t\n\np if {\n  print(1)\n}\n' }], {
      entrypoints: ['t/p'],
      capabilities: { builtins: [] },
    });
    expect(r.diagnostics).toEqual([]);
    expect(r.policy!.static.builtins).toEqual([]);
  });
});
