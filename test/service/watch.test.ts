// `serve --watch <dir>`: the directory is served and recompiled on save, keeping the last good version.
import { describe, it, expect, afterAll } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { open, auth, policyDir } from './helpers.ts';
import type { Service } from '../../src/service/service.ts';

let svc: Service | undefined;
afterAll(async () => svc?.close());

async function until<T>(f: () => Promise<T>, ok: (v: T) => boolean, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (ok(v) || Date.now() > end) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('watch mode', () => {
  it('serves the directory, reloads on save, keeps the last good version on a broken save', async () => {
    const dir = policyDir({ 'app.rego': 'package app\n\ngreeting := "hello"\n' });
    const messages: string[] = [];
    svc = await open({}, { watch: dir, say: (m) => messages.push(m) });
    const s = svc;
    const ask = async () => (await s.app.inject({ method: 'POST', url: '/v1/data/app/greeting', headers: auth('enforcer'), payload: {} })).json();
    const first = await ask();
    expect(first.result).toBe('hello');
    expect(first.provenance.revision).toMatch(/^dir:[0-9a-f]{64}$/);

    writeFileSync(join(dir, 'app.rego'), 'package app\n\ngreeting := "bonjour"\n');
    const second = await until(ask, (b) => b.result === 'bonjour');
    expect(second.result).toBe('bonjour');
    expect(second.provenance.revision).not.toBe(first.provenance.revision);

    writeFileSync(join(dir, 'app.rego'), 'package app\n\ngreeting := \n');
    await until(async () => messages.join('\n'), (m) => /app\.rego:\d+:\d+: rego_parse_error/.test(m));
    expect(messages.join('\n')).toMatch(/does not build; keeping dir:/);
    expect(await ask()).toMatchObject({ result: 'bonjour', provenance: second.provenance });

    writeFileSync(join(dir, 'app.rego'), 'package app\n\ngreeting := "hallo"\n');
    expect((await until(ask, (b) => b.result === 'hallo')).result).toBe('hallo');
    const p = (await s.app.inject({ url: '/v1/policies', headers: auth('admin') })).json();
    expect(p.active).toMatchObject({ source: 'dir', pushed_by: 'watch' });
  });
});
