// `writ serve` as a process: embedded defaults (data directory, seeded repository, generated tokens),
// flags and environment; restart after kill -9 comes back on the last good version.
import { describe, it, expect } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, statSync, existsSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { tempDir, pgInput, run } from './helpers.ts';

const writ = resolve(import.meta.dirname, '../../bin/writ.js');

function start(args: string[], env: Record<string, string> = {}, cwd?: string): Promise<{ p: ChildProcess; url: string; stderr: () => string }> {
  return new Promise((done, fail) => {
    const p = spawn(process.execPath, [writ, 'serve', ...args], { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    p.stderr!.on('data', (d) => {
      err += d;
      const m = /listening on (http:\/\/\S+?);/.exec(err);
      if (m) done({ p, url: m[1], stderr: () => err });
    });
    p.stdout!.resume();
    p.on('exit', (code) => fail(new Error(`writ serve exited ${code}: ${err}`)));
  });
}

const stop = (p: ChildProcess) => new Promise((r) => { p.on('exit', r); p.kill('SIGTERM'); });

describe('writ serve', () => {
  it('first start with defaults: seeded repository, tokens file (0600, path printed, tokens never), decisions work; kill -9 and restart comes back', async () => {
    const cwd = tempDir('writ-cwd-');
    const dd = join(cwd, 'data');
    const s = await start(['--data-dir', dd, '--listen', '127.0.0.1:0'], { WRIT_CONFIG: '' }, resolve(import.meta.dirname, '../..'));
    try {
      const tokensFile = join(dd, 'tokens.json');
      expect(statSync(tokensFile).mode & 0o777).toBe(0o600);
      const t = JSON.parse(readFileSync(tokensFile, 'utf8')).callers as Array<{ role: string; token: string }>;
      expect(t.map((c) => c.role).sort()).toEqual(['admin', 'enforcer', 'pusher']);
      expect(s.stderr()).toContain(tokensFile);
      for (const c of t) expect(s.stderr()).not.toContain(c.token);
      for (const f of ['policies.git', 'log.db', 'log-key.pem', 'replay.key', 'policies.db']) expect(existsSync(join(dd, f))).toBe(true);
      const enforcer = t.find((c) => c.role === 'enforcer')!.token;
      const r = await fetch(`${s.url}/v1/decisions`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${enforcer}` }, body: JSON.stringify({ input: pgInput() }) });
      expect(r.status).toBe(200);
      const d = await r.json();
      expect(d.allow).toBe(true);
      expect((await fetch(`${s.url}/v1/decisions`, { method: 'POST' })).status).toBe(401);
      s.p.kill('SIGKILL');
      await new Promise((r2) => s.p.on('exit', r2));

      const s2 = await start([], { WRIT_DATA_DIR: dd, WRIT_LISTEN: '127.0.0.1:0' }, cwd);
      try {
        const r2 = await fetch(`${s2.url}/v1/decisions`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${enforcer}` }, body: JSON.stringify({ input: pgInput() }) });
        expect((await r2.json()).provenance).toEqual(d.provenance);
        const ready = await fetch(`${s2.url}/ready`);
        expect(ready.status).toBe(200);
      } finally {
        await stop(s2.p);
      }
    } finally {
      if (s.p.exitCode === null && s.p.signalCode === null) await stop(s.p);
    }
  });

  it('a bad writ.yaml is refused naming the key', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'writ.yaml'), 'limits:\n  body_bytes: lots\n');
    const r = await run(process.execPath, [writ, 'serve', '--config', join(dir, 'writ.yaml')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('writ.yaml: limits.body_bytes: must be an integer');
  });

  it('a damaged store is a startup error', async () => {
    const dd = tempDir();
    writeFileSync(join(dd, 'policies.db'), 'not sqlite at all, definitely not'.repeat(40));
    const r = await run(process.execPath, [writ, 'serve', '--data-dir', dd, '--listen', '127.0.0.1:0'], { cwd: resolve(import.meta.dirname, '../..') });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/writ serve: /);
  });
});
