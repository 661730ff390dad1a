// HTTP load generator for load.bench.ts, run as its own process so client work does not share the
// server's event loop. Closed loop (max throughput) with a concurrency, or open loop at a fixed rate.
// usage: node load-client.mjs <url> <token|-> <seconds> <concurrency> [rate/s] [answers.jsonl]
import http from 'node:http';
import { createWriteStream } from 'node:fs';

const [url, token, secs, conc, rate, out] = process.argv.slice(2);
const u = new URL(url);
const body = JSON.stringify({
  input: {
    version: 1,
    principal: { id: 'ci:1', type: 'ci_job', groups: ['db-readers'], roles: [] },
    enforcer: { id: 'pg-1', kind: 'postgres' },
    resource: { name: 'orders', kind: 'postgres', attributes: {} },
    action: { kind: 'statement', sql: { text: 'select 1', operation: 'select', effects: ['read'], relations: [] } },
    context: { approvals: [] },
  },
});
const agent = new http.Agent({ keepAlive: true, maxSockets: Number(conc) });
const answers = out ? createWriteStream(out) : undefined;
const lat = [];
let n = 0;
let failed = 0;
let stop = false;
let hung = 0;

function one() {
  return new Promise((done) => {
    const t = performance.now();
    const headers = { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) };
    if (token !== '-') headers.authorization = 'Bearer ' + token;
    const req = http.request({ agent, host: u.hostname, port: u.port, path: u.pathname, method: 'POST', headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (text += d));
      res.on('end', () => {
        lat.push(performance.now() - t);
        n++;
        if (res.statusCode !== 200) failed++;
        if (answers) {
          try {
            const b = JSON.parse(text);
            answers.write(JSON.stringify({ status: res.statusCode, id: b.decision_id, revision: b.provenance?.revision, reasons: b.reasons }) + '\n');
          } catch {
            answers.write(JSON.stringify({ status: res.statusCode, body: text.slice(0, 200) }) + '\n');
          }
        }
        done();
      });
    });
    req.on('error', () => {
      n++;
      failed++;
      done();
    });
    req.end(body);
  });
}

const t0 = performance.now();
setTimeout(() => (stop = true), Number(secs) * 1000);
process.on('SIGTERM', () => (stop = true)); // the bench stops an open-ended run this way
if (rate) {
  // Open loop: start requests on schedule, whatever the latency (up to `conc` in flight).
  const every = 1000 / Number(rate);
  let inflight = 0;
  let started = 0;
  let stopWait;
  await new Promise((finish) => {
    const tick = () => {
      if (stop) {
        stopWait ??= performance.now();
        // Requests still unanswered 10 s after the end are reported as failed (hung), not waited for.
        if (inflight === 0 || performance.now() - stopWait > 10_000) {
          failed += inflight;
          hung = inflight;
          return finish();
        }
        return setTimeout(tick, 5);
      }
      const due = Math.floor((performance.now() - t0) / every);
      while (started < due && inflight < Number(conc)) {
        started++;
        inflight++;
        one().then(() => inflight--);
      }
      setTimeout(tick, 1);
    };
    tick();
  });
} else {
  await Promise.all(Array.from({ length: Number(conc) }, async () => { while (!stop) await one(); }));
}
const seconds = (performance.now() - t0) / 1000;
lat.sort((a, b) => a - b);
const q = (p) => +(lat[Math.min(lat.length - 1, Math.floor(lat.length * p))] ?? 0).toFixed(2);
const stats = JSON.stringify({ requests: n, failed, hung, rps: Math.round(n / seconds), p50_ms: q(0.5), p99_ms: q(0.99) }) + '\n';
// Exit explicitly: the run-length timer (and keep-alive sockets) would hold the process open.
const exit = () => process.stdout.write(stats, () => process.exit(0));
if (answers) answers.end(exit);
else exit();
