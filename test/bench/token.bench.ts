// Benchmark: token verification with a warm JWKS cache, beside two peers run in the same process:
// jose's raw compactVerify of the same token (the signature floor) and one SDK evaluation of the PostgreSQL decision.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { compactVerify } from 'jose';
import { compile, loadCompiled } from '../../opa/index.ts';
import { loadPolicyTree } from '../../src/files.ts';
import { validateIdentityConfig, verifyToken } from '../../src/identity/index.ts';
import { TestIssuer } from '../identity/issuer.ts';
import * as cs from '../identity/claimsets.ts';
import { fmt, percentile, sample } from './stats.ts';

async function sampleAsync(fn: () => Promise<unknown>, n: number, warm = Math.min(500, n)): Promise<number[]> {
  for (let i = 0; i < warm; i++) await fn();
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const t0 = process.hrtime.bigint();
    await fn();
    out[i] = Number(process.hrtime.bigint() - t0) / 1000;
  }
  return out.sort((a, b) => a - b);
}

const repo = fileURLToPath(new URL('../..', import.meta.url));
const iss = await TestIssuer.start();
const rsa = await iss.addKey('rsa', 'RS256');
const ec = await iss.addKey('ec', 'ES256');
const config = validateIdentityConfig({
  issuers: [
    { name: 'entra', preset: 'entra_id', tenants: [cs.tenant], audiences: [cs.apiClientId], jwks_url: iss.jwksUrl },
    { name: 'corp', preset: 'oidc', issuer: iss.base, audiences: ['writ'] },
  ],
});
const now = Math.floor(Date.now() / 1000);
const entraToken = await iss.sign(cs.entraV2ManagedIdentity(now), 'rsa');
const ecToken = await iss.sign({ iss: iss.base, sub: 'u', aud: 'writ', exp: now + 3600, iat: now }, 'ec');
const verified = await verifyToken(entraToken, config); // warms the JWKS cache
await verifyToken(ecToken, config);
const fetchesBefore = iss.hitCount('/keys');

// Interleaved rounds, so a noisy neighbour or a GC pause lands on every series alike.
const rounds = 10;
const n = 1000;
const series = {
  verifyRsa: () => verifyToken(entraToken, config),
  joseRsa: () => compactVerify(entraToken, rsa.publicKey, { algorithms: ['RS256'] }),
  verifyEc: () => verifyToken(ecToken, config),
  joseEc: () => compactVerify(ecToken, ec.publicKey, { algorithms: ['ES256'] }),
};
const times: Record<keyof typeof series, number[]> = { verifyRsa: [], joseRsa: [], verifyEc: [], joseEc: [] };
for (let r = 0; r < rounds; r++) {
  for (const k of Object.keys(series) as Array<keyof typeof series>) times[k].push(...(await sampleAsync(series[k], n, r === 0 ? 500 : 50)));
}
const [verifyRsa, joseRsa, verifyEc, joseEc] = [times.verifyRsa, times.joseRsa, times.verifyEc, times.joseEc].map((t) => t.sort((a, b) => a - b));
if (iss.hitCount('/keys') !== fetchesBefore) throw new Error('the JWKS cache was not warm during the run');
await iss.stop();

// The decision the token feeds: the PostgreSQL policy with the verified principal in the input.
const tree = loadPolicyTree([`${repo}/policies`]);
const r = compile(tree.rego, { entrypoints: ['writ/postgres/decision'] });
if (!r.ok || !r.wasm) throw new Error(JSON.stringify(r.diagnostics));
const policy = await loadCompiled(r.wasm);
policy.setData(tree.data);
const input = { ...JSON.parse(readFileSync(`${repo}/fixtures/inputs/postgres-select.json`, 'utf8')), principal: verified.principal };
const evalT = sample(() => void policy.evaluate(input, 'writ/postgres/decision'), 20_000);

const row = (name: string, t: number[]) => `  ${name.padEnd(40)} p50 ${fmt(percentile(t, 50)).padStart(9)}  p90 ${fmt(percentile(t, 90)).padStart(9)}  p99 ${fmt(percentile(t, 99)).padStart(9)}`;
const ratio = (a: number[], b: number[]) => (percentile(a, 50) / percentile(b, 50)).toFixed(2);
console.log(`Token verification, warm JWKS cache, ${rounds * n} verifications each, interleaved (token ${entraToken.length} bytes, Entra v2.0 managed identity)`);
console.log(row('verifyToken RS256 (Entra v2.0)', verifyRsa));
console.log(row('jose compactVerify RS256 (floor)', joseRsa));
console.log(row('verifyToken ES256 (generic OIDC)', verifyEc));
console.log(row('jose compactVerify ES256 (floor)', joseEc));
console.log(row('SDK evaluate writ/postgres/decision', evalT));
console.log(`  ratio verifyToken/compactVerify: RS256 ${ratio(verifyRsa, joseRsa)}x, ES256 ${ratio(verifyEc, joseEc)}x`);
console.log(`  ratio verifyToken RS256 / one decision evaluation: ${ratio(verifyRsa, evalT)}x`);
