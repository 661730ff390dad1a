// GitHub Actions OIDC tokens: a CI job of a repository, keyed on the numeric owner and repository ids.
import type { IssuerConfig } from './config.ts';
import type { PresetImpl } from './preset.ts';
import { IdentityError } from './errors.ts';
import { optionalString, requireString, type Principal } from './principal.ts';

export interface GithubSubject {
  owner: string;
  repository: string;
  owner_id?: string;
  repository_id?: string;
  /** What follows the repository: `ref:refs/heads/main`, `environment:prod`, `pull_request`, ... */
  context: string;
}

/**
 * The default `sub` in its two documented forms: classic `repo:octo-org/octo-repo:ref:refs/heads/main` and
 * immutable `repo:octo-org@123/octo-repo@456:ref:refs/heads/main`. Custom subject templates return undefined.
 */
export function parseGithubSubject(sub: string): GithubSubject | undefined {
  const m = /^repo:([^/:@]+)(?:@(\d+))?\/([^/:@]+)(?:@(\d+))?:(.+)$/.exec(sub);
  if (!m) return undefined;
  return { owner: m[1], owner_id: m[2], repository: `${m[1]}/${m[3]}`, repository_id: m[4], context: m[5] };
}

export const githubActionsPreset: PresetImpl = {
  route(cfg: IssuerConfig, iss: string) {
    return iss === cfg.issuer ? 'mine' : 'other';
  },

  discoveryIssuerOk(cfg: IssuerConfig, iss: string) {
    return iss === cfg.issuer;
  },

  clientId() {
    return undefined;
  },

  tokenType() {
    // GitHub issues one kind of token per job; there is no access/ID distinction to enforce.
    return undefined;
  },

  principal(cfg: IssuerConfig, p: Record<string, unknown>): Principal {
    const sub = requireString(p, 'sub', cfg.name);
    const repository = requireString(p, 'repository', cfg.name);
    const repositoryId = requireString(p, 'repository_id', cfg.name);
    const owner = requireString(p, 'repository_owner', cfg.name);
    const ownerId = requireString(p, 'repository_owner_id', cfg.name);
    const parsed = parseGithubSubject(sub);
    // The subject and the claims are signed together; disagreement means a broken or hostile issuer.
    if (parsed) {
      const bad =
        parsed.repository.toLowerCase() !== repository.toLowerCase()
          ? `names repository ${parsed.repository}, the "repository" claim ${repository}`
          : parsed.owner_id !== undefined && parsed.owner_id !== ownerId
            ? `names owner id ${parsed.owner_id}, the "repository_owner_id" claim ${ownerId}`
            : parsed.repository_id !== undefined && parsed.repository_id !== repositoryId
              ? `names repository id ${parsed.repository_id}, the "repository_id" claim ${repositoryId}`
              : '';
      if (bad) throw new IdentityError('WRIT_TOKEN_CLAIMS_INVALID', `token "sub" ${sub} ${bad}`, cfg.name);
    }
    const environment = optionalString(p, 'environment');
    const ref = optionalString(p, 'ref');
    const context = environment ? `environment:${environment}` : p.event_name === 'pull_request' ? 'pull_request' : ref ? `ref:${ref}` : (parsed?.context ?? sub);
    return {
      id: `github:${ownerId}/${repositoryId}:${context}`,
      type: 'ci_job',
      issuer: requireString(p, 'iss', cfg.name),
      subject: sub,
      client_id: null,
      tenant: owner,
      groups: [],
      roles: [],
      claims: p,
    };
  },
};
