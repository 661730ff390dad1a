// Shared setup for service tests: a temp data directory, known tokens per role, a policy directory.
import { mkdtempSync, mkdirSync, writeFileSync, cpSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { validateConfig, type WritConfig } from '../../src/service/config.ts';
import { tokenHash } from '../../src/service/auth.ts';
import { openService, type Service } from '../../src/service/service.ts';
import { spawn } from 'node:child_process';

export const tokens = { admin: 'tok-admin-1', enforcer: 'tok-enforcer-1', pusher: 'tok-pusher-1' };
export const auth = (role: keyof typeof tokens) => ({ authorization: `Bearer ${tokens[role]}` });

export const repoPolicies = resolve(import.meta.dirname, '../../policies');

export function tempDir(prefix = 'writ-svc-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** A policy directory with the given files (relative name -> text). */
export function policyDir(files: Record<string, string>, base = tempDir('writ-pol-')): string {
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(base, name, '..'), { recursive: true });
    writeFileSync(join(base, name), text);
  }
  return base;
}

export function copyOfRepoPolicies(): string {
  const d = tempDir('writ-pol-');
  cpSync(repoPolicies, d, { recursive: true });
  return d;
}

export function testConfig(over: { dataDir?: string; policiesDir?: string; raw?: Record<string, unknown> } = {}): WritConfig {
  return validateConfig({
    data_dir: over.dataDir ?? tempDir(),
    policies: { dir: over.policiesDir ?? repoPolicies, ...((over.raw?.policies as object) ?? {}) },
    callers: Object.entries(tokens).map(([role, t]) => ({ name: `test-${role}`, role, token_sha256: tokenHash(t) })),
    ...Object.fromEntries(Object.entries(over.raw ?? {}).filter(([k]) => k !== 'policies')),
  });
}

export async function open(over: Parameters<typeof testConfig>[0] = {}, opts: Parameters<typeof openService>[1] = {}): Promise<Service> {
  return openService(testConfig(over), { say: () => undefined, ...opts });
}

export function pgInput(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    version: 1,
    principal: { id: 'ci:1', type: 'ci_job', groups: ['db-readers'], roles: [] },
    enforcer: { id: 'pg-1', kind: 'postgres' },
    resource: { name: 'orders', kind: 'postgres', attributes: {} },
    action: { kind: 'statement', sql: { text: 'select 1', operation: 'select', effects: ['read'], relations: [] } },
    context: { approvals: [] },
    ...over,
  };
}

/** Run a command without blocking the event loop (the server under test lives in this process). */
export function run(cmd: string, args: string[], opts: { cwd?: string; env?: Record<string, string> } = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done, fail) => {
    const p = spawn(cmd, args, { cwd: opts.cwd, env: { ...process.env, GIT_TERMINAL_PROMPT: '0', ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('error', fail);
    p.on('close', (code) => done({ code: code ?? -1, stdout, stderr }));
  });
}

/** git in a working clone, with a fixed identity. */
export function gitIn(dir: string, ...args: string[]) {
  return run('git', ['-C', dir, '-c', 'user.name=Test Pusher', '-c', 'user.email=pusher@example.com', ...args]);
}
