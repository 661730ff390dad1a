// A child process for the crash test: records statement events forever, printing the number of
// events on disk after each fsync'd batch, until it is killed.
// Usage: node bin/run-ts.js test/enforcers/common/recorder-child.ts <data-dir> <session-id>
import { SessionRecorder } from '../../../enforcers/common/session-recorder.ts';

const [dataDir, sessionId] = process.argv.slice(2);
const rec = await SessionRecorder.open({ dataDir, sessionId, meta: { enforcer: 'pg-test', client_addr: '127.0.0.1:5555' } });
rec.record('connect', { principal: 'ci:child', resource: 'orders' });
let i = 0;
for (;;) {
  for (let k = 0; k < 5; k++, i++) rec.record('statement', { sql: `select ${i} /* ${'x'.repeat(2000)} */`, decision_id: `d-${i}`, allow: true, rows: i % 7, duration_ms: 0.5 });
  await rec.flush();
  process.stdout.write(`${rec.events}\n`);
}
