// Session seals from remote enforcers (fastify plugin): an enforcer that records sessions in its own data directory
// (`writ enforce postgres`) sends the closed file's sha256 here, and it becomes a `session_seal` record in the
// decision log, as in-process enforcers append it directly. The id and time are the service's; durable before the answer.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { DecisionLog } from '../audit/log.ts';
import { uuidv7 } from '../audit/uuid7.ts';
import { WritError, errorCatalogue } from './errors.ts';

export interface SessionRoutesOptions {
  log: DecisionLog;
  now?: () => Date;
}

/** What POST /v1/sessions/seals takes (enforcers/common SessionRecorder's seal, as sent by httpSealLog). */
interface SealBody {
  session_id: string;
  file: string;
  sha256: string;
  events: number;
  bytes: number;
}

// The session file alphabet of enforcers/common/session-file.ts (src does not import enforcers).
const SESSION_ID = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}$/;

function problem(b: unknown): string | undefined {
  if (typeof b !== 'object' || b === null || Array.isArray(b)) return 'the body must be a JSON object';
  const o = b as Record<string, unknown>;
  for (const k of Object.keys(o)) if (!['session_id', 'file', 'sha256', 'events', 'bytes'].includes(k)) return `unknown field ${k}`;
  if (typeof o.session_id !== 'string' || !SESSION_ID.test(o.session_id)) return 'session_id must be a session id (letters, digits, ".", "_", "-"; at most 128)';
  if (o.file !== `sessions/${o.session_id}.jsonl`) return 'file must be sessions/<session_id>.jsonl';
  if (typeof o.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(o.sha256)) return 'sha256 must be 64 lowercase hex characters';
  for (const k of ['events', 'bytes']) if (typeof o[k] !== 'number' || !Number.isSafeInteger(o[k]) || (o[k] as number) < 0) return `${k} must be a non-negative integer`;
  return undefined;
}

export async function sessionRoutes(app: FastifyInstance, opts: SessionRoutesOptions): Promise<void> {
  const now = opts.now ?? (() => new Date());
  app.post('/v1/sessions/seals', { config: { roles: ['enforcer'] } }, async (req: FastifyRequest, reply) => {
    const why = problem(req.body);
    if (why) throw new WritError('WRIT_BAD_REQUEST', `session seal: ${why}`);
    const b = req.body as SealBody;
    const t = now();
    let rec;
    try {
      rec = await opts.log.append({
        kind: 'session_seal',
        decision_id: uuidv7(t.getTime()),
        time: t.toISOString(),
        caller: req.caller?.name ?? null,
        session_id: b.session_id,
        file: b.file,
        sha256: b.sha256,
        events: b.events,
        bytes: b.bytes,
      });
    } catch (e) {
      throw new WritError('WRIT_LOG_UNAVAILABLE', `${errorCatalogue.WRIT_LOG_UNAVAILABLE.message}: ${(e as Error).message}`);
    }
    return reply.code(201).send(rec);
  });
}
