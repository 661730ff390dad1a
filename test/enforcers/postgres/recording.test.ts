// Session recording through the PostgreSQL enforcer: connect, every statement with its decision, rows and masked
// counts, refusals, close; sealed into a real audit chain (SQLite log store) and verified; no unmasked value in it.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqliteLogStore } from '../../../src/audit/store.ts';
import { DecisionLog } from '../../../src/audit/log.ts';
import { loadOrCreateSigningKey } from '../../../src/audit/keys.ts';
import { Masker, sessionFile, verifySession } from '../../../enforcers/common/index.ts';
import { createSchema, dropSchema, psql, startHarness, type Harness } from './harness.ts';

let dir: string;
let store: SqliteLogStore;
let log: DecisionLog;
let h: Harness;
let schema: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'writ-pgrec-'));
  store = new SqliteLogStore(join(dir, 'log.db'));
  log = new DecisionLog({ store, key: loadOrCreateSigningKey(join(dir, 'log-key.pem')), checkpointEvery: 1000 });
  // The harness's CI job tokens own this schema (the policy's ci_schemas_by_repository).
  schema = await createSchema();
  h = await startHarness({ ciSchema: schema, config: { recording: { dataDir: dir, log, masker: new Masker([{ detector: '*', strategy: 'redact' }]) } } });
});
afterAll(async () => {
  await h?.stop();
  await log?.close();
  if (schema) await dropSchema(schema);
  rmSync(dir, { recursive: true, force: true });
});

async function sessionEnded(n: number): Promise<void> {
  for (let i = 0; i < 200 && h.enforcer.finished.length < n; i++) await new Promise((r) => setTimeout(r, 25));
}

describe('session recording', () => {
  it('records and seals a session; statement texts and rows never carry unmasked values', async () => {
    const t = await h.token([], { sub: 'rec-job' });
    const r = await psql(h.port, t, `select email from ${schema}.people order by id; select 'carol@example.net' as contact`);
    expect(r.code).toBe(0);
    const d = await psql(h.port, t, `drop table ${schema}.people`);
    expect(d.code).toBe(1);
    await sessionEnded(2);
    const [first, second] = h.enforcer.finished.slice(-2);
    const v = await verifySession(dir, first!.id, store);
    expect(v?.status).toBe('sealed');
    const types = v!.events.map((e) => e.type);
    expect(types).toEqual(['session', 'connect', 'statement', 'statement', 'rows', 'rows', 'close']);
    expect(v!.events[0]).toMatchObject({ principal: 'ci:rec-job', enforcer: 'postgres', resource: 'test-db' });
    const st = v!.events.filter((e) => e.type === 'statement');
    expect(st.every((e) => typeof e.decision_id === 'string' && e.allow === true)).toBe(true);
    expect(v!.events.filter((e) => e.type === 'rows').map((e) => [e.rows, e.masked])).toEqual([
      [2, 2],
      [1, 1],
    ]);
    const raw = readFileSync(sessionFile(dir, first!.id), 'utf8');
    expect(raw).not.toContain('alice@example.com');
    expect(raw).not.toContain('carol@example.net'); // the statement text itself is masked by the recorder's detectors
    const v2 = await verifySession(dir, second!.id, store);
    expect(v2?.status).toBe('sealed');
    const refused = v2!.events.find((e) => e.type === 'statement')!;
    expect(refused).toMatchObject({ operation: 'drop', allow: false, reasons: ['destructive_ddl: DROP is forbidden through writ'] });
    expect(v2!.events.some((e) => e.type === 'error' && e.denied === true)).toBe(true);
  });

  it('a recording that cannot be opened refuses the session (fail closed)', async () => {
    // A path under a regular file cannot be created, whoever runs the test (root ignores directory modes).
    const blocked = await startHarness({ config: { recording: { dataDir: join(dir, 'log.db', 'sub'), log } } });
    try {
      const r = await psql(blocked.port, await blocked.token(['db-readers']), 'select 1');
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/FATAL:\s+writ: the session recording cannot be opened .*; denied/);
    } finally {
      await blocked.stop();
    }
  });
});
