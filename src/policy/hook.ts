// The pre-receive hook of the policy repository (run by git with GIT_DIR set, stdin: "<old> <new> <ref>"
// lines). A push to the tracked branch is exported, compiled and its Rego tests run; anything wrong is
// printed as `file:line:col: code: message` on stderr (the pusher sees `remote:` lines) and refused.
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { buildPolicy, loadTreeRelative } from './build.ts';
import { ZERO_SHA, type HookConfig } from './repo.ts';
import { runRegoTests } from '../cli/test.ts';

/** Compile and test a pushed commit in the service's mode (strict builtin errors or not), as activation will. */
async function checkRevision(gitDir: string, rev: string, strict: boolean): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'writ-push-'));
  const cwd = process.cwd();
  try {
    const tar = execFileSync('git', ['--git-dir', gitDir, 'archive', '--format=tar', rev], { maxBuffer: 256 << 20 });
    execFileSync('tar', ['-x', '-C', dir], { input: tar });
    const tree = loadTreeRelative(dir);
    const built = buildPolicy(tree, rev, { strictBuiltinErrors: strict });
    if (!built.ok) return built.diagnostics.split('\n');
    // Test files are named relative to the repository root, as in the compile diagnostics.
    process.chdir(dir);
    const { results, diagnostics } = await runRegoTests(['.'], undefined, { strictBuiltinErrors: strict });
    if (diagnostics) return diagnostics.split('\n').filter((l) => /^\S+:\d+:\d+: /.test(l));
    return results
      .filter((r) => r.outcome !== 'pass')
      .map((r) => `${r.location.file}:${r.location.row}:${r.location.col}: rego_test_failure: ${r.name} ${r.outcome === 'error' ? 'errored' : 'failed'}${r.error ? ` (${r.error})` : ''}`);
  } finally {
    process.chdir(cwd);
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<number> {
  const gitDir = resolve(process.env.GIT_DIR ?? '.');
  const cfg = JSON.parse(readFileSync(join(gitDir, 'writ-hook.json'), 'utf8')) as HookConfig;
  const lines = readFileSync(0, 'utf8').split('\n').filter((l) => l.trim() !== '');
  let refused = false;
  for (const line of lines) {
    const [, next, ref] = line.split(' ');
    if (ref !== `refs/heads/${cfg.branch}`) continue;
    if (next === ZERO_SHA) {
      process.stderr.write(`writ: deleting ${ref} is not allowed: the service serves it\n`);
      refused = true;
      continue;
    }
    if (cfg.require_signed_bundles) {
      process.stderr.write(`writ: this service only activates signed bundles (POST /v1/bundles); pushes to ${ref} are refused\n`);
      refused = true;
      continue;
    }
    // A hook config written before the setting existed has no key: the service's default (false).
    const strict = cfg.strict_builtin_errors === true;
    const mode = strict ? ' (compiled and tested with strict builtin errors, as the service runs)' : '';
    const problems = await checkRevision(gitDir, next, strict);
    if (problems.length > 0) {
      for (const p of problems) process.stderr.write(p + '\n');
      process.stderr.write(`writ: push to ${ref} refused: ${problems.length} problem(s)${mode}; the running policy is unchanged\n`);
      refused = true;
    } else {
      process.stderr.write(`writ: ${next.slice(0, 12)} compiled and its tests pass${mode}; activating\n`);
    }
  }
  return refused ? 1 : 0;
}

process.exitCode = await main().catch((e) => {
  process.stderr.write(`writ: internal: pre-receive hook failed: ${(e as Error).stack ?? e}\n`);
  return 1;
});
