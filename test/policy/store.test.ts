// The policy store: restart comes back on the last good version; a damaged store is a clear error.
import { describe, it, expect } from 'vitest';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PolicyStore, PolicyStoreError, ActivationError } from '../../src/policy/store.ts';
import { PolicyHistory } from '../../src/policy/history.ts';
import { commitDirectory } from '../../src/policy/repo.ts';
import { buildPolicy, loadTreeRelative, buildRevision } from '../../src/policy/build.ts';
import { tempDir, policyDir } from '../service/helpers.ts';

const pol = (v: string) => ({ 'a.rego': `package app\n\nv := "${v}"\n`, 'data.json': '{"limits": {"max": 3}}' });

async function openStore(dataDir: string, seedDir: string) {
  return PolicyStore.open({ dataDir, seedDir });
}

describe('policy store', () => {
  it('first start seeds the repository and activates it; restart comes back on the last good version', async () => {
    const dd = tempDir();
    const seed = policyDir(pol('one'));
    const s1 = await openStore(dd, seed);
    const first = s1.active.current()!;
    expect(first.source).toBe('git');
    expect(first.evaluate('app/v', {}).result).toBe('one');
    expect(first.evaluate('app', {}).result).toEqual({ v: 'one' });
    expect(first.evaluate('limits/max', {}).result).toBe(3);
    const work = policyDir(pol('two'));
    const c2 = commitDirectory(s1.repo, work, 'main', 'two');
    await s1.activateRevision(c2, 'alice');
    // A broken commit is refused and the running version stays.
    const c3 = commitDirectory(s1.repo, policyDir({ 'a.rego': 'package app\n\nv := \n' }), 'main', 'broken');
    await expect(s1.activateRevision(c3, 'mallory')).rejects.toBeInstanceOf(ActivationError);
    expect(s1.active.current()!.revision).toBe(c2);
    await s1.close();

    const s2 = await openStore(dd, policyDir(pol('seed ignored on restart')));
    const v = s2.active.current()!;
    expect(v.revision).toBe(c2);
    expect(v.pushed_by).toBe('alice');
    expect(v.evaluate('app/v', {}).result).toBe('two');
    expect(s2.listHistory().map((h) => h.revision)).toEqual([c2, first.revision]);
    await s2.close();
  });

  it('builds are deterministic: the same sources give the same bundle sha256 (what audit explain relies on)', async () => {
    const dir = policyDir(pol('x'));
    const a = buildPolicy(loadTreeRelative(dir), 'r1');
    const b = buildPolicy(loadTreeRelative(dir), 'r1');
    expect(a.ok && b.ok).toBe(true);
    if (a.ok && b.ok) expect(a.bundle_sha256).toBe(b.bundle_sha256);
    const dd = tempDir();
    const s = await openStore(dd, dir);
    const cur = s.active.current()!;
    const rebuilt = buildRevision(s.repo, cur.revision);
    expect(rebuilt.ok && rebuilt.bundle_sha256).toBe(cur.bundle_sha256);
    await s.close();
  });

  it('a missing repository is a startup error, not an empty policy', async () => {
    const dd = tempDir();
    await (await openStore(dd, policyDir(pol('one')))).close();
    rmSync(join(dd, 'policies.git'), { recursive: true });
    await expect(openStore(dd, policyDir(pol('one')))).rejects.toThrow(/policy store damaged: repository .* is missing/);
  });

  it('an unreadable ref is a startup error', async () => {
    const dd = tempDir();
    const seed = policyDir(pol('one'));
    const s = await openStore(dd, seed);
    await s.close();
    // Lose the history and break the branch: nothing trustworthy to come back on.
    rmSync(join(dd, 'policies.db'));
    writeFileSync(join(dd, 'policies.git', 'refs', 'heads', 'main'), 'garbage\n');
    await expect(openStore(dd, seed)).rejects.toThrow(PolicyStoreError);
    await expect(openStore(dd, seed)).rejects.toThrow(/refs\/heads\/main .* cannot be read/);
  });

  it('a recorded revision missing from the repository is a startup error', async () => {
    const dd = tempDir();
    await (await openStore(dd, policyDir(pol('one')))).close();
    const h = new PolicyHistory(join(dd, 'policies.db'));
    h.record({ revision: 'f'.repeat(40), bundle_sha256: '0'.repeat(64), pushed_by: 'x', time: new Date().toISOString(), source: 'git' });
    h.close();
    await expect(openStore(dd, policyDir(pol('one')))).rejects.toThrow(/recorded revision f{40} is not in/);
  });

  it('a recorded good revision that no longer compiles is a startup error', async () => {
    const dd = tempDir();
    const s = await openStore(dd, policyDir(pol('one')));
    const bad = commitDirectory(s.repo, policyDir({ 'a.rego': 'package app\n\nv := \n' }), 'main', 'bypassed the hook');
    await s.close();
    const h = new PolicyHistory(join(dd, 'policies.db'));
    h.record({ revision: bad, bundle_sha256: '0'.repeat(64), pushed_by: 'x', time: new Date().toISOString(), source: 'git' });
    h.close();
    await expect(openStore(dd, policyDir(pol('one')))).rejects.toThrow(/recorded good revision [0-9a-f]{40} no longer compiles:\na\.rego:4:1: rego_parse_error/);
  });
});
