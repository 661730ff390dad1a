# METADATA
# title: PostgreSQL access
# description: |
#   Decides every connection and every statement that reaches a protected PostgreSQL
#   database through writ's PostgreSQL enforcer. Input and decision follow writ's policy
#   contract version 1 (README, "The policy contract"; the rules in "The PostgreSQL policy").
#
#   Every refusal reason starts with the name of the rule that made it ("destructive_ddl: ...").
#   - grants: readers, writers and admins by group; a CI job also reads and writes its own schema;
#   - ci_schema: a CI job (principal.type ci_job) touches no relation outside its own schema;
#   - destructive_ddl, server_configuration, dynamic_sql, role_switch, search_path, copy_program,
#     server_files, dangerous_function, server_code, parsing_option: refused whatever the grants;
#   - unbounded_write: UPDATE and DELETE without WHERE (data-modifying CTEs and DO bodies included);
#   - unclassified: statements PostgreSQL's parser could not read are refused;
#   - production_write: writes by service principals and managed identities to production tables
#     are held for an approval by approvers (db-owners);
#   - machine_ddl: DDL by any non-human identity is held for the same approval;
#   - pii: email and card numbers (detectors) and named PII columns are masked outside pii-readers.
# entrypoint: true
package writ.postgres

import data.writ.lib.principals

# ---- configuration ----
# Each setting has its default here and is overridden by base data at data.writ.config.postgres.<setting> (a
# data.json in the policy repository's writ/config/postgres/ folder). Settings are rules of their own, so a decision
# computes only those it reads.

# Groups come from the verified token's groups claim.
default readers := ["db-readers"]

readers := data.writ.config.postgres.readers

default writers := ["db-writers"]

writers := data.writ.config.postgres.writers

default admins := ["db-admins"]

admins := data.writ.config.postgres.admins

# Approver groups of held statements (require_approval.approvers) and how long a request stays open.
default approvers := ["db-owners"]

approvers := data.writ.config.postgres.approvers

default approval_ttl := "15m"

approval_ttl := data.writ.config.postgres.approval_ttl

# Who sees PII unmasked; everyone else gets these columns (partial) and detectors (redact) masked.
default pii_readers := ["pii-readers"]

pii_readers := data.writ.config.postgres.pii_readers

default masked_columns := ["email", "email_address", "card_number", "credit_card", "card_no", "ssn", "iban", "phone"]

masked_columns := data.writ.config.postgres.masked_columns

default mask_detectors := ["email", "card"]

mask_detectors := data.writ.config.postgres.mask_detectors

# A CI job's own schema. GitHub Actions jobs by their "repository" claim ("owner/name", any case), trusted only from
# these issuers; other CI issuers by input.principal.id. A CI job with neither has no schema.
default ci_schemas_by_repository := {}

ci_schemas_by_repository := data.writ.config.postgres.ci_schemas_by_repository

default ci_repository_issuers := ["https://token.actions.githubusercontent.com"]

ci_repository_issuers := data.writ.config.postgres.ci_repository_issuers

default ci_schemas_by_principal := {}

ci_schemas_by_principal := data.writ.config.postgres.ci_schemas_by_principal

# Schemas a CI job may also read (not write): the catalogs drivers and migration tools inspect.
default ci_readable_schemas := ["pg_catalog", "information_schema"]

ci_readable_schemas := data.writ.config.postgres.ci_readable_schemas

# Production: a whole database whose resource is marked production, or tables of these schemas.
# input.resource.attributes.environment == "production" (the enforcer's configured resource attributes), or
# input.resource.name in production_resources (`writ enforce postgres --resource NAME`).
default production_resources := []

production_resources := data.writ.config.postgres.production_resources

default production_schemas := []

production_schemas := data.writ.config.postgres.production_schemas

read_operations := {"select", "copy_to", "show", "explain", "begin", "commit", "rollback", "set", "reset", "discard", "listen", "fetch", "declare", "close"}

write_operations := {"insert", "update", "delete", "copy_from", "merge"}

ddl_operations := {"create", "alter", "drop", "truncate", "grant", "revoke", "comment", "reindex", "vacuum", "analyze"}

# Statements refused whatever the grants, by operation: [rule, text]. Functions, so nothing is built for the
# statements (nearly all) that match none.
forbidden_operation("drop") := ["destructive_ddl", "DROP is forbidden through writ"]

forbidden_operation("truncate") := ["destructive_ddl", "TRUNCATE is forbidden through writ"]

forbidden_operation("alter_system") := ["server_configuration", "ALTER SYSTEM is forbidden through writ"]

# Classifier effects (enforcers/postgres/sql) refused whatever the grants: each escapes per-statement control.
forbidden_effect("do_block") := ["dynamic_sql", "DO blocks are forbidden through writ"]

