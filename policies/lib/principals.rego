# METADATA
# title: Principal helpers
# description: Shared checks on input.principal (the verified identity of the caller).
package writ.lib.principals

# Non-human identities writ knows by type.
non_human_types := {"service_principal", "managed_identity", "ci_job"}

# Application identities: Entra ID service principals and managed identities (src/identity/entra.ts sets the type
# from app-only tokens, `xms_mirid`, or the issuer's configured object ids). CI jobs are machines too, but not these.
service_identity_types := {"service_principal", "managed_identity"}

# The principal is a machine identity (service principal, managed identity or CI job).
is_non_human(p) if p.type in non_human_types

# The principal is an application identity (service principal or managed identity).
is_service_identity(p) if p.type in service_identity_types

# The principal is a CI job (GitHub Actions, or a generic OIDC issuer configured with principal_type ci_job).
is_ci_job(p) if p.type == "ci_job"

# The principal belongs to the group `g` (groups come from the verified token).
in_group(p, g) if g in p.groups

# The principal carries the application role `r` (Entra ID app roles).
has_role(p, r) if r in p.roles

# The principal is in any group of `gs`.
in_any_group(p, gs) if {
	some g in gs
	g in p.groups
}
