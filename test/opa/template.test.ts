// Template strings ($"...{expr}...") end to end through the SDK: the native internal.template_string.
import { describe, expect, it } from 'vitest';
import { compile, loadCompiled } from '../../opa/index.ts';

async function run(rego: string, input?: unknown): Promise<unknown> {
  const r = compile([{ file: 't.rego', text: `package t\n\n${rego}\n` }], { entrypoints: ['t/p'] });
  expect(r.diagnostics).toEqual([]);
  const p = await loadCompiled(r.wasm!);
  const rows = p.evaluate(input, 't/p');
  return rows[0]?.result;
}

describe('template strings', () => {
  it('prints strings raw and other values as Rego literals', async () => {
    expect(await run('p := $"{42} {"s"} {[1, "a"]} {{"k": {1}}} {set()}"')).toBe('42 s [1, "a"] {"k": {1}} set()');
  });
  it('prints <undefined> for an undefined expression', async () => {
    expect(await run('p := $"user={input.user} role={input.role}"', { user: 'alice' })).toBe('user=alice role=<undefined>');
  });
  it('escapes braces and nests', async () => {
    expect(await run('a := "x"\np := $"\\{a} {$"<{a}>"}"')).toBe('{a} <x>');
  });
});
