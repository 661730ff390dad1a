// End to end with the real service: decisions made through the decision API (the service's own
// build, seal and log code) verify, show, export and explain with `writ audit` child processes.
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { auth, open, pgInput, tempDir } from '../service/helpers.ts';
import { dataDirLayout } from '../../src/audit/record.ts';
import { writ } from './helpers.ts';

describe('writ audit against a service data directory', () => {
  it('explains and verifies decisions the service logged', async () => {
    const dataDir = tempDir('writ-e2e-');
    const svc = await open({ dataDir });
    let ids: string[];
    try {
      const answers = await Promise.all(
        [pgInput(), pgInput({ principal: { id: 'u:2', type: 'human', groups: [], roles: [] } })].map((input) =>
          svc.app.inject({ method: 'POST', url: '/v1/decisions', headers: auth('enforcer'), payload: { input } }),
        ),
      );
      const data = await svc.app.inject({ method: 'POST', url: '/v1/data/writ/postgres/decision', headers: auth('enforcer'), payload: { input: pgInput() } });
      ids = [...answers, data].map((a) => {
        expect(a.statusCode, a.body).toBe(200);
        return a.json().decision_id as string;
      });
    } finally {
      await svc.close();
    }
    const v = writ(['audit', 'verify', '--data-dir', dataDir]);
    expect(v.out, v.err).toMatch(/^ok: 3 records/);
    for (const id of ids) {
      const x = writ(['audit', 'explain', id, '--data-dir', dataDir, '--json']);
      expect(x.code, x.err + x.out).toBe(0);
      const e = JSON.parse(x.out);
      expect(e.same_result).toBe(true);
      expect(e.rules.length).toBeGreaterThan(0);
    }
    const pub = writ(['audit', 'public-key', '--data-dir', dataDir]);
    expect(pub.out).toContain('BEGIN PUBLIC KEY');
    const verified = writ(['audit', 'verify', '--data-dir', dataDir, '--public-key', join(dataDir, dataDirLayout.logPublicKey)]);
    expect(verified.code, verified.err).toBe(0);
    const exp = writ(['audit', 'export', '--data-dir', dataDir]);
    expect(exp.out.trim().split('\n').map((l) => JSON.parse(l).decision_id).sort(), exp.err).toEqual(ids.slice().sort());
  });
});
