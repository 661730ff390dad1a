// The decision contract as an enforcer receives it (DESIGN.md section 3, POST /v1/decisions), and
// its validation: anything the enforcer cannot act on exactly is refused, so the caller fails closed.
import { parseJsonPath } from './mask-json-path.ts';
import { DETECTOR_NAMES } from './mask-detectors.ts';

export type MaskStrategy = 'redact' | 'partial' | 'hash';

/** One entry of a decision's `mask`: exactly one selector, a strategy, and for `partial` how many to keep. */
export interface MaskRule {
  column?: string;
  json_path?: string;
  detector?: string;
  strategy: MaskStrategy;
  /** `partial` only: characters kept at the end (default 4). */
  keep?: number;
}

export interface ApprovalRequirement {
  approvers: string[];
  reason: string;
  ttl: string;
  /** Set when the service already created the approval request for this decision. */
  id?: string;
}

export interface Provenance {
  revision: string;
  bundle_sha256: string;
}

/** Why a decision was denied without the policy's say; the `reason` label of the fail-closed counter. */
export type FailReason =
  | 'unavailable'
  | 'timeout'
  | 'server_error'
  | 'log_unavailable'
  | 'unauthorized'
  | 'forbidden'
  | 'bad_request'
  | 'malformed'
  | 'contract'
  | 'undefined'
  | 'internal';

export interface EnforcerDecision {
  allow: boolean;
  reasons: string[];
  require_approval?: ApprovalRequirement;
  mask?: MaskRule[];
  /** Present on every decision the service logged; absent only on fail-closed denials. */
  decision_id?: string;
  provenance?: Provenance;
  /** When the request forwarded the end client's token (client_token): the verified token's expiry, from the service. */
  token_expires_at?: string;
  /** Set when the enforcer denied on its own because the service gave no usable answer. */
  failClosed?: { reason: FailReason; message: string };
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const strings = (v: unknown): v is string[] => Array.isArray(v) && v.every((s) => typeof s === 'string');
const STRATEGIES = new Set<string>(['redact', 'partial', 'hash']);
const SELECTORS = ['column', 'json_path', 'detector'] as const;

/** Checks one mask entry; returns a problem description or the rule. */
export function checkMaskRule(m: unknown): MaskRule | string {
  if (!isObj(m)) return `mask entry ${JSON.stringify(m)} is not an object`;
  if (typeof m.strategy !== 'string' || !STRATEGIES.has(m.strategy)) return `unknown mask strategy ${JSON.stringify(m.strategy ?? null)}`;
  const sel = SELECTORS.filter((k) => m[k] !== undefined);
  if (sel.length !== 1 || typeof m[sel[0]] !== 'string') return `mask entry ${JSON.stringify(m)} needs exactly one of column, json_path, detector (a string)`;
  const extra = Object.keys(m).filter((k) => k !== 'strategy' && k !== 'keep' && k !== sel[0]);
  if (extra.length) return `mask entry has unknown field "${extra[0]}"`;
  if (m.keep !== undefined && !(Number.isInteger(m.keep) && (m.keep as number) >= 0 && (m.keep as number) <= 64)) return 'mask "keep" must be an integer 0..64';
  if (sel[0] === 'detector' && m.detector !== '*' && !DETECTOR_NAMES.includes(m.detector as string)) return `unknown mask detector "${m.detector as string}"`;
  if (sel[0] === 'json_path') {
    const p = parseJsonPath(m.json_path as string);
    if (typeof p === 'string') return `bad mask json_path ${JSON.stringify(m.json_path)}: ${p}`;
  }
  return m as unknown as MaskRule;
}

/**
 * Validates a POST /v1/decisions answer. A decision without a decision_id was not logged, and an
 * enforcer must not act on an unlogged decision (DESIGN.md section 5), so that is outside the contract too.
 */
export function checkDecision(body: unknown): { decision: EnforcerDecision } | { problem: string; undefinedResult?: true } {
  if (body === undefined || body === null) return { problem: 'policy decision undefined', undefinedResult: true };
  if (!isObj(body)) return { problem: `the answer is a ${Array.isArray(body) ? 'array' : typeof body}, not an object` };
  if (typeof body.allow !== 'boolean') return { problem: body.allow === undefined ? 'allow is missing' : 'allow is not a boolean' };
  if (!strings(body.reasons)) return { problem: 'reasons is not a list of strings' };
  if (typeof body.decision_id !== 'string' || body.decision_id === '') return { problem: 'decision_id is missing (the decision was not logged)' };
  const p = body.provenance;
  if (!isObj(p) || typeof p.revision !== 'string' || typeof p.bundle_sha256 !== 'string') return { problem: 'provenance {revision, bundle_sha256} is missing' };
  const d: EnforcerDecision = {
    allow: body.allow,
    reasons: body.reasons,
    decision_id: body.decision_id,
    provenance: { revision: p.revision, bundle_sha256: p.bundle_sha256 },
  };
  if (body.token_expires_at !== undefined) {
    if (typeof body.token_expires_at !== 'string' || Number.isNaN(Date.parse(body.token_expires_at))) return { problem: 'token_expires_at is not a time' };
    d.token_expires_at = body.token_expires_at;
  }
  if (body.require_approval !== undefined) {
    const a = body.require_approval;
    if (!isObj(a) || !strings(a.approvers) || typeof a.reason !== 'string' || typeof a.ttl !== 'string' || (a.id !== undefined && typeof a.id !== 'string')) {
      return { problem: 'require_approval is not {approvers[], reason, ttl}' };
    }
    d.require_approval = { approvers: a.approvers, reason: a.reason, ttl: a.ttl, ...(a.id !== undefined ? { id: a.id as string } : {}) };
  }
  if (body.mask !== undefined) {
    if (!Array.isArray(body.mask)) return { problem: 'mask is not a list' };
    const rules: MaskRule[] = [];
    for (const m of body.mask) {
      const r = checkMaskRule(m);
      if (typeof r === 'string') return { problem: r };
      rules.push(r);
    }
    d.mask = rules;
  }
  return { decision: d };
}
