// writ audit show / export / explain against real stores and a real bare Git repository: a decision
// recorded as the service records it is rebuilt from its revision, hash-checked and replayed.
import { describe, expect, it } from 'vitest';
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DecisionLog } from '../../src/audit/log.ts';
import { SqliteLogStore } from '../../src/audit/store.ts';
import { loadOrCreateSigningKey } from '../../src/audit/keys.ts';
import { uuidv7 } from '../../src/audit/uuid7.ts';
import { canonicalJson } from '../../src/audit/canonical.ts';
import { parseExact } from '../../src/audit/json.ts';
import { dataDirLayout, inputDigest, loadOrCreateReplayKey, sealInput, type DecisionEntry } from '../../src/audit/record.ts';
import { buildRevision } from '../../src/policy/build.ts';
import { commitDirectory } from '../../src/policy/repo.ts';
import { PolicyVersion } from '../../src/policy/version.ts';
import { normaliseDecision } from '../../src/service/normalise.ts';
import { entry, pgLog, root, sqliteLog, tmp, writ } from './helpers.ts';
import { dropSchema, freshPgUrl } from './pg.ts';

const policy = `package app

default allow := false

allow if input.user == "alice"

reasons contains "alice may read" if allow

reasons contains "everyone else is denied" if not allow

stamp := time.now_ns()

decision := {"allow": allow, "reasons": reasons, "at": stamp}

contract := {"allow": allow, "reasons": reasons}

helper(x) := x + 1
`;