forbidden_effect("dynamic_sql") := ["dynamic_sql", "dynamic SQL (PREPARE/EXECUTE, EXECUTE in PL/pgSQL, SQL run from text) is forbidden through writ"]

forbidden_effect("set_role") := ["role_switch", "SET ROLE is forbidden through writ"]

forbidden_effect("set_session_authorization") := ["role_switch", "SET SESSION AUTHORIZATION is forbidden through writ"]

# Changing search_path changes what unqualified names mean after writ decided on them.
forbidden_effect("set_search_path") := ["search_path", "setting search_path is forbidden through writ"]

forbidden_effect("copy_program") := ["copy_program", "COPY ... PROGRAM is forbidden through writ"]

forbidden_effect("copy_file") := ["server_files", "COPY to or from a server file is forbidden through writ"]

forbidden_effect("function_call") := ["dangerous_function", "calling a function that reaches files, other sessions, configuration or SQL in strings is forbidden through writ"]

forbidden_effect("load") := ["server_code", "LOAD is forbidden through writ"]

forbidden_effect("create_extension") := ["server_code", "CREATE EXTENSION is forbidden through writ"]

forbidden_effect("untrusted_language") := ["server_code", "untrusted procedural languages are forbidden through writ"]

forbidden_effect("alter_system") := ["server_configuration", "ALTER SYSTEM is forbidden through writ"]

# Changing how the server parses text makes writ's classification unreliable.
forbidden_effect("set_parsing_option") := ["parsing_option", "changing how the server parses statements is forbidden through writ"]

forbidden_effect("update_without_where") := ["unbounded_write", "UPDATE without WHERE is forbidden"]

forbidden_effect("delete_without_where") := ["unbounded_write", "DELETE without WHERE is forbidden"]

# Catalogs holding secrets (password hashes, foreign-server credentials): nobody reads them through writ.
secret_catalogs := {"pg_authid", "pg_shadow", "pg_user_mapping", "pg_user_mappings"}

# Catalogs holding samples of column values of every schema: outside a CI job's own schema.
sampled_value_catalogs := {"pg_statistic", "pg_statistic_ext_data", "pg_stats", "pg_stats_ext", "pg_stats_ext_exprs"}

sql := object.get(input, ["action", "sql"], {})

operation := object.get(sql, "operation", "unknown")

relations := object.get(sql, "relations", [])

is_statement if input.action.kind == "statement"

# ---- names ----

# The schema of a relation or function name written `schema.name` without quotes; undefined for unqualified,
# quoted or database-qualified names (rules that need a schema then fail closed).
plain_schema(name) := parts[0] if {
	not contains(name, "\"")
	parts := split(name, ".")
	count(parts) == 2
}

# The last name component, which is what PostgreSQL resolves (qualified or not).
last_name(name) := parts[count(parts) - 1] if parts := split(name, ".")

# ---- reasons to refuse, whatever the grants ----

deny contains "version: unsupported input version: writ's PostgreSQL policy understands version 1" if input.version != 1

deny contains msg if {
	is_statement
	operation == "unknown"
	msg := concat("", ["unclassified: statement could not be classified: ", object.get(sql, "parse_error", "unparsed statement")])
}

deny contains msg if {
	is_statement
	[rule, text] := forbidden_operation(operation)
	msg := concat("", [rule, ": ", text])
}

deny contains msg if {
	is_statement
	some effect in object.get(sql, "effects", [])
	[rule, text] := forbidden_effect(effect)
	msg := concat("", [rule, ": ", text, " (statement effect '", effect, "')"])
}

deny contains msg if {
	some rel in relations
	last_name(rel.name) in secret_catalogs
	msg := concat("", ["secret_catalog: reading ", rel.name, " (passwords and credentials) is forbidden"])
}

# ---- CI jobs: their own schema only ----

ci_repository_schemas := {lower(repo): s | some repo, s in ci_schemas_by_repository}

# The CI job's own schema: a mapping by principal id first, else by GitHub repository from a trusted issuer.
ci_schema := s if {
	principals.is_ci_job(input.principal)
	s := ci_schemas_by_principal[input.principal.id]
} else := s if {
	principals.is_ci_job(input.principal)
	input.principal.issuer in ci_repository_issuers
	s := ci_repository_schemas[lower(input.principal.claims.repository)]
}

# A relation the CI job may use with this access: its own schema, or a readable catalog schema for reads.
ci_may_use(rel) if plain_schema(rel.name) == ci_schema

ci_may_use(rel) if {
	rel.access == "read"
	plain_schema(rel.name) in ci_readable_schemas
	not last_name(rel.name) in sampled_value_catalogs
}

