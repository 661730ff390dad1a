// Setup for approvals tests: the real decision service (openService) with a policy that holds writes
// for approval by "db-owners", two enforcers, and helpers to decide, read the log and verify it.
import { join } from 'node:path';
import { expect } from 'vitest';
import { open, policyDir, tempDir } from '../service/helpers.ts';
import { tokenHash } from '../../src/service/auth.ts';
import type { Service } from '../../src/service/service.ts';
import { verifyLog } from '../../src/audit/verify.ts';
import { loadPublicKey } from '../../src/audit/keys.ts';
import { dataDirLayout } from '../../src/audit/record.ts';
import type { ChainedRecord } from '../../src/audit/chain.ts';
import { parseExact } from '../../src/audit/json.ts';

export const tok = { admin: 'apr-admin-tok', enforcer: 'apr-enf-tok', other: 'apr-enf2-tok' };
export const as = (who: keyof typeof tok) => ({ authorization: `Bearer ${tok[who]}` });

const policy = {
  'pg.rego': `package writ.postgres

default decision := {"allow": true, "reasons": ["reads are fine"]}

decision := {"allow": false, "reasons": ["production write"], "require_approval": {"approvers": ["db-owners", "dba"], "reason": "write to production", "ttl": ttl}} if input.action.sql.operation == "update"

ttl := input.context.ttl if input.context.ttl
else := "15m"
`,
};

export async function openApprovals(opts: { now?: () => Date; policiesDir?: string } = {}): Promise<{ svc: Service; dataDir: string }> {
  const dataDir = tempDir('writ-apr-');
  const svc = await open(
    {
      dataDir,
      policiesDir: opts.policiesDir ?? policyDir(policy),
      raw: {
        callers: [
          { name: 'admin-1', role: 'admin', token_sha256: tokenHash(tok.admin) },
          { name: 'pg-enforcer', role: 'enforcer', token_sha256: tokenHash(tok.enforcer) },
          { name: 'other-enforcer', role: 'enforcer', token_sha256: tokenHash(tok.other) },
        ],
      },
    },
    { now: opts.now },
  );
  return { svc, dataDir };
}

export function input(over: { principal?: string; operation?: string; ttl?: string; sql?: string } = {}) {
  return {
    version: 1,
    principal: { id: over.principal ?? 'ci:deploy', type: 'ci_job', groups: ['ci'], roles: [] },
    enforcer: { id: 'pg-1', kind: 'postgres' },
    resource: { name: 'orders-prod', kind: 'postgres', attributes: {} },
    action: { kind: 'statement', sql: { text: over.sql ?? 'update orders set paid = true where id = 7', operation: over.operation ?? 'update', effects: ['write'], relations: [] } },
    context: { approvals: [], ...(over.ttl ? { ttl: over.ttl } : {}) },
  };
}

/** Asks the service for a decision as the enforcer; returns the answer body. */
export async function decide(svc: Service, over: Parameters<typeof input>[0] = {}, who: keyof typeof tok = 'enforcer') {
  const r = await svc.app.inject({ method: 'POST', url: '/v1/decisions', headers: as(who), payload: { input: input(over) } });
  expect(r.statusCode).toBe(200);
  return r.json() as { decision_id: string; allow: boolean; require_approval?: { approvers: string[]; reason: string; ttl: string } };
}

/** The approval records of the log, in order. */
export function approvalRecords(svc: Service): ChainedRecord[] {
  const out: ChainedRecord[] = [];
  for (const row of svc.logStore.scan(1) as Iterable<{ seq: number; text: string }>) {
    const r = parseExact(row.text) as ChainedRecord;
    if (r.kind === 'approval') out.push(r);
  }
  return out;
}

export async function expectLogVerifies(svc: Service, dataDir: string): Promise<void> {
  const res = await verifyLog(svc.logStore, loadPublicKey(join(dataDir, dataDirLayout.logPublicKey)));
  expect(res, res.message).toMatchObject({ ok: true });
}
