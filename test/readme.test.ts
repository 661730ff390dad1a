// The README's builtin table is generated from the registry; it must not drift.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('..', import.meta.url));

describe('README', () => {
  it('builtin table matches the registry', () => {
    const r = spawnSync(process.execPath, ['bin/run-ts.js', 'scripts/builtin-table.ts', '--check'], { cwd: repo, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });
});
