// What an issuer preset decides: which `iss` it owns, which token kind it accepts, and how claims become a principal.
import type { IssuerConfig, Preset } from './config.ts';
import type { ParsedJws } from './compact.ts';
import type { IdentityError } from './errors.ts';
import type { Principal } from './principal.ts';
import { entraPreset } from './entra.ts';
import { githubActionsPreset } from './github.ts';
import { oidcPreset } from './oidc.ts';

export interface PresetImpl {
  /** 'other' when this issuer does not own `iss`; an error when it owns it but refuses (version, tenant). */
  route(cfg: IssuerConfig, iss: string): 'mine' | 'other' | IdentityError;
  /** Whether a discovery document's `issuer` belongs to this configured issuer. */
  discoveryIssuerOk(cfg: IssuerConfig, iss: string): boolean;
  /** The client the token was issued to (azp / appid / client_id), checked against `client_ids`. */
  clientId(cfg: IssuerConfig, payload: Record<string, unknown>): string | undefined;
  /** An error when the token is not the kind (access / ID) the issuer requires. */
  tokenType(cfg: IssuerConfig, jws: ParsedJws): IdentityError | undefined;
  /** Map verified claims to the principal; throws WRIT_TOKEN_CLAIMS_INVALID on missing or inconsistent claims. */
  principal(cfg: IssuerConfig, payload: Record<string, unknown>): Principal;
}

export const presetImpls: Record<Preset, PresetImpl> = {
  entra_id: entraPreset,
  github_actions: githubActionsPreset,
  oidc: oidcPreset,
};
