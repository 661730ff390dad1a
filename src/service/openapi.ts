// The OpenAPI 3.1 document of the decision service, written by hand to match the routes.
import { MAX_DECISION_BATCH } from './batch.ts';

const provenance = {
  type: 'object',
  required: ['revision', 'bundle_sha256'],
  properties: { revision: { type: 'string', description: 'Git commit, "dir:<sha256>" (watch mode) or the bundle manifest revision' }, bundle_sha256: { type: 'string' } },
};
const error = {
  type: 'object',
  required: ['code', 'message'],
  properties: { code: { type: 'string', description: 'stable WRIT_* code; match on it, not on message' }, message: { type: 'string' }, decision_id: { type: 'string' } },
};
/** A required JSON request body of this schema. */
const jsonBody = (schema: object) => ({ required: true, content: { 'application/json': { schema } } });
const err = (d: string) => ({ description: d, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } });
const authErrors = { '401': err('missing or invalid bearer token'), '403': err('the caller role may not use this route') };
const decisionErrors = {
  ...authErrors,
  '400': err('malformed JSON, a prototype-poisoning key, or no input object'),
  '413': err('body larger than limits.body_bytes'),
  '415': err('not application/json'),
  '503': err('WRIT_NO_POLICY or WRIT_LOG_UNAVAILABLE: enforcers must deny'),
};

