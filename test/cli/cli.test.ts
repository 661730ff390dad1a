// The writ command line, run as a user runs it: a child process of bin/writ.js.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readBundle } from '../../src/bundle/bundle.ts';
import { loadPolicy } from '@open-policy-agent/opa-wasm';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const writ = (args: string[], input?: string) => {
  const r = spawnSync(process.execPath, [join(repo, 'bin/writ.js'), ...args], { cwd: repo, input, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
};

function tmp(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'writ-cli-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

describe('writ CLI', { timeout: 180_000 }, () => {
  it('--help lists the commands and every command has --help', () => {
    const top = writ(['--help']);
    expect(top.code).toBe(0);
    for (const c of ['build', 'eval', 'check', 'test', 'conformance']) {
      expect(top.out).toContain(c);
      const h = writ([c, '--help']);
      expect(h.code, c).toBe(0);
      expect(h.out).toContain(`Usage: writ ${c}`);
    }
  });

  it('refuses unknown commands and flags with a usage error', () => {
    const unknown = writ(['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain("unknown command 'frobnicate'");
    const r = writ(['build', '--nope']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('unknown flag --nope');
  });

  it('check prints file:line:col: code: message and exits 1', () => {
    const dir = tmp({ 'bad.rego': 'package p\n\nallow if {\n  x := \n}\n' });
    const r = writ(['check', dir]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/bad\.rego:\d+:\d+: rego_parse_error: /);
    expect(r.err).not.toMatch(/at .*\.ts:\d+/); // never a stack trace for a user error
  });

  it('check reports unsafe variables and undefined functions with OPA codes', () => {
    const unsafe = writ(['check', tmp({ 'p.rego': 'package p\n\nallow if {\n  x == 1\n}\n' })]);
    expect(unsafe.code).toBe(1);
    expect(unsafe.err).toMatch(/p\.rego:4:3: rego_unsafe_var_error: var x is unsafe/);
    const undef = writ(['check', tmp({ 'p.rego': 'package p\n\ndeny if nosuch(1)\n' })]);
    expect(undef.code).toBe(1);
    expect(undef.err).toContain('p.rego:3:9: rego_type_error: undefined function nosuch');
  });

  it('eval prints the result set', () => {
    const dir = tmp({ 'p.rego': 'package p\n\nx := input.a + 1\n', 'input.json': '{"a": 41}' });
    const r = writ(['eval', '-d', dir, '-i', join(dir, 'input.json'), 'data.p.x']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toEqual([{ result: 42 }]);
    const v = writ(['eval', '-d', dir, '-i', join(dir, 'input.json'), 'y := data.p.x * 2; z := y + 1']);
    expect(JSON.parse(v.out)).toEqual([{ y: 84, z: 85 }]);
  });

  it('build writes an OPA bundle the SDK loads unchanged, with data files under their directory', async () => {
    const dir = tmp({
      'src/p.rego': 'package p\n\nallow if input.user in data.admins.names\n',
      'src/admins/data.json': '{"names": ["alice"]}',
    });
    const out = join(dir, 'bundle.tar.gz');
    const r = writ(['build', '-t', 'wasm', join(dir, 'src'), '-e', 'p/allow', '-o', out, '-r', 'abc123']);
    expect(r.err).toContain('wrote');
    expect(r.code).toBe(0);
    const b = readBundle(readFileSync(out));
    expect(b.manifest.revision).toBe('abc123');
    expect(b.manifest.wasm).toEqual([{ entrypoint: 'p/allow', module: '/policy.wasm' }]);
    expect(b.data).toEqual({ admins: { names: ['alice'] } });
    const policy = await loadPolicy(b.wasm);
    policy.setData(b.data as object);
    expect(policy.evaluate({ user: 'alice' }, 'p/allow')).toEqual([{ result: true }]);
    expect(policy.evaluate({ user: 'bob' }, 'p/allow')).toEqual([]);
  });

  it('build refuses a builtin outside --capabilities with OPA wording', () => {
    const dir = tmp({
      'p.rego': 'package p\n\nn := count(input.xs)\nu := upper(input.s)\n',
      'caps.json': JSON.stringify({ builtins: [{ name: 'count', decl: { type: 'function', args: [{ type: 'any' }], result: { type: 'number' } } }] }),
    });
    const r = writ(['build', join(dir, 'p.rego'), '-e', 'p/n', '--capabilities', join(dir, 'caps.json'), '-o', join(dir, 'b.tar.gz')]);
    expect(r.code).toBe(1);
    expect(r.err).toContain('rego_type_error: undefined function upper');
  });

  it('test runs the shipped policies and reports per test', () => {
    const r = writ(['test', 'policies']);
    expect(r.err).toBe('');
    expect(r.out).toMatch(/PASS: \d+\/\d+/);
    expect(r.code).toBe(0);
  });

  it('test fails with location when a test fails, and --format json is parseable', () => {
    const dir = tmp({ 'p_test.rego': 'package p_test\n\ntest_ok if 1 == 1\n\ntest_bad if 1 == 2\n' });
    const r = writ(['test', dir]);
    expect(r.code).toBe(1);
    expect(r.out).toContain('data.p_test.test_ok: PASS');
    expect(r.out).toMatch(/data\.p_test\.test_bad: FAIL[\s\S]*p_test\.rego:5:1/);
    const j = writ(['test', dir, '--format', 'json']);
    const results = JSON.parse(j.out);
    expect(results.map((x: { outcome: string }) => x.outcome).sort()).toEqual(['fail', 'pass']);
  });
});
