# METADATA
# title: Principal helpers
# description: Shared checks on input.principal (the verified identity of the caller).
package writ.lib.principals

# Non-human identities writ knows by type.
non_human_types := {"service_principal", "managed_identity", "ci_job"}

# The principal is a machine identity (service principal, managed identity or CI job).
is_non_human(p) if p.type in non_human_types

# The principal belongs to the group `g` (groups come from the verified token).
in_group(p, g) if g in p.groups

# The principal carries the application role `r` (Entra ID app roles).
has_role(p, r) if r in p.roles

# The principal is in any group of `gs`.
in_any_group(p, gs) if {
	some g in gs
	g in p.groups
}
