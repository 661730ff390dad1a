// Benchmark: one PostgreSQL decision through the official SDK (target p50 under 20 µs), printed beside
// the SDK's own JSON round trip of the same input and result, which is the floor any evaluation pays.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { compile, loadCompiled } from '../../opa/index.ts';
import { loadPolicyTree } from '../../src/files.ts';
import { fmt, percentile, sample } from './stats.ts';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const tree = loadPolicyTree([`${repo}/policies`]);
const r = compile(tree.rego, { entrypoints: ['writ/postgres/decision'] });
if (!r.ok || !r.wasm) {
  console.error(r.diagnostics);
  process.exit(1);
}
const policy = await loadCompiled(r.wasm);
policy.setData(tree.data);
const input = JSON.parse(readFileSync(`${repo}/fixtures/inputs/postgres-select.json`, 'utf8'));
const result = policy.evaluate(input, 'writ/postgres/decision');
const resultText = JSON.stringify(result);
const enc = new TextEncoder();
const n = 20_000;
const evalT = sample(() => void policy.evaluate(input, 'writ/postgres/decision'), n);
// What the SDK does around every evaluation: stringify + encode the input, parse the result text.
const floor = sample(() => {
  enc.encode(JSON.stringify(input));
  JSON.parse(resultText);
}, n);
const e50 = percentile(evalT, 50);
const f50 = percentile(floor, 50);
console.log(`PostgreSQL decision (writ/postgres/decision), ${n} evaluations, input ${JSON.stringify(input).length} bytes`);
console.log(`  evaluate via SDK     p50 ${fmt(e50)}  p90 ${fmt(percentile(evalT, 90))}  p99 ${fmt(percentile(evalT, 99))}  (target p50 < 20 µs: ${e50 < 20 ? 'met' : 'NOT met'})`);
console.log(`  SDK JSON round trip  p50 ${fmt(f50)}  p90 ${fmt(percentile(floor, 90))}  (the floor)`);
console.log(`  ratio evaluate/floor: ${(e50 / f50).toFixed(2)}x`);
