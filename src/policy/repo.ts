// The bare Git repository the service hosts: created from a seed directory on first start, with a
// pre-receive hook that compiles and tests a push before the ref moves.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync, chmodSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ZERO_SHA = '0000000000000000000000000000000000000000';

/** Author and committer of commits writ makes itself. */
export const writEnv = {
  GIT_AUTHOR_NAME: 'writ',
  GIT_AUTHOR_EMAIL: 'writ@localhost',
  GIT_COMMITTER_NAME: 'writ',
  GIT_COMMITTER_EMAIL: 'writ@localhost',
};

/** The project checkout (holds bin/run-ts.js, which the hook runs through). */
export const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export class PolicyStoreError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PolicyStoreError';
  }
}

export function git(repo: string, args: string[], opts: { input?: Buffer | string; env?: Record<string, string> } = {}): string {
  return execFileSync('git', args, {
    cwd: repo,
    input: opts.input,
    // GIT_DIR always: a damaged repository must fail, never fall back to a repository above it.
    env: { ...process.env, GIT_DIR: repo, ...opts.env },
    stdio: ['pipe', 'pipe', 'pipe'],
    maxBuffer: 64 << 20,
  }).toString('utf8');
}

/** Commit the contents of `dir` on `branch` of the bare `repo` (parent: the branch head, if any). */
export function commitDirectory(repo: string, dir: string, branch: string, message: string): string {
  const scratch = mkdtempSync(join(tmpdir(), 'writ-index-'));
  try {
    const env = { ...writEnv, GIT_INDEX_FILE: join(scratch, 'index'), GIT_WORK_TREE: dir, GIT_DIR: repo };
    git(repo, ['add', '-A', '.'], { env });
    const tree = git(repo, ['write-tree'], { env }).trim();
    const parent = headOf(repo, branch);
    const commit = git(repo, ['commit-tree', tree, '-m', message, ...(parent ? ['-p', parent] : [])], { env }).trim();
    git(repo, ['update-ref', `refs/heads/${branch}`, commit, ...(parent ? [parent] : [])], { env: { GIT_DIR: repo } });
    return commit;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** The commit at the tip of `branch`, or undefined when the branch does not exist yet. */
export function headOf(repo: string, branch: string): string | undefined {
  try {
    return git(repo, ['rev-parse', '--verify', '--quiet', `refs/heads/${branch}^{commit}`]).trim() || undefined;
  } catch {
    return undefined;
  }
}

export function commitExists(repo: string, rev: string): boolean {
  try {
    git(repo, ['cat-file', '-e', `${rev}^{commit}`]);
    return true;
  } catch {
    return false;
  }
}

export interface HookConfig {
  branch: string;
  /** When true, pushes to the tracked branch are refused: only signed bundles may activate. */
  require_signed_bundles: boolean;
  /** policies.strict_builtin_errors: a push is compiled and its tests run in the mode the service
   *  activates it in, so a push whose tests only fail under strict errors is refused, not served. */
  strict_builtin_errors: boolean;
}

/** Write the pre-receive hook (a node script run through the project's tsx loader) and its config. */
export function installHook(repo: string, cfg: HookConfig): void {
  const hooks = join(repo, 'hooks');
  mkdirSync(hooks, { recursive: true });
  writeFileSync(join(repo, 'writ-hook.json'), JSON.stringify(cfg, null, 2) + '\n');
  const script = [
    '#!/bin/sh',
    '# Installed by writ serve: compiles and tests a push to the tracked branch before the ref moves.',
    `exec ${JSON.stringify(process.execPath)} ${JSON.stringify(join(projectRoot, 'bin/run-ts.js'))} ${JSON.stringify(join(projectRoot, 'src/policy/hook.ts'))}`,
    '',
  ].join('\n');
  writeFileSync(join(hooks, 'pre-receive'), script);
  chmodSync(join(hooks, 'pre-receive'), 0o755);
}

/** Create the bare repository from `seedDir` if it does not exist; returns true when it was created. */
export function ensureRepository(repo: string, seedDir: string, branch: string): boolean {
  if (existsSync(repo)) {
    try {
      const bare = execFileSync('git', ['--git-dir', repo, 'rev-parse', '--is-bare-repository'], { stdio: ['ignore', 'pipe', 'pipe'] }).toString().trim();
      if (bare !== 'true') throw new Error('not a bare repository');
    } catch (e) {
      throw new PolicyStoreError(`policy repository ${repo} is damaged: ${(e as Error).message.split('\n')[0]}`);
    }
    return false;
  }
  if (!existsSync(seedDir)) throw new PolicyStoreError(`cannot initialise the policy repository: seed directory ${seedDir} does not exist`);
  mkdirSync(repo, { recursive: true });
  git(repo, ['init', '--bare', '--quiet', `--initial-branch=${branch}`]);
  git(repo, ['config', 'receive.denyDeletes', 'true']);
  commitDirectory(repo, seedDir, branch, 'Initial policies (imported by writ serve)');
  return true;
}
