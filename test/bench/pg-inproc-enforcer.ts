// pg.bench.ts's attribution peer: the same PostgresEnforcer with the shipped policy evaluated in its own process
// (enforcers/common inProcessTransport, no HTTP hop, no decision log), to show what the service round trip costs.
// Usage: node bin/run-ts.js test/bench/pg-inproc-enforcer.ts UPSTREAM_URL IDENTITY_YAML POLICY_DIR
import { createHash, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Registry } from 'prom-client';
import YAML from 'yaml';
import { compile, loadCompiled } from '../../opa/index.ts';
import { loadPolicyTree } from '../../src/files.ts';
import { TokenVerifier, validateIdentityConfig } from '../../src/identity/index.ts';
import { createDecisionClient, inProcessTransport } from '../../enforcers/common/index.ts';
import { PostgresEnforcer, parseUpstreamUrl } from '../../enforcers/postgres/index.ts';

const [upstreamUrl, identityFile, policyDir] = process.argv.slice(2);
if (!upstreamUrl || !identityFile || !policyDir) throw new Error('usage: pg-inproc-enforcer.ts UPSTREAM_URL IDENTITY_YAML POLICY_DIR');

const tree = loadPolicyTree([policyDir]);
const r = compile(tree.rego, { query: 'd := data.writ.postgres.decision' });
if (!r.ok) throw new Error(JSON.stringify(r.diagnostics));
const policy = await loadCompiled(r.wasm!);
policy.setData(tree.data);
const sha = createHash('sha256').update(r.wasm!).digest('hex');
const ep = r.entrypoints.indexOf('eval');
const evaluate = (input: unknown) => {
  const rows = policy.evaluate(input, ep) as Array<{ d: Record<string, unknown> }>;
  return { ...rows[0]!.d, decision_id: randomUUID(), provenance: { revision: 'working-tree', bundle_sha256: sha } };
};

const enforcer = new PostgresEnforcer({
  upstream: parseUpstreamUrl(upstreamUrl, undefined),
  decider: createDecisionClient({ transport: inProcessTransport(evaluate), registry: new Registry() }),
  verifier: new TokenVerifier(validateIdentityConfig((YAML.parse(readFileSync(identityFile, 'utf8')) as { identity: unknown }).identity)),
  resourceName: 'bench-db',
});
const addr = await enforcer.listen(0, '127.0.0.1');
process.stderr.write(`pg-inproc-enforcer: listening on 127.0.0.1:${addr.port}\n`);
await new Promise<void>((done) => {
  process.once('SIGINT', done);
  process.once('SIGTERM', done);
});
await enforcer.close();
