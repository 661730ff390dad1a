// input.principal (DESIGN.md section 3) and the claim readers the presets share.
import type { PrincipalType } from './config.ts';
import { IdentityError } from './errors.ts';

export interface Principal {
  /** Stable key policies and logs use: built from immutable ids (Entra tid + oid, GitHub numeric ids), never display names. */
  id: string;
  type: PrincipalType;
  issuer: string;
  subject: string;
  client_id: string | null;
  tenant: string | null;
  groups: string[];
  roles: string[];
  /** Every claim of the verified token, as issued. */
  claims: Record<string, unknown>;
}

/** A required string claim; its absence or wrong type is a refusal naming the claim. */
export function requireString(payload: Record<string, unknown>, claim: string, issuer: string): string {
  const v = payload[claim];
  if (typeof v !== 'string' || v === '') throw new IdentityError('WRIT_TOKEN_CLAIMS_INVALID', `token has no string "${claim}" claim (required for issuer ${issuer})`, issuer);
  return v;
}

export function optionalString(payload: Record<string, unknown>, claim: string): string | undefined {
  const v = payload[claim];
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** A claim by dotted path (`realm_access.roles`), as a list of strings; a single string counts as one. */
export function stringList(payload: Record<string, unknown>, path: string, issuer: string): string[] {
  let v: unknown = payload;
  for (const part of path.split('.')) {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return [];
    v = (v as Record<string, unknown>)[part];
  }
  if (v === undefined || v === null) return [];
  if (typeof v === 'string') return [v];
  if (Array.isArray(v) && v.every((s) => typeof s === 'string')) return v as string[];
  throw new IdentityError('WRIT_TOKEN_CLAIMS_INVALID', `token claim "${path}" must be a list of strings`, issuer);
}