ci_denied_relations contains rel.name if {
	principals.is_ci_job(input.principal)
	some rel in relations
	not ci_may_use(rel)
}

# Functions named with another schema may read other schemas (unqualified names resolve in pg_catalog first).
ci_denied_functions contains f if {
	principals.is_ci_job(input.principal)
	some f in object.get(sql, "functions", [])
	contains(f, ".")
	not plain_schema(f) == ci_schema
	not plain_schema(f) in ci_readable_schemas
}

ci_schema_text := concat("", ["its schema ", ci_schema]) if ci_schema

else := "no schema of its own (data.writ.config.postgres: ci_schemas_by_repository or ci_schemas_by_principal)"

deny contains msg if {
	count(ci_denied_relations) > 0
	msg := concat("", [
		"ci_schema: CI job ", object.get(input, ["principal", "id"], "?"), " has ", ci_schema_text,
		"; it may not use ", concat(", ", sort([n | some n in ci_denied_relations])),
		" (write schema-qualified names: writ does not know the session's search_path)",
	])
}

deny contains msg if {
	count(ci_denied_functions) > 0
	msg := concat("", [
		"ci_schema: CI job ", object.get(input, ["principal", "id"], "?"), " has ", ci_schema_text,
		"; it may not call ", concat(", ", sort([f | some f in ci_denied_functions])),
	])
}

# ---- grants ----

is_reader if principals.in_any_group(input.principal, readers)

is_writer if principals.in_any_group(input.principal, writers)

is_admin if principals.in_any_group(input.principal, admins)

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

# A CI job with a schema reads and writes it (the ci_schema rule keeps it there); no DDL without the admins group.
allowed_operations contains op if {
	ci_schema
	some op in read_operations | write_operations
}

granted if {
	input.action.kind == "connect"
	count(allowed_operations) > 0
}

granted if {
	is_statement
	operation in allowed_operations
}

# ---- approvals: held until a human in approvers approves this exact statement ----

# Production: the whole resource, or a table of a production schema. When production schemas are configured,
# names whose schema writ cannot read (unqualified, quoted, database-qualified) count as production.
production_resource if object.get(input, ["resource", "attributes", "environment"], "") == "production"

production_resource if input.resource.name in production_resources

is_production(name) if production_resource

is_production(name) if plain_schema(name) in production_schemas

is_production(name) if {
	count(production_schemas) > 0
	not plain_schema(name)
}

production_writes contains rel.name if {
	is_statement
	principals.is_service_identity(input.principal)
	operation in write_operations
	some rel in relations
	rel.access == "write"
	is_production(rel.name)
}

approval_reasons contains msg if {
	count(production_writes) > 0
	msg := concat("", [
		"production_write: a write by a service principal to production table ",
		concat(", ", sort([n | some n in production_writes])),
	])
}

approval_reasons contains "machine_ddl: DDL by a non-human identity" if {
	is_statement
	operation in ddl_operations
	principals.is_non_human(input.principal)
}

approved if {
	some a in object.get(input, ["context", "approvals"], [])
	a.status == "approved"
}

needs_approval if {
	count(approval_reasons) > 0
	not approved
}

held if {
	count(deny) == 0
	granted
	needs_approval
}

allow if {
	count(deny) == 0
	granted
	not needs_approval
}

# ---- masking: emails, card numbers and named PII columns are masked outside pii-readers ----

pii_reader if principals.in_any_group(input.principal, pii_readers)

mask := array.concat(
	[{"column": c, "strategy": "partial"} | some c in masked_columns],
	[{"detector": d, "strategy": "redact"} | some d in mask_detectors],
) if {
	is_statement
	not pii_reader
} else := []

# ---- reasons shown to the client and logged ----

reasons contains r if some r in deny

reasons contains "no_grant: no grant covers this action for this principal" if {
	count(deny) == 0
	not granted
}

reasons contains msg if {
	held
	msg := concat("", ["needs approval by ", concat(", ", approvers), ": ", approval_text])
}

approval_text := concat("; ", sort([r | some r in approval_reasons]))

reasons contains msg if {
	allow
	msg := concat("", ["allowed: ", operation, " by ", object.get(input, ["principal", "id"], "unknown principal")])
}

reasons contains msg if {
	allow
	count(approval_reasons) > 0
	msg := concat("", ["approved: ", approval_text])
}

base_decision := {
	"allow": allow_value,
	"reasons": sort([r | some r in reasons]),
	"mask": mask,
}

allow_value := true if allow

else := false

# The entrypoint: writ/postgres/decision.
decision := object.union(base_decision, {"require_approval": {
	"approvers": approvers,
	"reason": approval_text,
	"ttl": approval_ttl,
}}) if held

else := base_decision
