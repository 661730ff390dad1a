# METADATA
# title: PostgreSQL access
# description: |
#   Decides every connection and every statement that reaches a protected PostgreSQL
#   database through writ's PostgreSQL enforcer. Input and decision follow writ's policy
#   contract version 1 (README, "The policy contract").
# entrypoint: true
package writ.postgres

import data.writ.lib.principals

# Configuration, overridable with data.writ.config.postgres.
config := object.union(
	{
		"readers": ["db-readers"],
		"writers": ["db-writers"],
		"admins": ["db-admins"],
		"approvers": ["db-approvers"],
		"masked_columns": ["email", "ssn", "card_number", "iban", "phone"],
	},
	config_override,
)

# Base data at data.writ.config.postgres overrides the defaults above.
default config_override := {}

config_override := data.writ.config.postgres

read_operations := {"select", "copy_to", "show", "explain", "begin", "commit", "rollback", "set", "reset", "discard", "listen", "fetch", "declare", "close"}

write_operations := {"insert", "update", "delete", "copy_from", "merge"}

ddl_operations := {"create", "alter", "drop", "truncate", "grant", "revoke", "comment", "reindex", "vacuum", "analyze"}

# Effects no principal may run through writ: they escape per-statement control.
forbidden_effects := {
	"do_block", "copy_program", "copy_file", "set_role", "set_session_authorization", "function_call",
	"load", "create_extension", "alter_system", "dynamic_sql", "untrusted_language",
	# Changing how the server parses text makes writ's classification unreliable.
	"set_parsing_option",
	# Unbounded writes are refused whatever the grants.
	"update_without_where", "delete_without_where",
}

sql := object.get(input, ["action", "sql"], {})

operation := object.get(sql, "operation", "unknown")

# ---- reasons to refuse, whatever the grants ----

deny contains "unsupported input version: writ's PostgreSQL policy understands version 1" if input.version != 1

deny contains msg if {
	input.action.kind == "statement"
	operation == "unknown"
	msg := concat("", ["statement could not be classified: ", object.get(sql, "parse_error", "unparsed statement")])
}

deny contains msg if {
	some effect in object.get(sql, "effects", [])
	effect in forbidden_effects
	msg := concat("", ["statement effect '", effect, "' is forbidden through writ"])
}

deny contains msg if {
	some rel in object.get(sql, "relations", [])
	# Qualified or not: the last name component is what PostgreSQL resolves.
	parts := split(rel.name, ".")
	parts[count(parts) - 1] == "pg_authid"
	msg := "reading pg_authid (password hashes) is forbidden"
}

# ---- grants ----

is_reader if principals.in_any_group(input.principal, config.readers)

is_writer if principals.in_any_group(input.principal, config.writers)

is_admin if principals.in_any_group(input.principal, config.admins)

# Operations each role may run; admins may do everything writers may, and DDL.
allowed_operations contains op if {
	is_reader
	some op in read_operations
}

allowed_operations contains op if {
	is_writer
	some op in read_operations | write_operations
}

allowed_operations contains op if {
	is_admin
	some op in (read_operations | write_operations) | ddl_operations
}

granted if {
	input.action.kind == "connect"
	count(allowed_operations) > 0
}

granted if {
	input.action.kind == "statement"
	operation in allowed_operations
}

# DDL by an admin who is a machine identity waits for a human approver.
needs_approval if {
	input.action.kind == "statement"
	operation in ddl_operations
	principals.is_non_human(input.principal)
	not approved
}

approved if {
	some a in object.get(input, ["context", "approvals"], [])
	a.status == "approved"
}

allow if {
	count(deny) == 0
	granted
	not needs_approval
}

# ---- masking: sensitive columns are masked for everyone but admins ----

mask contains {"column": c, "strategy": "partial"} if {
	input.action.kind == "statement"
	not is_admin
	some c in config.masked_columns
}

mask contains {"detector": "email", "strategy": "redact"} if {
	input.action.kind == "statement"
	not is_admin
}

# ---- reasons shown to the client and logged ----

reasons contains r if some r in deny

reasons contains "no grant covers this action for this principal" if {
	count(deny) == 0
	not granted
}

reasons contains "DDL by a non-human identity needs a human approval" if {
	count(deny) == 0
	granted
	needs_approval
}

reasons contains msg if {
	allow
	msg := concat("", ["allowed: ", operation, " by ", object.get(input.principal, "id", "unknown principal")])
}

base_decision := {
	"allow": allow_value,
	"reasons": sort([r | some r in reasons]),
	"mask": sort([m | some m in mask]),
}

allow_value := true if allow

else := false

# The entrypoint: writ/postgres/decision.
decision := object.union(base_decision, {"require_approval": {
	"approvers": config.approvers,
	"reason": "DDL by a non-human identity",
	"ttl": "15m",
}}) if {
	count(deny) == 0
	granted
	needs_approval
}

decision := base_decision if not needs_approval

decision := base_decision if {
	needs_approval
	count(deny) > 0
}

decision := base_decision if {
	needs_approval
	not granted
}
