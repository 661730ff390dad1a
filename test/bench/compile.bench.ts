// Benchmark: compiling policies/ in-process after warm-up (target: under 100 ms), beside V8's own
// compile of the module we produce (the peer: what loading the output costs anyway).
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { compile } from '../../opa/index.ts';
import { loadPolicyTree } from '../../src/files.ts';
import { fmt, percentile, sample } from './stats.ts';

// The peer compiles eagerly (V8 otherwise defers function bodies to their first call).
setFlagsFromString('--no-wasm-lazy-compilation');

const repo = fileURLToPath(new URL('../..', import.meta.url));
const tree = loadPolicyTree([`${repo}/policies`]);
const eps = ['writ/postgres/decision'];
const first = compile(tree.rego, { entrypoints: eps });
if (!first.ok || !first.wasm) {
  console.error(first.diagnostics);
  process.exit(1);
}
const wasm = first.wasm;
const comp = sample(() => void compile(tree.rego, { entrypoints: eps }), 50, 10);
// V8 caches compiled modules by their bytes: a custom section with a counter makes each copy new.
let n = 0;
const fresh = () => {
  // custom section: id 0, size 6, name "n", then a 4-byte counter
  const section = Buffer.from([0, 6, 1, 0x6e, 0, 0, 0, 0]);
  section.writeUInt32LE(n++, 4);
  return Buffer.concat([wasm, section]);
};
const v8 = sample(() => void new WebAssembly.Module(fresh()), 50, 10);
const p50 = percentile(comp, 50);
const v8p50 = percentile(v8, 50);
console.log(`compile policies/ (${tree.rego.length} files, ${tree.rego.reduce((n, f) => n + f.text.length, 0)} bytes of Rego) -> ${wasm.length} bytes of wasm`);
console.log(`  writ compile     p50 ${fmt(p50)}  p90 ${fmt(percentile(comp, 90))}  (target < 100 ms: ${p50 < 100_000 ? 'met' : 'NOT met'})`);
console.log(`  V8 wasm compile (eager, TurboFan/Liftoff)  p50 ${fmt(v8p50)}  p90 ${fmt(percentile(v8, 90))}`);
console.log(`  ratio writ/V8: ${(p50 / v8p50).toFixed(2)}x`);
const stages = new Map<string, number>();
for (let i = 0; i < 20; i++) for (const s of compile(tree.rego, { entrypoints: eps }).stages) stages.set(s.name, (stages.get(s.name) ?? 0) + s.ms / 20);
console.log('  stages (mean ms): ' + [...stages].filter(([n]) => !n.includes('/')).map(([n, ms]) => `${n} ${ms.toFixed(2)}`).join(', '));
