// Service load figures (a script, not a timed test): node bin/run-ts.js test/service/load.bench.ts
// 1. decisions/s over HTTP with durable logging vs a fastify hello-world route, same machine, same client
//    (env LOAD_SECONDS per run, ROUNDS, CONCURRENCY list; PUSHES=0 skips part 3);
// 2. p99 latency at half of the measured peak;
// 3. 20 real `git push`es while decisions flow at a fixed rate: failures, and every answer checked
//    against its log record (the revision that evaluated it).
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Fastify from 'fastify';
import { open, tokens, run, gitIn, tempDir, copyOfRepoPolicies } from './helpers.ts';
import { procCpuUs } from '../bench/stats.ts';

const client = join(import.meta.dirname, 'load-client.mjs');
const seconds = Number(process.env.LOAD_SECONDS ?? 5);
const pushRate = Number(process.env.PUSH_RATE ?? 1000);

function load(url: string, token: string, secs: number, conc: number, rate?: number, out?: string) {
  const args = [client, url, token, String(secs), String(conc), ...(rate ? [String(rate)] : out ? ['0'] : []), ...(out ? [out] : [])];
  const p = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  let text = '';
  p.stdout.on('data', (d) => (text += d));
  const result = new Promise<{ requests: number; failed: number; rps: number; p50_ms: number; p99_ms: number }>((done, fail) =>
    p.on('close', (code) => (code === 0 ? done(JSON.parse(text)) : fail(new Error(`load client exited ${code}`)))),
  );
  return Object.assign(result, { stop: () => p.kill('SIGTERM') });
}

/**
 * A load run plus what it cost this process (where the server runs): event-loop busy time per request
 * (the main thread, what bounds throughput on a quiet machine) and CPU time per request (every thread,
 * the log writer included). Unlike requests/s these do not move much when other work shares the machine.
 */
async function measured(url: string, token: string, secs: number, conc: number, rate?: number) {
  const main0 = procCpuUs(`/proc/self/task/${process.pid}/stat`);
  const cpu0 = process.cpuUsage();
  const r = await load(url, token, secs, conc, rate);
  const main = procCpuUs(`/proc/self/task/${process.pid}/stat`) - main0;
  const cpu = process.cpuUsage(cpu0);
  const n = Math.max(1, r.requests);
  return { ...r, main_thread_cpu_us_per_req: +(main / n).toFixed(1), cpu_us_per_req: +((cpu.user + cpu.system) / n).toFixed(1) };
}


