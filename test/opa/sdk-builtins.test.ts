// Every builtin of the SDK's own capabilities.json works with a plain loadPolicy(wasm) and no
// custom builtins, as modules from `opa build` do: native in the module (sprintf too, with Go's
// fmt semantics), except the few the SDK
// implements in JavaScript.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { compile } from '../../opa/index.ts';
import { builtins, nativeSymbol } from '../../opa/builtins/registry.ts';
import { describeModule, defaultRuntime } from '../../opa/wasm/index.ts';

const require = createRequire(import.meta.url);
const opa = require('@open-policy-agent/opa-wasm');
const caps = JSON.parse(readFileSync(new URL('../../node_modules/@open-policy-agent/opa-wasm/capabilities.json', import.meta.url), 'utf8')) as {
  builtins: Array<{ name: string; decl: { args: unknown[] }; infix?: string }>;
};
// Rego v1 refuses these deprecated builtins at compile time, as OPA v1 does; the runtime still
// implements them natively (checked by the export test above).
const deprecatedInV1 = new Set(['all', 'any', 're_match', 'set_diff']);
const sdkImplemented = new Set(['yaml.is_valid', 'yaml.marshal', 'yaml.unmarshal']);

describe('the SDK capabilities list', () => {
  it('has 97 builtins, all in writ\'s registry', () => {
    expect(caps.builtins.length).toBe(97);
    for (const b of caps.builtins) expect(builtins.has(b.name), b.name).toBe(true);
  });

  it('every native builtin is exported by the committed runtime', () => {
    const exported = new Set(describeModule(defaultRuntime()).exports.map((e) => e.name));
    const missing = [...builtins.values()].filter((b) => b.impl === 'native' && !exported.has(nativeSymbol(b.name))).map((b) => b.name);
    expect(missing).toEqual([]);
  });

  it('each one compiles, loads with no custom builtins and evaluates', async () => {
    const problems: string[] = [];
    for (const b of caps.builtins) {
      if (b.name === 'assign' || b.name === 'eq') continue;
      const args = b.decl.args.map((_, i) => `input.a${i}`).join(', ');
      const text = `package t\n\np := x if { x := ${b.name}(${args}) }\n`;
      const r = compile([{ file: 't.rego', text }], { entrypoints: ['t/p'] });
      if (deprecatedInV1.has(b.name)) {
        expect(r.diagnostics.map((d) => d.message).join()).toContain('deprecated built-in function');
        continue;
      }
      if (!r.ok || !r.wasm) {
        problems.push(`${b.name}: ${r.diagnostics.map((d) => d.message).join('; ')}`);
        continue;
      }
      try {
        const policy = await opa.loadPolicy(r.wasm); // no custom builtins
        // Arguments of the wrong type make a builtin undefined, never an error or a missing host function.
        policy.evaluate({ a0: 'x', a1: 'y', a2: 'z', a3: 'w' }, 't/p');
      } catch (e) {
        problems.push(`${b.name}: ${typeof e === 'string' ? e : (e as Error).message}`);
      }
      const hostCalled = r.policy!.static.builtins.filter((x) => builtins.get(x.name)?.impl !== 'native').map((x) => x.name);
      for (const h of hostCalled) if (!sdkImplemented.has(h)) problems.push(`${b.name}: calls host builtin ${h}`);
    }
    expect(problems).toEqual([]);
  });

  it('rand.intn and time.diff run natively (the SDK has no implementation of either)', async () => {
    const text = 'package t\n\nr := rand.intn("seed", 10)\nd := time.diff(0, 86400000000000)\n';
    const r = compile([{ file: 't.rego', text }], { entrypoints: ['t/r', 't/d'] });
    expect(r.diagnostics).toEqual([]);
    const policy = await opa.loadPolicy(r.wasm);
    const [{ result: n }] = policy.evaluate(undefined, 't/r');
    expect(n).toBeGreaterThanOrEqual(0);
    expect(n).toBeLessThan(10);
    expect(policy.evaluate(undefined, 't/d')).toEqual([{ result: [0, 0, 1, 0, 0, 0] }]);
  });
});
