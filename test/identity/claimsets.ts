// Token claim sets as Entra ID (v1.0, v2.0) and GitHub Actions document them, with times relative to `now` (seconds).
export const tenant = '72f988bf-86f1-41af-91ab-2d7cd011db47';
export const otherTenant = '0b0e2f6a-1c3d-4e5f-8a9b-0c1d2e3f4a5b';
export const apiClientId = '6e74172b-be56-4843-9ff4-e66a39bb12e3';
export const callerAppId = '0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b';
export const spObjectId = '690222be-ff1a-4d56-abd1-7e4f7d38e474';
export const miObjectId = '4b0a1c1e-3f2a-4c5e-9d8b-1a2b3c4d5e6f';
export const userObjectId = 'a1b2c3d4-0000-4000-8000-00000000beef';
export const mirid = `/subscriptions/11111111-2222-3333-4444-555555555555/resourcegroups/rg-prod/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-deployer`;

const times = (now: number, life = 3600) => ({ iat: now - 60, nbf: now - 60, exp: now - 60 + life });

/** v1.0 app-only access token (client credentials) for a resource identified by its App ID URI. */
export function entraV1App(now: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    aud: 'api://writ',
    iss: `https://sts.windows.net/${tenant}/`,
    ...times(now),
    aio: 'E2RgYJg7+fXhNt3Ev1GlDRC8nWQWAA==',
    appid: callerAppId,
    appidacr: '1',
    idp: `https://sts.windows.net/${tenant}/`,
    idtyp: 'app',
    oid: spObjectId,
    rh: '0.AXEAv4j5cvGGr0GRqy180BHbR2wGV2JLRMNHn-bmwJxKJ3pxAAA.',
    roles: ['Orders.Read', 'Orders.Write'],
    sub: spObjectId,
    tid: tenant,
    uti: 'fqiBqXLPj0eQa82S-IYFAA',
    ver: '1.0',
    ...extra,
  };
}

/** v1.0 token of a user-assigned managed identity (IMDS issues v1.0 tokens): `xms_mirid` names the identity resource. */
export function entraV1ManagedIdentity(now: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return entraV1App(now, { appid: callerAppId, appidacr: '2', oid: miObjectId, sub: miObjectId, roles: ['Orders.Read'], xms_mirid: mirid, xms_tcdt: 1600000000, ...extra });
}

/** v2.0 app-only access token: `aud` is the API's client id, the caller is in `azp`. */
export function entraV2App(now: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    aud: apiClientId,
    iss: `https://login.microsoftonline.com/${tenant}/v2.0`,
    ...times(now),
    aio: 'AXQAi/8IAAAAtAaZLo3ChMif6KOnttRB7eBq4/DccQzjcJGxPYy',
    azp: callerAppId,
    azpacr: '2',
    idtyp: 'app',
    oid: spObjectId,
    rh: '0.AXEAv4j5cvGGr0GRqy180BHbR2wGV2JLRMNHn-bmwJxKJ3pxAAA.',
    roles: ['Orders.Read'],
    sub: spObjectId,
    tid: tenant,
    uti: 'fqiBqXLPj0eQa82S-IYFAA',
    ver: '2.0',
    ...extra,
  };
}

export function entraV2ManagedIdentity(now: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return entraV2App(now, { oid: miObjectId, sub: miObjectId, xms_mirid: mirid, ...extra });
}

/** v2.0 delegated (user) access token: `scp`, `idtyp: user`, group object ids in `groups`. */
export function entraV2User(now: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const { roles: _r, ...base } = entraV2App(now);
  return {
    ...base,
    idtyp: 'user',
    oid: userObjectId,
    sub: 'AAAAAAAAAAAAAAAAAAAAAIkzqFVrSaSaFHy782bbtaQ',
    scp: 'Orders.Read',
    name: 'Ada Lovelace',
    preferred_username: 'ada@contoso.example',
    groups: ['9a6c3f2e-0000-4000-8000-0000000000a1', '9a6c3f2e-0000-4000-8000-0000000000a2'],
    ...extra,
  };
}

/** v2.0 ID token (sign-in): `aud` is the signing-in app, a nonce, no `azp`. */
export function entraV2IdToken(now: number): Record<string, unknown> {
  return {
    aud: apiClientId,
    iss: `https://login.microsoftonline.com/${tenant}/v2.0`,
    ...times(now),
    nonce: '123523',
    oid: userObjectId,
    sub: 'AAAAAAAAAAAAAAAAAAAAAIkzqFVrSaSaFHy782bbtaQ',
    tid: tenant,
    name: 'Ada Lovelace',
    preferred_username: 'ada@contoso.example',
    uti: 'Vx9i0-cNt0ORDP0fQKkLAA',
    ver: '2.0',
  };
}

/** GitHub Actions job token (classic subject), as in GitHub's OIDC reference. */
export function githubJob(now: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    jti: 'ba1d5c6e-2b9f-4c1a-9e1f-7a3b2c4d5e6f',
    sub: 'repo:octo-org/octo-repo:environment:prod',
    environment: 'prod',
    aud: 'https://github.com/octo-org',
    ref: 'refs/heads/main',
    sha: 'd6cd1e2bd19e03a81132a23b2025920577f84e37',
    repository: 'octo-org/octo-repo',
    repository_owner: 'octo-org',
    actor_id: '12',
    repository_visibility: 'private',
    repository_id: '74',
    repository_owner_id: '65',
    run_id: '9876543210',
    run_number: '10',
    run_attempt: '2',
    runner_environment: 'github-hosted',
    actor: 'octocat',
    workflow: 'deploy',
    head_ref: '',
    base_ref: '',
    event_name: 'workflow_dispatch',
    ref_type: 'branch',
    workflow_ref: 'octo-org/octo-repo/.github/workflows/deploy.yml@refs/heads/main',
    job_workflow_ref: 'octo-org/octo-automation/.github/workflows/oidc.yml@refs/heads/main',
    iss: 'https://token.actions.githubusercontent.com',
    nbf: now - 10,
    exp: now + 290,
    iat: now - 10,
    ...extra,
  };
}
