// The committed runtime.wasm must be exactly what build.sh produces from the sources.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { RUNTIME_PATH } from './harness.ts';

const BUILD = fileURLToPath(new URL('../../../opa/runtime/build.sh', import.meta.url));

function hasClang16(): boolean {
  try {
    execFileSync('clang-16', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('runtime.wasm rebuild', () => {
  const clang = hasClang16();
  it.skipIf(!clang)('build.sh reproduces the committed bytes (skipped only when clang-16 is absent)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'writ-rebuild-'));
    try {
      const out = join(dir, 'runtime.wasm');
      execFileSync('sh', [BUILD, out], { stdio: 'pipe' });
      const rebuilt = readFileSync(out);
      const committed = readFileSync(RUNTIME_PATH);
      expect(rebuilt.length).toBe(committed.length);
      expect(Buffer.compare(rebuilt, committed)).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  if (!clang) it('notes that clang-16 is absent, so the rebuild check did not run', () => expect(clang).toBe(false));
});
