// --strict-builtin-errors on writ eval / writ test / writ conformance, and the conformance runner's two modes.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCase } from '../../../src/conformance/runner.ts';
import type { ConformanceCase } from '../../../src/conformance/cases.ts';

const repo = fileURLToPath(new URL('../../..', import.meta.url));
const writ = (args: string[]) => {
  const r = spawnSync(process.execPath, [join(repo, 'bin/writ.js'), ...args], { cwd: repo, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
};

function tmp(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'writ-strict-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

const POLICY = 'package t\n\nq := x if {\n\tx := input.a / input.b\n}\n\ntest_div if {\n\tq == 1 with input as {"a": 1, "b": 0}\n}\n';

describe('CLI --strict-builtin-errors', () => {
  it('writ eval: undefined by default, eval_builtin_error with the location when strict', () => {
    const dir = tmp({ 'p.rego': POLICY, 'in.json': '{"a": 1, "b": 0}' });
    const plain = writ(['eval', '-d', join(dir, 'p.rego'), '-i', join(dir, 'in.json'), 'x := data.t.q']);
    expect(plain.code).toBe(0);
    expect(JSON.parse(plain.out)).toEqual([]);
    const strict = writ(['eval', '--strict-builtin-errors', '-d', join(dir, 'p.rego'), '-i', join(dir, 'in.json'), 'x := data.t.q']);
    expect(strict.code).toBe(1);
    expect(strict.err).toContain(`p.rego:4:7: eval_builtin_error: div: divide by zero`);
  });

  it('writ test: a failing builtin is a FAIL by default and an ERROR when strict', () => {
    const dir = tmp({ 'p.rego': POLICY });
    const plain = writ(['test', '--format', 'json', dir]);
    expect(JSON.parse(plain.out)[0]).toMatchObject({ outcome: 'fail', error: 'undefined' });
    const strict = writ(['test', '--format', 'json', '--strict-builtin-errors', dir]);
    const r = JSON.parse(strict.out)[0];
    expect(r.outcome).toBe('error');
    expect(r.error).toContain('eval_builtin_error: div: divide by zero');
  });

  it('writ conformance reports the strict_error figure in both modes', () => {
    const dir = tmp({
      'x/cases.yaml': [
        'cases:',
        '  - note: x/div by zero',
        '    query: data.t.p = x',
        '    modules:',
        '      - |',
        '        package t',
        '        p := x if { x := 1 / input.z }',
        '    input: {"z": 0}',
        '    want_error_code: eval_builtin_error',
        '    want_error: "div: divide by zero"',
        '    strict_error: true',
        '',
      ].join('\n'),
    });
    const plain = writ(['conformance', dir]);
    expect(plain.out).toContain('strict_error cases (non-strict builtin errors, want undefined): 1/1 pass');
    expect(plain.out.trim().split('\n').pop()).toBe('conformance: 1/1 pass (100.0%)');
    const strict = writ(['conformance', '--strict-builtin-errors', dir]);
    expect(strict.out).toContain('strict_error cases (strict builtin errors, want the builtin error): 1/1 pass');
    expect(strict.out.trim().split('\n').pop()).toBe('conformance: 1/1 pass (100.0%)');
  });
});

describe('conformance runner, strict_error cases', () => {
  const base: ConformanceCase = {
    id: 'x#0', file: 'x', index: 0, note: 'x', query: 'data.t.p = x',
    modules: ['package t\np := x if { x := count(input.a) }\n'], input: { a: 1 },
    sortBindings: false, wantErrorCode: 'eval_type_error', wantError: 'operand 1 must be one of {array, object, set, string} but got number', strictError: true,
  };

  it('non-strict: expects undefined; strict: expects the code and message', () => {
    expect(runCase(base).status).toBe('pass');
    expect(runCase(base, { strict: true }).status).toBe('pass');
  });

  it('strict: a wrong code, a wrong message or no error at all fails', () => {
    expect(runCase({ ...base, wantErrorCode: 'eval_builtin_error' }, { strict: true })).toMatchObject({ status: 'fail', category: 'wrong strict builtin error' });
    expect(runCase({ ...base, wantError: 'something else' }, { strict: true }).status).toBe('fail');
    const fine = { ...base, input: { a: [1] } };
    expect(runCase(fine, { strict: true })).toMatchObject({ status: 'fail', category: 'missing strict builtin error' });
    expect(runCase(fine).status).toBe('fail');
  });

  it('want_result next to strict_error: the default-mode answer; the named error still wins when strict', () => {
    const undef = { ...base, wantResult: [] };
    expect(runCase(undef).status).toBe('pass');
    expect(runCase(undef, { strict: true })).toMatchObject({ status: 'pass', category: 'strict builtin error as expected' });
    // no error named: a result in both modes
    const c = { ...base, input: { a: [1, 2] }, wantResult: [{ x: 2 }], wantErrorCode: undefined, wantError: undefined };
    expect(runCase(c).status).toBe('pass');
    expect(runCase(c, { strict: true }).status).toBe('pass');
  });

  it('cases not marked strict_error keep their default-mode expectations under --strict-builtin-errors (as OPA runs them)', () => {
    const c = { ...base, strictError: false, wantErrorCode: undefined, wantError: undefined, wantResult: [] };
    expect(runCase(c).status).toBe('pass');
    expect(runCase(c, { strict: true }).status).toBe('pass');
  });
});
