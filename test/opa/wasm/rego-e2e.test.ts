// Small Rego policies through the whole pipeline (parse, check, plan, generateWasm) into the SDK.
import { describe, expect, it } from 'vitest';
import { compile, formatDiagnostics, loadCompiled } from '../../../opa/index.ts';
import { describeModule } from '../../../opa/wasm/index.ts';

async function build(text: string, entrypoints: string[], query?: string) {
  const r = compile([{ file: 'p.rego', text }], { entrypoints, query });
  if (!r.ok || !r.wasm) throw new Error(`compile failed:\n${formatDiagnostics(r)}`);
  return { result: r, policy: await loadCompiled(r.wasm) };
}

function thrown(f: () => unknown): string {
  try { f(); } catch (e) { return e instanceof Error ? e.message : String(e); }
  throw new Error('expected an exception');
}

describe('Rego end to end', () => {
  it('default, some-in, partial sets, count, object rules', async () => {
    const { policy, result } = await build(`package t
import rego.v1
default allow := false
allow if input.user == "admin"
allow if { some r in input.roles; r == "root" }
names contains n if { some x in input.items; n := x.name }
total := count(input.items)
by_name[x.name] := x.size if { some x in input.items }
`, ['t/allow', 't/names', 't/total', 't/by_name']);
    expect(result.entrypoints).toEqual(['t/allow', 't/names', 't/total', 't/by_name']);
    expect(policy.evaluate({ user: 'admin' }, 't/allow')).toEqual([{ result: true }]);
    expect(policy.evaluate({ user: 'bob', roles: ['x', 'root'] }, 't/allow')).toEqual([{ result: true }]);
    expect(policy.evaluate({ user: 'bob', roles: ['x'] }, 't/allow')).toEqual([{ result: false }]);
    expect(policy.evaluate(undefined, 't/allow')).toEqual([{ result: false }]);
    const items = { items: [{ name: 'b', size: 2 }, { name: 'a', size: 1 }] };
    expect(policy.evaluate(items, 't/names')).toEqual([{ result: ['a', 'b'] }]);
    expect(policy.evaluate(items, 't/total')).toEqual([{ result: 2 }]);
    expect(policy.evaluate({}, 't/total')).toEqual([]);
    expect(policy.evaluate(items, 't/by_name')).toEqual([{ result: { a: 1, b: 2 } }]);
    const d = describeModule(result.wasm!);
    expect(d.memory!.min).toBeLessThanOrEqual(2);
  });

  it('functions, not, else, comprehensions, data', async () => {
    const { policy } = await build(`package t
import rego.v1
double(x) := x * 2
level := "high" if input.n > 10
else := "mid" if input.n > 5
else := "low"
denied if not input.ok
evens := [double(x) | some x in input.xs; x % 2 == 0]
limit := data.config.limit
`, ['t/level', 't/denied', 't/evens', 't/limit']);
    expect(policy.evaluate({ n: 20 }, 't/level')).toEqual([{ result: 'high' }]);
    expect(policy.evaluate({ n: 7 }, 't/level')).toEqual([{ result: 'mid' }]);
    expect(policy.evaluate({ n: 1 }, 't/level')).toEqual([{ result: 'low' }]);
    expect(policy.evaluate({ ok: true }, 't/denied')).toEqual([]);
    expect(policy.evaluate({ ok: false }, 't/denied')).toEqual([{ result: true }]);
    expect(policy.evaluate({ xs: [1, 2, 3, 4] }, 't/evens')).toEqual([{ result: [4, 8] }]);
    expect(policy.evaluate({}, 't/limit')).toEqual([]);
    policy.setData({ config: { limit: 5 } });
    expect(policy.evaluate({}, 't/limit')).toEqual([{ result: 5 }]);
  });

  it('with, sprintf through the SDK, and a query plan', async () => {
    const { policy } = await build(`package t
import rego.v1
greeting := sprintf("hello %s", [input.name])
alice_greeting := g if { g := greeting with input.name as "alice" }
`, ['t/greeting', 't/alice_greeting'], 'x := data.t.greeting; y := 1');
    expect(policy.evaluate({ name: 'bob' }, 't/greeting')).toEqual([{ result: 'hello bob' }]);
    expect(policy.evaluate({ name: 'bob' }, 't/alice_greeting')).toEqual([{ result: 'hello alice' }]);
    expect(policy.evaluate({ name: 'bob' }, 'eval')).toEqual([{ x: 'hello bob', y: 1 }]);
  });

  it('complete rule conflicts abort with a located message', async () => {
    const { policy } = await build(`package t
import rego.v1
x := 1 if input.a
x := 2 if input.b
`, ['t/x']);
    expect(policy.evaluate({ a: true }, 't/x')).toEqual([{ result: 1 }]);
    const msg = thrown(() => policy.evaluate({ a: true, b: true }, 't/x'));
    expect(msg).toMatch(/^p\.rego:\d+:\d+: var assignment conflict/);
    expect(policy.evaluate({ b: true }, 't/x')).toEqual([{ result: 2 }]);
  });

  it('partial object key conflicts abort with object insert conflict', async () => {
    const { policy } = await build(`package t
import rego.v1
m[k] := v if { some o in input; k := o.k; v := o.v }
`, ['t/m']);
    expect(policy.evaluate([{ k: 'a', v: 1 }], 't/m')).toEqual([{ result: { a: 1 } }]);
    expect(thrown(() => policy.evaluate([{ k: 'a', v: 1 }, { k: 'a', v: 2 }], 't/m'))).toContain('object insert conflict');
  });
});
