// rego.metadata.rule() and rego.metadata.chain() end to end: compile-time constants from METADATA blocks.
import { describe, expect, it } from 'vitest';
import { compile, loadCompiled } from '../../opa/index.ts';

async function run(text: string): Promise<unknown> {
  const r = compile([{ file: 't.rego', text }], { entrypoints: ['a/b/p'] });
  expect(r.diagnostics).toEqual([]);
  const p = await loadCompiled(r.wasm!);
  return p.evaluate(undefined, 'a/b/p')[0]?.result;
}

const pkg = `# METADATA
# scope: subpackages
# title: root
package a.b
`;

describe('rego.metadata', () => {
  it('rule() returns the rule annotations with normalised authors and resources', async () => {
    const text = `package a.b

# METADATA
# title: T
# authors:
# - Jane Doe <jane@example.com>
# related_resources:
# - https://example.com
# custom:
#   k: [1, true]
p := rego.metadata.rule()
`;
    expect(await run(text)).toEqual({
      scope: 'rule', title: 'T', authors: [{ name: 'Jane Doe', email: 'jane@example.com' }],
      related_resources: [{ ref: 'https://example.com' }], custom: { k: [1, true] },
    });
  });
  it('rule() is an empty object without rule annotations', async () => {
    expect(await run('package a.b\n\np := rego.metadata.rule()\n')).toEqual({});
  });
  it('chain() lists rule, document and package scopes, paths without data', async () => {
    const text = `${pkg}
# METADATA
# scope: document
# description: D
p := x if {
  x := rego.metadata.chain()
}
`;
    expect(await run(text)).toEqual([
      { path: ['a', 'b', 'p'], annotations: { scope: 'document', description: 'D' } },
      { path: ['a', 'b'], annotations: { scope: 'subpackages', title: 'root' } },
    ]);
  });
  it('chain() always holds the rule itself', async () => {
    expect(await run('package a.b\n\np := rego.metadata.chain()\n')).toEqual([{ path: ['a', 'b', 'p'] }]);
  });
});
