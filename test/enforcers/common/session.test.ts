// Session recording: real files, a real SQLite decision log for the seal, tamper and truncation
// detection, a recorder killed with SIGKILL mid-write, and `writ replay` on each.
import { afterEach, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { SqliteLogStore } from '../../../src/audit/store.ts';
import { DecisionLog } from '../../../src/audit/log.ts';
import { loadOrCreateSigningKey } from '../../../src/audit/keys.ts';
import { verifyLog } from '../../../src/audit/verify.ts';
import { SessionRecorder } from '../../../enforcers/common/session-recorder.ts';
import { parseSession, sessionFile, sealFile, verifySession } from '../../../enforcers/common/session-file.ts';
import { Masker } from '../../../enforcers/common/masker.ts';

const root = resolve(import.meta.dirname, '../../..');
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

function dataDir() {
  const dir = mkdtempSync(join(tmpdir(), 'writ-sess-'));
  const key = loadOrCreateSigningKey(join(dir, 'log-key.pem'));
  const store = new SqliteLogStore(join(dir, 'log.db'));
  const log = new DecisionLog({ store, key, checkpointEvery: 1000 });
  cleanups.push(() => log.close());
  return { dir, key, store, log };
}

function writ(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done, fail) => {
    const p = spawn(process.execPath, [join(root, 'bin', 'writ.js'), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('error', fail);
    p.on('close', (code) => done({ code: code ?? -1, stdout, stderr }));
  });
}

async function recordSession(dir: string, log: DecisionLog, id = 'sess-1', masker?: Masker) {
  let clock = Date.parse('2026-11-29T01:00:00.000Z');
  const rec = await SessionRecorder.open({ dataDir: dir, sessionId: id, log, masker, now: () => new Date((clock += 250)), meta: { enforcer: 'pg-1', client_addr: '10.0.0.9:51234' } });
  rec.record('connect', { principal: 'ci:build-42', resource: 'orders', decision_id: 'd-connect', allow: true });
  rec.record('statement', { sql: 'select * from customers where email = \'alice@example.com\'', decision_id: 'd-1', allow: true, rows: 3, masked: { 'column:email': 3 }, duration_ms: 1.25 });
  await rec.flush();
  rec.record('statement', { sql: 'drop table customers', decision_id: 'd-2', allow: false, duration_ms: 0.4 });
  rec.record('error', { error: 'permission denied: DROP is not allowed' });
  const seal = await rec.close({ reason: 'client terminated' });
  return { seal, rec };
}

describe('session recorder', () => {
  it('writes JSON lines and seals the file digest into the audit chain', async () => {
    const { dir, log, store, key } = dataDir();
    const { seal } = await recordSession(dir, log);
    const file = sessionFile(dir, 'sess-1');
    const c = parseSession(readFileSync(file));
    expect(c.problems).toEqual([]);
    expect(c.closed).toBe(true);
    expect(c.events.map((e) => e.type)).toEqual(['session', 'connect', 'statement', 'statement', 'error', 'close']);
    expect(c.events.map((e) => e.seq)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(c.events[5]).toMatchObject({ events: 6, reason: 'client terminated' });
    expect(seal).toMatchObject({ session_id: 'sess-1', file: 'sessions/sess-1.jsonl', sha256: c.sha256, events: 6, bytes: statSync(file).size });
    const rec = store.get(seal.decision_id!)!;
    expect(rec).toMatchObject({ kind: 'session_seal', session_id: 'sess-1', sha256: c.sha256, events: 6, seq: seal.seq });
    expect(seal.decision_id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-/);
    expect((await verifyLog(store, key.publicKey)).ok).toBe(true);
    expect(await verifySession(dir, 'sess-1', store)).toMatchObject({ status: 'sealed' });
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('detects an edited file, a truncated file, and finds the seal without its sidecar', async () => {
    const { dir, log, store } = dataDir();
    await recordSession(dir, log);
    const file = sessionFile(dir, 'sess-1');
    const orig = readFileSync(file);
    writeFileSync(file, orig.toString().replace('"allow":false', '"allow":true '));
    const edited = await verifySession(dir, 'sess-1', store);
    expect(edited?.status).toBe('mismatch');
    expect(edited?.verdict).toMatch(/^SEAL DOES NOT MATCH: the session file was CHANGED after sealing/);
    const lines = orig.toString().split('\n');
    writeFileSync(file, lines.slice(0, 4).join('\n') + '\n');
    const cut = await verifySession(dir, 'sess-1', store);
    expect(cut?.status).toBe('mismatch');
    expect(cut?.verdict).toMatch(/TRUNCATED \(\d+ of \d+ bytes, 4 of 6 events\)/);
    writeFileSync(file, orig);
    rmSync(sealFile(dir, 'sess-1'));
    expect((await verifySession(dir, 'sess-1', store))?.status).toBe('sealed');
    writeFileSync(sealFile(dir, 'sess-1'), '{not json');
    expect((await verifySession(dir, 'sess-1', store))?.status).toBe('sealed');
  });

  it('reports a line cut mid-write and events missing in the middle', async () => {
    const { dir, log, store } = dataDir();
    await recordSession(dir, log);
    const file = sessionFile(dir, 'sess-1');
    const text = readFileSync(file, 'utf8');
    appendFileSync(file, '{"seq":6,"t":"2026-');
    const torn = await verifySession(dir, 'sess-1', store);
    expect(torn?.problems).toEqual([expect.stringMatching(/^line 7 is incomplete \(19 bytes without an end: the recorder stopped mid-write\)$/)]);
    expect(torn?.status).toBe('mismatch');
    const lines = text.split('\n');
    lines.splice(2, 1);
    expect(parseSession(Buffer.from(lines.join('\n'))).problems).toEqual(['line 3: event #3 where #2 was expected (events missing or reordered)']);
  });

  it('masks event fields with the given masker before writing', async () => {
    const { dir, log } = dataDir();
    await recordSession(dir, log, 'sess-m', new Masker([{ detector: '*', strategy: 'redact' }]));
    const text = readFileSync(sessionFile(dir, 'sess-m'), 'utf8');
    expect(text).not.toContain('alice@example.com');
    expect(text).toContain("email = '[REDACTED]'");
  });

  it('writes seq, t and type first; fields cannot replace seq or t, may replace type, and "__proto__" stays data', async () => {
    const { dir } = dataDir();
    let clock = Date.parse('2026-11-29T01:00:00.000Z');
    const rec = await SessionRecorder.open({ dataDir: dir, sessionId: 'sess-order', now: () => new Date((clock += 1000)), meta: { enforcer: 'pg-1', seq: 99 } });
    rec.record('statement', { b: 1, seq: 42, t: 'then', a: [1], type: 'other', '10': 'x' });
    rec.record('rows', JSON.parse('{"__proto__": {"polluted": true}, "rows": 1}'));
    for (const masker of [undefined, new Masker([{ detector: '*', strategy: 'redact' }])]) {
      (rec as unknown as { opts: { masker?: Masker } }).opts.masker = masker;
      rec.record('error', { 'alice@example.com': 'x', seq: 1 });
    }
    await rec.close({ reason: 'done', t: 'late' });
    const lines = readFileSync(sessionFile(dir, 'sess-order'), 'utf8').trimEnd().split('\n');
    expect(lines).toEqual([
      '{"seq":0,"t":"2026-11-29T01:00:02.000Z","type":"session","v":1,"session_id":"sess-order","enforcer":"pg-1"}',
      // Integer-like keys come first in any JavaScript object, as JSON.stringify writes them.
      '{"10":"x","seq":1,"t":"2026-11-29T01:00:03.000Z","type":"other","b":1,"a":[1]}',
      '{"seq":2,"t":"2026-11-29T01:00:04.000Z","type":"rows","__proto__":{"polluted":true},"rows":1}',
      '{"seq":3,"t":"2026-11-29T01:00:05.000Z","type":"error","alice@example.com":"x"}',
      '{"seq":4,"t":"2026-11-29T01:00:06.000Z","type":"error","[REDACTED]":"x"}',
      expect.stringMatching(/^\{"seq":5,"t":"2026-11-29T01:00:0\d\.000Z","type":"close","events":6,"duration_ms":\d+,"reason":"done"\}$/),
    ]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('refuses unsafe session ids and a second recording of one id', async () => {
    const { dir, log } = dataDir();
    for (const id of ['../x', '.hidden', 'a/b', '', 'x'.repeat(129)]) await expect(SessionRecorder.open({ dataDir: dir, sessionId: id })).rejects.toThrow(/invalid session id/);
    await recordSession(dir, log, 'once');
    await expect(SessionRecorder.open({ dataDir: dir, sessionId: 'once' })).rejects.toThrow(/EEXIST/);
  });

  it('fails loudly after a write error instead of dropping events', async () => {
    const { dir } = dataDir();
    const rec = await SessionRecorder.open({ dataDir: dir, sessionId: 'broken' });
    // Closing the file under the recorder makes the next write fail as a full or lost disk would.
    await (rec as unknown as { fh: { close(): Promise<void> } }).fh.close();
    rec.record('statement', { sql: 'select 1' });
    await expect(rec.flush()).rejects.toThrow(/session recording failed/);
    expect(() => rec.record('statement', { sql: 'select 2' })).toThrow(/session recording failed/);
  });
});

describe('writ replay', () => {
  it('prints a sealed session, one line per event, and as JSON', async () => {
    const { dir, log } = dataDir();
    const { seal } = await recordSession(dir, log);
    await log.close();
    const r = await writ(['replay', 'sess-1', '--data-dir', dir]);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe(`session sess-1  (${sessionFile(dir, 'sess-1')})`);
    expect(lines[1]).toBe(`seal: sealed: sha256 ${seal.sha256} matches the audit record ${seal.decision_id} (seq ${seal.seq}, 6 events)`);
    const evLines = lines.slice(3);
    expect(evLines).toHaveLength(6);
    expect(evLines[2]).toMatch(/^ {3}#2 {2}01:00:01\.000 {5}\+0\.500s {2}statement {3}decision=d-1 {2}allow {2}rows=3 {2}masked=\{"column:email":3\} {2}1\.3ms {2}select \* from customers where email = 'alice@example\.com'$/);
    expect(evLines[3]).toContain('decision=d-2  DENY');
    expect(evLines[4]).toContain('error: permission denied: DROP is not allowed');
    const j = await writ(['replay', 'sess-1', '--data-dir', dir, '--json']);
    expect(j.code).toBe(0);
    const doc = JSON.parse(j.stdout);
    expect(doc).toMatchObject({ session_id: 'sess-1', status: 'sealed', seal: { decision_id: seal.decision_id, sha256: seal.sha256 }, problems: [] });
    expect(doc.events).toHaveLength(6);
  });

  it('says clearly when the file does not match its seal, and for unknown sessions', async () => {
    const { dir, log } = dataDir();
    await recordSession(dir, log);
    await log.close();
    const file = sessionFile(dir, 'sess-1');
    writeFileSync(file, readFileSync(file, 'utf8').replace('drop table customers', 'select 1 from dual  '));
    const r = await writ(['replay', 'sess-1', '--data-dir', dir]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^seal: SEAL DOES NOT MATCH: the session file was CHANGED after sealing/m);
    expect(r.stdout).toMatch(/^WARNING: SEAL DOES NOT MATCH/m);
    expect(r.stderr).toMatch(/^writ replay: SEAL DOES NOT MATCH/);
    const none = await writ(['replay', 'nope', '--data-dir', dir]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('no session nope in');
    expect((await writ(['replay', '--data-dir', dir])).code).toBe(2);
  });

  it('reports a session whose recorder was killed with SIGKILL mid-session as incomplete', async () => {
    const { dir, log } = dataDir();
    await log.close();
    const child = spawn(process.execPath, [join(root, 'bin', 'run-ts.js'), join(root, 'test/enforcers/common/recorder-child.ts'), dir, 'crashy'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let durable = 0;
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    await new Promise<void>((done, fail) => {
      child.stdout.on('data', (d: Buffer) => {
        const n = d.toString().trim().split('\n').map(Number);
        durable = Math.max(durable, ...n);
        if (durable >= 200) done();
      });
      child.on('exit', (code) => fail(new Error(`child exited early (${code}): ${err}`)));
    });
    child.kill('SIGKILL');
    await new Promise((r) => child.once('close', r));
    expect(existsSync(sealFile(dir, 'crashy'))).toBe(false);
    const c = parseSession(readFileSync(sessionFile(dir, 'crashy')));
    // Every batch the child reported as fsync'd is in the file.
    expect(c.events.length).toBeGreaterThanOrEqual(durable);
    expect(c.closed).toBe(false);
    const r = await writ(['replay', 'crashy', '--data-dir', dir]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^seal: NOT SEALED: session INCOMPLETE: the recorder stopped before the session closed \(crash, kill, or still running\); last event #\d+ \(statement\)/m);
    expect(r.stdout.split('\n').filter((l) => /^\s+#\d+ /.test(l)).length).toBe(c.events.length);
    // A torn last line, as a crash inside one write can leave, is named too.
    appendFileSync(sessionFile(dir, 'crashy'), '{"seq":99999,"t":"20');
    const torn = await writ(['replay', 'crashy', '--data-dir', dir, '--json']);
    expect(torn.code).toBe(1);
    const doc = JSON.parse(torn.stdout);
    expect(doc.status).toBe('unsealed');
    expect(doc.problems.at(-1)).toMatch(/is incomplete \(\d+ bytes without an end: the recorder stopped mid-write\)/);
  });
});
