// The decision contract (DESIGN.md section 3): {allow, reasons[], require_approval?, mask?}.
// Anything else the policy returns (undefined, an error, a wrong shape) becomes a deny saying why.
import type { Evaluation } from '../policy/version.ts';

export interface Decision {
  allow: boolean;
  reasons: string[];
  require_approval?: { approvers: string[]; reason: string; ttl: string };
  mask?: Array<Record<string, string>>;
}

function deny(reason: string): Decision {
  return { allow: false, reasons: [reason] };
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const strings = (v: unknown): v is string[] => Array.isArray(v) && v.every((s) => typeof s === 'string');
const maskStrategies = new Set(['redact', 'partial', 'hash']);
const maskTargets = ['column', 'json_path', 'detector'];

export function normaliseDecision(entrypoint: string, ev: Evaluation): Decision {
  if (ev.error) return deny(`policy evaluation failed (${entrypoint}): ${ev.error}`);
  if (!ev.defined) return deny(`policy decision undefined: ${entrypoint} produced no value`);
  const r = ev.result;
  if (!isObj(r)) return deny(`policy decision outside the contract: ${entrypoint} returned a ${Array.isArray(r) ? 'array' : typeof r}, not an object`);
  if (typeof r.allow !== 'boolean') return deny(`policy decision outside the contract: "allow" must be a boolean`);
  const reasons = r.reasons === undefined ? [] : r.reasons;
  if (!strings(reasons)) return deny('policy decision outside the contract: "reasons" must be a list of strings');
  const known = new Set(['allow', 'reasons', 'require_approval', 'mask']);
  const extra = Object.keys(r).filter((k) => !known.has(k));
  if (extra.length) return deny(`policy decision outside the contract: unknown field "${extra[0]}"`);
  const d: Decision = { allow: r.allow, reasons };
  if (r.require_approval !== undefined) {
    const a = r.require_approval;
    if (!isObj(a) || !strings(a.approvers) || typeof a.reason !== 'string' || typeof a.ttl !== 'string') {
      return deny('policy decision outside the contract: "require_approval" must be {approvers[], reason, ttl}');
    }
    d.require_approval = { approvers: a.approvers, reason: a.reason, ttl: a.ttl };
  }
  if (r.mask !== undefined) {
    if (!Array.isArray(r.mask)) return deny('policy decision outside the contract: "mask" must be a list');
    for (const m of r.mask) {
      const ok =
        isObj(m) &&
        typeof m.strategy === 'string' &&
        maskStrategies.has(m.strategy) &&
        Object.keys(m).length === 2 &&
        maskTargets.some((t) => typeof m[t] === 'string');
      if (!ok) return deny(`policy decision outside the contract: bad mask entry ${JSON.stringify(m)}`);
    }
    d.mask = r.mask as Decision['mask'];
  }
  return d;
}
