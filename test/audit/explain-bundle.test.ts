// `writ audit explain` replays a decision with the bundle the service kept under its sha256
// (<data-dir>/bundles/<sha256>.tar.gz), so it survives a compiler that now builds the same revision
// to other bytes; the Git rebuild is still made and compared. An altered stored bundle is refused, an
// auditor's --bundle must have the recorded hash, and decisions of a watched directory can be explained.
import { describe, it, expect, beforeAll } from 'vitest';
import { cpSync, existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { open, auth, pgInput, policyDir, tempDir } from '../service/helpers.ts';
import { readBundle, sha256Hex, writeBundle } from '../../src/bundle/bundle.ts';
import { buildPolicy, buildRevision, type BuildOptions } from '../../src/policy/build.ts';
import { dataDirLayout, loadReplayKey, type DecisionEntry } from '../../src/audit/record.ts';
import { explainDecision } from '../../src/audit/explain.ts';
import type { PolicyTree } from '../../src/files.ts';
import { writ } from './helpers.ts';

const files = (reason: string) => ({
  'pg.rego': `package writ.postgres

default allow := false

allow if "db-readers" in input.principal.groups

decision := {"allow": allow, "reasons": ["${reason}"]}
`,
});

/** The same bundle as `bytes` with a compiler stamp in its manifest: what another writ version would emit. */
function restamped(bytes: Buffer, compiler: string): Buffer {
  const b = readBundle(bytes);
  return writeBundle({ ...b, manifest: { ...b.manifest, metadata: { ...b.manifest.metadata, writ_compiler: compiler } } });
}

interface Made {
  id: string;
  provenance: { revision: string; bundle_sha256: string };
  rec: DecisionEntry;
}

let dataDir: string;
/** by the Git revision as the service built it */
let git: Made;
/** by a bundle of the same revision that an older compiler built (uploaded through POST /v1/bundles) */
let old: Made;
/** by a watched directory (revision dir:<sha256>) */
let dir: Made;

beforeAll(async () => {
  dataDir = tempDir('writ-explain-bundle-');
  const svc = await open({ dataDir, policiesDir: policyDir(files('from git')) });
  try {
    const decide = async (): Promise<Made> => {
      const r = await svc.app.inject({ method: 'POST', url: '/v1/decisions', headers: auth('enforcer'), payload: { input: pgInput() } });
      expect(r.statusCode).toBe(200);
      const { decision_id: id, provenance } = r.json();
      const rec = (await svc.app.inject({ url: `/v1/decisions/${id}`, headers: auth('admin') })).json() as DecisionEntry;
      return { id, provenance, rec };
    };
    git = await decide();
    const built = buildRevision(join(dataDir, dataDirLayout.policyRepo), git.provenance.revision);
    if (!built.ok) throw new Error(built.diagnostics);
    expect(built.bundle_sha256).toBe(git.provenance.bundle_sha256);
    const up = await svc.app.inject({ method: 'POST', url: '/v1/bundles', headers: { ...auth('admin'), 'content-type': 'application/gzip' }, payload: restamped(built.bundle, 'writ 0.0.9') });
    expect(up.statusCode, up.body).toBe(200);
    old = await decide();
    expect(old.provenance.revision).toBe(git.provenance.revision);
    expect(old.provenance.bundle_sha256).not.toBe(git.provenance.bundle_sha256);
    await svc.store.activateDirectory(policyDir(files('from a watched directory')));
    dir = await decide();
    expect(dir.provenance.revision).toMatch(/^dir:[0-9a-f]{64}$/);
  } finally {
    await svc.close();
  }
});

const bundleFile = (dd: string, sha: string) => join(dd, dataDirLayout.bundles, `${sha}.tar.gz`);

/** A copy of the data directory, for tests that alter it. */
function copy(): string {
  const d = join(tempDir('writ-explain-copy-'), 'data');
  cpSync(dataDir, d, { recursive: true });
  return d;
}

describe('bundles kept by sha256', () => {
  it('the store keeps the bundle of every activated version: Git, uploaded, watched directory', () => {
    const kept = readdirSync(join(dataDir, dataDirLayout.bundles)).sort();
    const expected = [git, old, dir].map((m) => `${m.provenance.bundle_sha256}.tar.gz`).sort();
    expect(kept).toEqual(expected);
    for (const m of [git, old, dir]) expect(sha256Hex(readFileSync(bundleFile(dataDir, m.provenance.bundle_sha256)))).toBe(m.provenance.bundle_sha256);
  });
});

describe('writ audit explain with the stored bundle', () => {
  it('replays with the stored bundle and reports that the rebuild agrees', () => {
    const r = writ(['audit', 'explain', git.id, '--data-dir', dataDir]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toContain(`bundle     sha256 ${git.provenance.bundle_sha256}: matches the record; replayed from the stored bundle ${bundleFile(dataDir, git.provenance.bundle_sha256)}`);
    expect(r.out).toMatch(/^rebuild    writ \S+ rebuilds the revision to the same sha256$/m);
    expect(r.out).not.toContain('warning');
    expect(r.out).toContain('verdict    SAME');
    expect(r.out).toMatch(/defined\s+writ\/postgres\/allow = true/);
  });

  it('after a compiler upgrade (the revision now rebuilds to other bytes) the stored bundle still explains the decision', async () => {
    // Through the CLI: the decision was made by a bundle of this revision that another compiler built.
    const r = writ(['audit', 'explain', old.id, '--data-dir', dataDir, '--json']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const x = JSON.parse(r.out);
    expect(x).toMatchObject({ policy_source: 'stored-bundle', bundle_sha256: old.provenance.bundle_sha256, same_result: true });
    expect(x.rebuild).toMatchObject({ status: 'mismatch', bundle_sha256: git.provenance.bundle_sha256 });
    expect(x.warnings).toEqual([expect.stringMatching(/^rebuilt with compiler writ \S+ gives a different hash \([0-9a-f]{64}\); the stored bundle was used$/)]);

    // In-process, with an injected compiler that stamps its version into every bundle it builds.
    const upgraded = (tree: PolicyTree, revision: string, o: BuildOptions) => {
      const b = buildPolicy(tree, revision, o);
      if (!b.ok) return b;
      const bundle = restamped(b.bundle, 'writ 9.0.0');
      return { ...b, bundle, bundle_sha256: sha256Hex(bundle) };
    };
    const opts = { repo: join(dataDir, dataDirLayout.policyRepo), replayKey: loadReplayKey(join(dataDir, dataDirLayout.replayKey)), build: upgraded };
    const y = await explainDecision(git.rec, { ...opts, bundleDir: join(dataDir, dataDirLayout.bundles) });
    expect(y).toMatchObject({ policy_source: 'stored-bundle', same_result: true, rebuild: { status: 'mismatch' } });
    expect(y.warnings[0]).toContain('gives a different hash');
    // Without the kept bundle, the upgraded compiler alone cannot prove the decision.
    await expect(explainDecision(git.rec, opts)).rejects.toThrow(/bundle hash mismatch: revision [0-9a-f]{40} rebuilds to sha256 [0-9a-f]{64}, but the record says/);
  });

  it('refuses a stored bundle whose bytes were altered: fails when no rebuild matches, else replays the rebuild with a warning', () => {
    const dd = copy();
    for (const m of [old, git]) {
      const f = bundleFile(dd, m.provenance.bundle_sha256);
      const bytes = readFileSync(f);
      bytes[bytes.length - 5] ^= 0xff;
      writeFileSync(f, bytes);
    }
    const bad = writ(['audit', 'explain', old.id, '--data-dir', dd]);
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/bundle hash mismatch: revision [0-9a-f]{40} rebuilds to sha256 [0-9a-f]{64}, but the record says [0-9a-f]{64}/);
    expect(bad.err).toMatch(/stored bundle \S+ refused: its bytes hash to [0-9a-f]{64}, not the recorded [0-9a-f]{64} \(the file was altered or damaged\)/);

    const rebuilt = writ(['audit', 'explain', git.id, '--data-dir', dd]);
    expect(rebuilt.code, rebuilt.err).toBe(0);
    expect(rebuilt.out).toMatch(/^warning    stored bundle \S+ refused: its bytes hash to/m);
    expect(rebuilt.out).toMatch(/replayed from a rebuild of the revision with writ \S+/);
  });

  it('--bundle: the auditor\'s copy is used when it has the recorded hash, refused when it has not', () => {
    const dd = copy();
    const mine = join(tempDir('writ-auditor-'), 'kept.tar.gz');
    cpSync(bundleFile(dd, old.provenance.bundle_sha256), mine);
    rmSync(join(dd, dataDirLayout.bundles), { recursive: true });
    const none = writ(['audit', 'explain', old.id, '--data-dir', dd]);
    expect(none.code).toBe(1);
    expect(none.err).toMatch(/bundle hash mismatch: .*; no stored bundle \S+ with that hash/);

    const ok = writ(['audit', 'explain', old.id, '--data-dir', dd, '--bundle', mine]);
    expect(ok.code, ok.err).toBe(0);
    expect(ok.out).toContain(`replayed from --bundle ${mine}`);
    expect(ok.out).toContain('verdict    SAME');

    const wrong = writ(['audit', 'explain', git.id, '--data-dir', dd, '--bundle', mine]);
    expect(wrong.code).toBe(1);
    expect(wrong.err).toContain(`--bundle ${mine} has sha256 ${old.provenance.bundle_sha256}, but the record says ${git.provenance.bundle_sha256}: it is not the bundle that made this decision`);
  });

  it('explains a decision of a watched directory (no Git commit to rebuild) from its stored bundle', () => {
    const r = writ(['audit', 'explain', dir.id, '--data-dir', dataDir]);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/^rebuild    not possible: revision "dir:[0-9a-f]{64}" is not a Git commit/m);
    expect(r.out).not.toContain('warning');
    expect(r.out).toContain('from a watched directory');
    expect(r.out).toContain('verdict    SAME');
    expect(existsSync(bundleFile(dataDir, dir.provenance.bundle_sha256))).toBe(true);
  });
});
