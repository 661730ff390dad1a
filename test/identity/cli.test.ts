// writ token inspect, run as a pipeline runs it: a child process against a loopback issuer.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import { TestIssuer } from './issuer.ts';
import * as cs from './claimsets.ts';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const now = Math.floor(Date.now() / 1000);

/** Async, so this process keeps serving the issuer while the child fetches its keys. */
function writ(args: string[], input?: string): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((ok) => {
    const p = spawn(process.execPath, [join(repo, 'bin/writ.js'), ...args], { cwd: repo });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (err += d));
    p.on('close', (code) => ok({ code, out, err }));
    p.stdin.end(input ?? '');
  });
}

let iss: TestIssuer;
let configPath: string;

beforeAll(async () => {
  iss = await TestIssuer.start();
  await iss.addKey('k1');
  const dir = mkdtempSync(join(tmpdir(), 'writ-token-'));
  configPath = join(dir, 'writ.yaml');
  writeFileSync(
    configPath,
    YAML.stringify({
      listen: '127.0.0.1:8181',
      identity: {
        issuers: [
          { name: 'entra', preset: 'entra_id', tenants: [cs.tenant], versions: ['v2'], audiences: [cs.apiClientId], jwks_url: iss.jwksUrl },
          { name: 'github', preset: 'github_actions', audiences: ['https://github.com/octo-org'], jwks_url: iss.jwksUrl },
        ],
      },
    }),
  );
});
afterAll(() => iss.stop());

describe('writ token inspect', () => {
  it('prints the verified principal as JSON', async () => {
    const r = await writ(['token', 'inspect', await iss.sign(cs.entraV2ManagedIdentity(now), 'k1'), '--config', configPath]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const v = JSON.parse(r.out);
    expect(v.issuer).toBe('entra');
    expect(v.header).toEqual({ alg: 'RS256', kid: 'k1', typ: 'JWT' });
    expect(v.principal).toMatchObject({ id: `entra:${cs.tenant}:${cs.miObjectId}`, type: 'managed_identity', tenant: cs.tenant, client_id: cs.callerAppId });
  });

  it('reads the token from standard input with -', async () => {
    const r = await writ(['token', 'inspect', '-', '-c', configPath], `${await iss.sign(cs.githubJob(now), 'k1')}\n`);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out).principal).toMatchObject({ id: 'github:65/74:environment:prod', type: 'ci_job' });
  });

  it('says exactly why a token is refused, exit 1', async () => {
    const t = await iss.sign(cs.entraV1App(now), 'k1');
    const r = await writ(['token', 'inspect', t, '--config', configPath, '--json']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^writ token inspect: refused: WRIT_TOKEN_ENTRA_VERSION: token is an Entra ID v1\.0 token .* accepts only v2\.0 tokens/);
    expect(r.err).toContain(`the token says (unverified): alg="RS256" kid="k1" typ="JWT" iss="https://sts.windows.net/${cs.tenant}/" aud="api://writ"`);
    expect(JSON.parse(r.out).error.code).toBe('WRIT_TOKEN_ENTRA_VERSION');
  });

  it('--now verifies as of another time (here: after expiry)', async () => {
    const t = await iss.sign(cs.entraV2App(now), 'k1');
    const r = await writ(['token', 'inspect', t, '--config', configPath, '--now', new Date((now + 7200) * 1000).toISOString()]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/WRIT_TOKEN_EXPIRED: token expired at .* re-authenticate/);
  });

  it('configuration errors name the key, exit 2', async () => {
    const bad = join(mkdtempSync(join(tmpdir(), 'writ-token-')), 'writ.yaml');
    writeFileSync(bad, YAML.stringify({ identity: { issuers: [{ name: 'e', preset: 'entra_id', tenants: [cs.tenant], audiences: [] }] } }));
    const r = await writ(['token', 'inspect', 'x.y.z', '--config', bad]);
    expect(r.code).toBe(2);
    expect(r.err).toContain('writ.yaml: identity.issuers[0].audiences: must not be empty');
  });

  it('--help, and usage errors', async () => {
    const h = await writ(['token', 'inspect', '--help']);
    expect(h.code).toBe(0);
    expect(h.out).toContain('Usage: writ token inspect <jwt | -> [--config writ.yaml]');
    expect((await writ(['token', 'inspect', '--config', configPath])).code).toBe(2);
    expect((await writ(['token', 'frob'])).err).toContain("unknown subcommand 'frob'");
    expect((await writ(['--help'])).out).toMatch(/token\s+verify an OIDC token/);
  });
});