const rounds = Number(process.env.ROUNDS ?? 3);
// Peak throughput is the best over client concurrencies: each server is compared at its own best.
const concurrencies = (process.env.CONCURRENCY ?? '16,32,64,128').split(',').map(Number);
const hello = Fastify();
hello.post('/hello', async () => ({ hello: 'world' }));
const helloUrl = (await hello.listen({ host: '127.0.0.1', port: 0 })) + '/hello';
const svc = await open({ policiesDir: copyOfRepoPolicies() });
const base = await svc.app.listen({ host: '127.0.0.1', port: 0 });
const decideUrl = `${base}/v1/decisions`;
// Both servers live in this process and run in turns (hello, decisions, hello, ...), so a slow spell of
// the machine hits both. A round measures each at every concurrency and takes each one's peak; the
// ratio of the two peaks is the round's figure, and the median round is reported.
type Run = Awaited<ReturnType<typeof measured>> & { concurrency: number };
const best = (runs: Run[]) => runs.reduce((a, b) => (b.rps > a.rps ? b : a));
const pairs: Array<{ hello: Run; decisions: Run; ratio: number }> = [];
await measured(decideUrl, tokens.enforcer, 1, 32); // warm-up: JIT, first log pages
for (let i = 0; i < rounds; i++) {
  const hs: Run[] = [];
  const ds: Run[] = [];
  for (const c of concurrencies) {
    hs.push({ ...(await measured(helloUrl, '-', seconds, c)), concurrency: c });
    ds.push({ ...(await measured(decideUrl, tokens.enforcer, seconds, c)), concurrency: c });
  }
  const h = best(hs);
  const d = best(ds);
  pairs.push({ hello: h, decisions: d, ratio: +(d.rps / h.rps).toFixed(3) });
  process.stderr.write(`round ${i + 1}: hello-world ${hs.map((r) => `${r.rps}/s@${r.concurrency}`).join(' ')}; decisions ${ds.map((r) => `${r.rps}/s@${r.concurrency}`).join(' ')}; peak ratio ${pairs.at(-1)!.ratio}\n`);
}
await hello.close();
const mid = [...pairs].sort((a, b) => a.ratio - b.ratio)[pairs.length >> 1];
const peak = mid.decisions;
const half = await load(decideUrl, tokens.enforcer, seconds, 2 * peak.concurrency, Math.round(peak.rps / 2));
console.log(
  JSON.stringify({
    rounds: pairs.map((p) => p.ratio),
    hello_world: mid.hello,
    decisions_peak: peak,
    ratio: mid.ratio,
    // hello-world's main-thread CPU per request over a decision's: the throughput ratio a quiet machine shows
    // when the event loop is the bottleneck; it moves little when other work shares the machine.
    main_thread_cost_ratio: +(mid.hello.main_thread_cpu_us_per_req / peak.main_thread_cpu_us_per_req).toFixed(3),
    decisions_at_half_peak: half,
  }),
);
if (Number(process.env.PUSHES ?? 20) === 0) {
  await svc.close();
  process.exit(0);
}

// 20 pushes under load.
const clone = join(tempDir('writ-load-'), 'c');
const remote = `${base.replace('http://', `http://pusher:${tokens.pusher}@`)}/git/policies.git`;
if ((await run('git', ['clone', '-q', remote, clone])).code !== 0) throw new Error('clone failed');
const answersFile = join(tempDir('writ-load-'), 'answers.jsonl');
const pushes = Number(process.env.PUSHES ?? 20);
const t0 = performance.now();
const loadDone = load(decideUrl, tokens.enforcer, 3600, 256, pushRate, answersFile);
const pushTimes: number[] = [];
let refused = 0;
for (let i = 1; i <= pushes; i++) {
  writeFileSync(join(clone, 'load_marker.rego'), `package writ.load_marker\n\npush := ${i}\n`);
  await gitIn(clone, 'add', '.');
  await gitIn(clone, 'commit', '-qm', `push ${i}`);
  const tp = performance.now();
  const r = await gitIn(clone, 'push', '-q', 'origin', 'main');
  pushTimes.push(performance.now() - tp);
  if (r.code !== 0) refused++;
  process.stderr.write(`push ${i}: ${r.code === 0 ? 'accepted' : 'refused'} in ${Math.round(pushTimes.at(-1)!)} ms\n`);
}
const pushSeconds = (performance.now() - t0) / 1000;
process.stderr.write('stopping the load client\n');
loadDone.stop();
const during = await loadDone;
// Every answer the client received: 200, and its log record names the revision the answer names.
const answers = readFileSync(answersFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
let mismatched = 0;
let missing = 0;
const revisions = new Set<string>();
for (const a of answers) {
  if (a.status !== 200) continue;
  const rec = svc.logStore.get(a.id);
  if (!rec) missing++;
  else if ((rec.policy as { revision: string }).revision !== a.revision) mismatched++;
  revisions.add(a.revision);
}
const pushP50 = Math.round(pushTimes.sort((a, b) => a - b)[pushes >> 1]);
console.log(JSON.stringify({ pushes, refused, push_seconds: +pushSeconds.toFixed(1), push_ms_p50: pushP50, decisions_during_pushes: during, answers_checked: answers.length, not_in_log: missing, revision_mismatch: mismatched, revisions_seen: revisions.size }));
await svc.close();
