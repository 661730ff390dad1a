// Sealing recordings through the decision service's HTTP API: for enforcers in their own process (`writ enforce
// postgres`), whose session files live in their data directory while the decision log lives in the service.
import type { ChainedRecord, LogEntry } from '../../src/audit/chain.ts';
import { serviceUrl } from './decision-client.ts';
import type { SealLog } from './session-recorder.ts';

export interface HttpSealLogOptions {
  /** Base URL of the decision service. */
  url: string;
  /** The enforcer's bearer token (role enforcer). */
  token: string;
  /** Longest wait for the service to make the seal durable (default 5000 ms). */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

/**
 * A SealLog over POST /v1/sessions/seals: the service appends the `session_seal` record with its own decision id
 * and time and answers the stored record, which the recorder's sidecar then names.
 */
export function httpSealLog(opts: HttpSealLogOptions): SealLog {
  const endpoint = serviceUrl(opts.url, 'v1/sessions/seals');
  const f = opts.fetch ?? fetch;
  return {
    async append(entry: LogEntry): Promise<ChainedRecord> {
      const { session_id, file, sha256, events, bytes } = entry;
      let res: Response;
      try {
        res = await f(endpoint, {
          method: 'POST',
          headers: { authorization: `Bearer ${opts.token}`, 'content-type': 'application/json', accept: 'application/json' },
          body: JSON.stringify({ session_id, file, sha256, events, bytes }),
          signal: AbortSignal.timeout(opts.timeoutMs ?? 5000),
        });
      } catch (e) {
        const cause = (e as { cause?: { code?: string } }).cause?.code;
        throw new Error(`the decision service did not take the seal (${cause ?? (e as Error).message})`);
      }
      const text = await res.text();
      let body: Record<string, unknown> = {};
      try {
        body = JSON.parse(text) as Record<string, unknown>;
      } catch {
        // reported below
      }
      if (res.status !== 201) throw new Error(`the decision service refused the seal (HTTP ${res.status}${body.code ? ` ${body.code}: ${body.message}` : ''})`);
      if (typeof body.seq !== 'number' || typeof body.decision_id !== 'string') throw new Error('the decision service answered the seal without its record');
      return body as unknown as ChainedRecord;
    },
  };
}
