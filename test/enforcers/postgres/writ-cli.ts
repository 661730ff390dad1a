// The writ CLI as the serve-started enforcer tests use it: `writ serve` until it listens, and one-shot commands,
// with WRIT_CONFIG='' so a writ.yaml in the checkout stays out of them.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const root = resolve(import.meta.dirname, '../../..');
export const writ = join(root, 'bin/writ.js');

export interface Started {
  p: ChildProcess;
  stderr: () => string;
}

/** `writ serve --config config --data-dir dataDir` until its "listening on" line (after the enforcers are up). */
export function serve(config: string, dataDir: string): Promise<Started> {
  return new Promise((done, fail) => {
    const p = spawn(process.execPath, [writ, 'serve', '--config', config, '--data-dir', dataDir, '--listen', '127.0.0.1:0'], { cwd: root, env: { ...process.env, WRIT_CONFIG: '' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    p.stderr!.on('data', (d) => {
      err += d;
      if (/writ serve: listening on /.test(err)) done({ p, stderr: () => err });
    });
    p.stdout!.resume();
    p.on('exit', (code) => fail(new Error(`writ serve exited ${code}: ${err}`)));
  });
}

/** Runs writ to its end. */
export function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const p = spawn(process.execPath, [writ, ...args], { cwd: root, env: { ...process.env, WRIT_CONFIG: '' } });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('close', (code) => done({ code, stdout, stderr }));
  });
}

/** SIGTERM, resolved with the exit code once the process is gone. */
export const stop = (p?: ChildProcess) => new Promise<number | null>((r) => (!p || p.exitCode !== null ? r(p?.exitCode ?? null) : (p.on('exit', (c) => r(c)), p.kill('SIGTERM'))));

/** The token `writ serve` generated for `role` in `dataDir`/tokens.json (no callers configured). */
export function callerToken(dataDir: string, role: 'admin' | 'enforcer' | 'pusher'): string {
  const callers = JSON.parse(readFileSync(join(dataDir, 'tokens.json'), 'utf8')).callers as Array<{ role: string; token: string }>;
  return callers.find((c) => c.role === role)!.token;
}