function git(repo: string, ...args: string[]): string {
  return execFileSync('git', args, { env: { ...process.env, GIT_DIR: repo, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' } }).toString().trim();
}

/** A data directory as the service leaves it: policies.git with one commit, log.db, keys. */
async function recordedDecisions() {
  const dir = tmp('writ-explain-');
  const repo = join(dir, dataDirLayout.policyRepo);
  git(repo, 'init', '--bare', '-q', '-b', 'main', repo);
  const src = tmp('writ-src-');
  writeFileSync(join(src, 'app.rego'), policy);
  writeFileSync(join(src, 'app_test.rego'), 'package app\n\ntest_alice if allow with input as {"user": "alice"}\n');
  mkdirSync(join(src, 'roles'));
  writeFileSync(join(src, 'roles', 'data.json'), '{"admins": ["alice"]}');
  const rev = commitDirectory(repo, src, 'main', 'policy v1');
  const built = buildRevision(repo, rev);
  if (!built.ok) throw new Error(built.diagnostics);
  const v = await PolicyVersion.load({ ...built, pushed_by: 'test', time: new Date().toISOString(), source: 'git' });
  const replayKey = loadOrCreateReplayKey(join(dir, dataDirLayout.replayKey));
  const log = new DecisionLog({ store: new SqliteLogStore(join(dir, dataDirLayout.logDb)), key: loadOrCreateSigningKey(join(dir, dataDirLayout.logKey)) });
  const decide = async (api: DecisionEntry['api'], entrypoint: string, input: Record<string, unknown>) => {
    const ev = v.evaluate(entrypoint, input);
    const decision_id = uuidv7();
    const result = api === 'v1/decisions' ? normaliseDecision(entrypoint, ev) : ev.defined ? ev.result : undefined;
    const e: DecisionEntry = {
      kind: 'decision',
      decision_id,
      time: new Date().toISOString(),
      caller: 'test-enforcer',
      api,
      entrypoint,
      principal: input.user ?? null,
      enforcer: null,
      resource: null,
      action: null,
      input: { ...input, secret: '***' },
      input_digest: inputDigest(input),
      input_sealed: sealInput(input, replayKey, decision_id),
      result,
      policy: v.provenance,
      nondeterministic: ev.nondeterministic,
      latency_us: 10,
    };
    await log.append(e);
    return { id: decision_id, ev, result };
  };
  const data = await decide('v1/data', 'app/decision', { user: 'alice', secret: 's3cret' });
  const native = await decide('v1/decisions', 'app/contract', { user: 'bob', secret: 'x' });
  await log.close();
  return { dir, repo, rev, built, data, native, src };
}

describe('writ audit explain', () => {
  it('rebuilds the revision, matches the bundle hash, and replays the recorded result with the rules that held', async () => {
    const { dir, built, data } = await recordedDecisions();
    const r = writ(['audit', 'explain', data.id, '--data-dir', dir]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toContain(`bundle     sha256 ${built.bundle_sha256}: matches the record`);
    expect(r.out).toContain('verdict    SAME');
    expect(r.out).toMatch(/defined\s+app\/allow = true/);
    expect(r.out).toMatch(/defined\s+app\/reasons = \["alice may read"\]/);
    expect(r.out).not.toContain('helper');

    const j = writ(['audit', 'explain', data.id, '--data-dir', dir, '--json']);
    expect(j.code).toBe(0);
    const x = JSON.parse(j.out);
    // time.now_ns was recorded, and replayed from the record rather than read from the clock again.
    expect(data.ev.nondeterministic.map((c) => c.name)).toContain('time.now_ns');
    expect(x.value.at).toBe((data.ev.result as { at: number }).at);
    expect(x.same_result).toBe(true);
    expect(x.input_source).toBe('sealed');
    expect(x.rules.map((r: { path: string }) => r.path)).toEqual(['app/allow', 'app/contract', 'app/decision', 'app/reasons', 'app/stamp']);
  });

  it('replays a native decision through the decision contract', async () => {
    const { dir, native } = await recordedDecisions();
    const r = writ(['audit', 'explain', native.id, '--data-dir', dir, '--json']);
    expect(r.code).toBe(0);
    const x = JSON.parse(r.out);
    expect(x.replayed_result).toEqual({ allow: false, reasons: ['everyone else is denied'] });
    expect(x.rules.find((r: { path: string }) => r.path === 'app/allow')).toMatchObject({ defined: true, value: false });
  });

  it('accepts the auditor\'s copy of the input and checks its digest', async () => {
    const { dir, data } = await recordedDecisions();
    const good = join(dir, 'input.json');
    writeFileSync(good, '{"secret": "s3cret", "user": "alice"}');
    const r = writ(['audit', 'explain', data.id, '--data-dir', dir, '--input', good, '--replay-key', '/nonexistent']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('from --input; digest matches');
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{"secret": "s3cret", "user": "mallory"}');
    const b = writ(['audit', 'explain', data.id, '--data-dir', dir, '--input', bad]);
    expect(b.code).toBe(1);
    expect(b.err).toMatch(/input digest mismatch/);
  });

  it('reports a hash mismatch when the repository no longer holds the recorded policy', async () => {
    const { dir, repo, rev, data, src } = await recordedDecisions();
    // Swap what the recorded commit resolves to, as someone with write access to the repository could.
    writeFileSync(join(src, 'app.rego'), policy.replace('input.user == "alice"', 'input.user != ""'));
    const forged = commitDirectory(repo, src, 'other', 'forged');
    git(repo, 'replace', rev, forged);
    const r = writ(['audit', 'explain', data.id, '--data-dir', dir]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/bundle hash mismatch: revision [0-9a-f]{40} rebuilds to sha256 [0-9a-f]{64}, but the record says/);
  });

  it('names an unknown decision, a missing revision and a wrong replay key', async () => {
    const { dir, repo, data } = await recordedDecisions();
    expect(writ(['audit', 'explain', 'nope', '--data-dir', dir])).toMatchObject({ code: 1, err: expect.stringContaining('no decision nope') });
    const other = tmp();
    writeFileSync(join(other, 'k'), Buffer.alloc(32, 7).toString('base64'));
    const k = writ(['audit', 'explain', data.id, '--data-dir', dir, '--replay-key', join(other, 'k')]);
    expect(k.code).toBe(1);
    expect(k.err).toContain('does not open with this replay key');
    const empty = join(other, 'empty.git');
    git(empty, 'init', '--bare', '-q', empty);
    const m = writ(['audit', 'explain', data.id, '--data-dir', dir, '--repo', empty]);
    expect(m.code).toBe(1);
    expect(m.err).toMatch(/cannot read revision [0-9a-f]{40}/);
    expect(repo).toBeTruthy();
  });
});

describe('writ audit show and export', () => {
  it('shows one record, and names an unknown one', async () => {
    const { dir, ids } = await sqliteLog(5);
    const r = writ(['audit', 'show', ids[2], '--data-dir', dir]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ decision_id: ids[2], seq: 3, i: 2 });
    const u = writ(['audit', 'show', 'missing', '--data-dir', dir]);
    expect(u.code).toBe(1);
    expect(u.err).toContain('no decision missing');
  });

  it('exports JSON lines since a time, each line the hashed canonical record', async () => {
    const { dir, ids } = await sqliteLog(30);
    const r = writ(['audit', 'export', '--since', '2026-01-01T00:10:00Z', '--format', 'jsonl', '--data-dir', dir]);
    expect(r.code).toBe(0);
    const lines = r.out.trim().split('\n');
    expect(lines).toHaveLength(20);
    const recs = lines.map((l) => parseExact(l) as { decision_id: string; seq: number });
    expect(recs.map((x) => x.decision_id)).toEqual(ids.slice(10));
    for (const l of lines) expect(canonicalJson(parseExact(l))).toBe(l);
    expect(writ(['audit', 'export', '--since', 'yesterday-ish', '--data-dir', dir])).toMatchObject({ code: 2, err: expect.stringContaining('--since yesterday-ish') });
    expect(writ(['audit', 'export', '--format', 'csv', '--data-dir', dir])).toMatchObject({ code: 2, err: expect.stringContaining('only jsonl') });
  });

  it('shows and exports from PostgreSQL too', async () => {
    const url = freshPgUrl();
    try {
      const { ids } = await pgLog(url, 30);
      const r = writ(['audit', 'show', ids[4], '--store', url]);
      expect(r.code, r.err).toBe(0);
      expect(JSON.parse(r.out)).toMatchObject({ decision_id: ids[4], seq: 5 });
      const e = writ(['audit', 'export', '--since', '2026-01-01T00:25:00Z', '--store', url]);
      expect(e.code, e.err).toBe(0);
      expect(e.out.trim().split('\n').map((l) => JSON.parse(l).seq)).toEqual([26, 27, 28, 29, 30]);
    } finally {
      await dropSchema(url);
    }
  });

  it('--follow streams records as they are committed', async () => {
    const { dir, key } = await sqliteLog(3);
    const child = spawn(process.execPath, [join(root, 'bin', 'writ.js'), 'audit', 'export', '--follow', '--poll-ms', '50', '--data-dir', dir], { cwd: root });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const until = async (n: number) => {
      const t0 = Date.now();
      while (out.split('\n').filter(Boolean).length < n) {
        if (Date.now() - t0 > 30_000) throw new Error(`timed out with ${out}`);
        await new Promise((r) => setTimeout(r, 25));
      }
    };
    try {
      await until(3);
      const log = new DecisionLog({ store: new SqliteLogStore(join(dir, 'log.db')), key });
      const more = await Promise.all([log.append(entry(100)), log.append(entry(101))]);
      await log.close();
      await until(5);
      const seen = out.trim().split('\n').map((l) => (parseExact(l) as { decision_id: string }).decision_id);
      expect(seen.slice(3)).toEqual(more.map((m) => m.decision_id));
    } finally {
      child.kill('SIGTERM');
    }
  });

  it('prints the public key and help for every subcommand', async () => {
    const { dir, key } = await sqliteLog(1);
    const r = writ(['audit', 'public-key', '--data-dir', dir]);
    expect(r.code).toBe(0);
    expect(r.out).toBe(key.publicKey.export({ type: 'spki', format: 'pem' }).toString());
    for (const sub of ['verify', 'show', 'export', 'explain', 'checkpoints', 'public-key']) {
      const h = writ(['audit', sub, '--help']);
      expect(h.code).toBe(0);
      expect(h.out).toContain(`Usage: writ audit ${sub}`);
    }
    expect(writ(['audit', 'bogus'])).toMatchObject({ code: 2, err: expect.stringContaining("unknown subcommand 'bogus'") });
    expect(writ(['audit', 'verify', '--nope'])).toMatchObject({ code: 2, err: expect.stringContaining('unknown flag --nope') });
  });
});