export const openapiDocument = {
  openapi: '3.1.0',
  info: {
    title: 'writ decision service',
    version: '1',
    description: 'Decisions are logged durably before the response leaves; every answer carries decision_id and the policy provenance.',
  },
  components: {
    securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'per-caller token; roles enforcer, admin, pusher' } },
    schemas: {
      Provenance: provenance,
      Error: error,
      Input: {
        type: 'object',
        description: 'The policy contract, input.version = 1 (DESIGN.md section 3)',
        required: ['version', 'enforcer'],
        properties: {
          version: { const: 1 },
          principal: { type: 'object' },
          enforcer: { type: 'object', required: ['kind'], properties: { id: { type: 'string' }, kind: { enum: ['postgres', 'ssh', 'http', 'kubernetes'] } } },
          resource: { type: 'object' },
          session: { type: 'object' },
          action: { type: 'object' },
          context: { type: 'object' },
        },
      },
      Decision: {
        type: 'object',
        required: ['allow', 'reasons', 'decision_id', 'provenance'],
        properties: {
          allow: { type: 'boolean' },
          reasons: { type: 'array', items: { type: 'string' } },
          require_approval: { type: 'object', properties: { approvers: { type: 'array', items: { type: 'string' } }, reason: { type: 'string' }, ttl: { type: 'string' } } },
          mask: { type: 'array', items: { type: 'object' } },
          token_expires_at: { type: 'string', format: 'date-time', description: 'when client_token was verified: its expiry; send it as input.session.token_expires_at with later commands of the session' },
          decision_id: { type: 'string', description: 'UUIDv7' },
          provenance: { $ref: '#/components/schemas/Provenance' },
        },
      },
      PolicyVersion: {
        type: 'object',
        properties: { revision: { type: 'string' }, bundle_sha256: { type: 'string' }, pushed_by: { type: 'string' }, time: { type: 'string', format: 'date-time' }, source: { enum: ['git', 'dir', 'bundle'] } },
      },
    },
  },
  security: [{ bearer: [] }],
  paths: {
    '/v1/data/{path}': {
      post: {
        summary: 'OPA-compatible evaluation of data.<path> (role enforcer)',
        parameters: [{ name: 'path', in: 'path', required: true, schema: { type: 'string' }, description: 'slash-separated, e.g. writ/postgres/decision' }],
        requestBody: { content: { 'application/json': { schema: { type: 'object', properties: { input: {} }, description: 'client_token is refused here (400): send it to POST /v1/decisions' } } } },
        responses: {
          '200': {
            description: 'result is absent when the document is undefined (as OPA)',
            content: { 'application/json': { schema: { type: 'object', required: ['decision_id', 'provenance'], properties: { result: {}, decision_id: { type: 'string' }, provenance: { $ref: '#/components/schemas/Provenance' } } } } },
          },
          '500': err('WRIT_EVAL_FAILED: evaluation aborted (the failure is logged)'),
          ...decisionErrors,
        },
      },
    },
    '/v1/decisions': {
      post: {
        summary: "writ's native decision call (role enforcer); entrypoint chosen by input.enforcer.kind",
        requestBody: jsonBody({
          type: 'object',
          required: ['input'],
          properties: {
            input: { $ref: '#/components/schemas/Input' },
            client_token: {
              type: 'string',
              description:
                "the end client's token (compact JWT) as the enforcer received it; verified against identity.issuers of writ.yaml, its principal replaces input.principal. A refused token (or none, when identity.require_client_token is set) is a logged deny whose reason is '<WRIT_TOKEN_* code>: <message>'. Never logged.",
            },
          },
        }),
        responses: { '200': { description: 'the normalised decision; anything outside the contract is a deny with a reason', content: { 'application/json': { schema: { $ref: '#/components/schemas/Decision' } } } }, ...decisionErrors },
      },
    },
    '/v1/decisions/batch': {
      post: {
        summary: `several POST /v1/decisions calls in one request (role enforcer): up to ${MAX_DECISION_BATCH}, answered in order once all are logged`,
        requestBody: jsonBody({
          type: 'object',
          required: ['requests'],
          properties: { requests: { type: 'array', minItems: 1, maxItems: MAX_DECISION_BATCH, items: { type: 'object', description: 'a POST /v1/decisions body: {input, client_token?}' } } },
        }),
        responses: {
          '200': {
            description: 'one answer per request, in order: the status and body POST /v1/decisions would have answered (a bad element fails alone)',
            content: { 'application/json': { schema: { type: 'object', properties: { answers: { type: 'array', items: { type: 'object', properties: { status: { type: 'integer' }, body: {} } } } } } } },
          },
          ...decisionErrors,
        },
      },
    },
    '/v1/decisions/{id}': {
      get: {
        summary: 'a decision record from the log (role admin)',
        parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
        responses: { '200': { description: 'the chained record (DESIGN.md section 5)' }, '404': err('no such decision'), ...authErrors },
      },
    },
    '/v1/policies': {
      get: {
        summary: 'active policy version and activation history, newest first (role admin)',
        responses: { '200': { description: 'versions', content: { 'application/json': { schema: { type: 'object', properties: { active: { $ref: '#/components/schemas/PolicyVersion' }, history: { type: 'array', items: { $ref: '#/components/schemas/PolicyVersion' } } } } } } }, ...authErrors },
      },
    },
    '/v1/bundles': {
      post: {
        summary: 'upload and activate an OPA wasm bundle (role admin); must be signed when policies.require_signed_bundles is set',
        requestBody: { required: true, content: { 'application/gzip': { schema: { type: 'string', contentEncoding: 'binary' } } } },
        responses: { '200': { description: 'activated', content: { 'application/json': { schema: { $ref: '#/components/schemas/PolicyVersion' } } } }, '422': err('WRIT_BUNDLE_REFUSED: unsigned, tampered, wrong key, extra or missing file, or not a bundle'), ...authErrors },
      },
    },
    '/v1/sessions/seals': {
      post: {
        summary: "seal a remote enforcer's closed session recording into the decision log (role enforcer)",
        requestBody: jsonBody({
          type: 'object',
          required: ['session_id', 'file', 'sha256', 'events', 'bytes'],
          additionalProperties: false,
          properties: {
            session_id: { type: 'string', pattern: '^[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}$' },
            file: { type: 'string', description: 'sessions/<session_id>.jsonl, relative to the enforcer\'s data directory' },
            sha256: { type: 'string', pattern: '^[0-9a-f]{64}$', description: 'of the whole closed file' },
            events: { type: 'integer', minimum: 0 },
            bytes: { type: 'integer', minimum: 0 },
          },
        }),
        responses: {
          '201': { description: "the session_seal record as chained (the service's decision_id and time, caller = the enforcer's name)" },
          '400': err('WRIT_BAD_REQUEST: a field missing or malformed'),
          '503': err('WRIT_LOG_UNAVAILABLE: the log cannot be written; the session stays unsealed'),
          ...authErrors,
        },
      },
    },
    '/git/policies.git': { get: { summary: 'Git smart HTTP (clone/fetch: pusher or admin; push: pusher) with HTTP Basic, password = token', security: [] } },
    '/health': { get: { summary: 'liveness', security: [], responses: { '200': { description: 'up' } } } },
    '/ready': { get: { summary: 'readiness: a policy is active and the log is writable', security: [], responses: { '200': { description: 'ready' }, '503': { description: 'not ready' } } } },
    '/metrics': { get: { summary: 'Prometheus metrics (role admin)', responses: { '200': { description: 'text exposition format' }, ...authErrors } } },
    '/openapi.json': { get: { summary: 'this document', security: [], responses: { '200': { description: 'OpenAPI 3.1' } } } },
  },
} as const;
