package writ.postgres_test

import data.writ.postgres

# ---- principals, as src/identity builds them ----

github := "https://token.actions.githubusercontent.com"

# A GitHub Actions job of octo-org/app: no groups (GitHub tokens carry none), its repository in the claims.
ci_job := {
	"id": "github:101/202:ref:refs/heads/main",
	"type": "ci_job",
	"issuer": github,
	"groups": [],
	"roles": [],
	"claims": {"repository": "octo-org/app"},
}

# The data a deployment would ship in writ/config/postgres/data.json.
ci_config := {"ci_schemas_by_repository": {"octo-org/app": "app_ci"}}

alice := {"id": "entra:t1:alice", "type": "user", "groups": ["db-readers"], "roles": [], "claims": {}}

human_writer := {"id": "entra:t1:bob", "type": "user", "groups": ["db-writers"], "roles": [], "claims": {}}

pii_analyst := {"id": "entra:t1:carol", "type": "user", "groups": ["db-readers", "pii-readers"], "roles": [], "claims": {}}

writer_app := {"id": "entra:t1:oid-42", "type": "service_principal", "groups": ["db-writers"], "roles": [], "claims": {}}

writer_mi := {"id": "entra:t1:oid-43", "type": "managed_identity", "groups": ["db-writers"], "roles": [], "claims": {}}

reader_app := {"id": "entra:t1:oid-44", "type": "service_principal", "groups": ["db-readers"], "roles": [], "claims": {}}

admin_identity := {"id": "entra:t1:oid-7", "type": "managed_identity", "groups": ["db-admins"], "roles": [], "claims": {}}

# ---- inputs ----

rel(name, access) := {"name": name, "access": access}

on(resource_attributes, p, op, effects, rels) := {
	"version": 1,
	"principal": p,
	"enforcer": {"id": "pg-1", "kind": "postgres"},
	"resource": {"name": "orders-db", "kind": "postgres", "attributes": resource_attributes},
	"action": {"kind": "statement", "sql": {"text": "...", "operation": op, "effects": effects, "relations": rels, "functions": []}},
	"context": {"approvals": []},
}

# A statement on a database that is not production, and on one that is.
stmt(p, op, effects, rels) := on({}, p, op, effects, rels)

prod(p, op, effects, rels) := on({"environment": "production"}, p, op, effects, rels)

connect(p) := {"version": 1, "principal": p, "resource": {"name": "orders-db", "kind": "postgres", "attributes": {}}, "action": {"kind": "connect"}}

with_functions(i, fs) := object.union(i, {"action": {"sql": {"functions": fs}}})

approved_by_owner(i) := object.union(i, {"context": {"approvals": [{"id": "apr-1", "decision_id": "d-1", "status": "approved", "approved_by": ["dana"]}]}})

decide(i) := d if {
	d := postgres.decision with input as i with data.writ.config.postgres as ci_config
}

decide_with(i, cfg) := d if {
	d := postgres.decision with input as i with data.writ.config.postgres as cfg
}

# The reason of rule `rule` is among the decision's reasons.
names_rule(d, rule) if {
	some r in d.reasons
	startswith(r, concat("", [rule, ": "]))
}

denied_by(d, rule) if {
	d.allow == false
	not d.require_approval
	names_rule(d, rule)
}

# ---- connect ----

test_reader_may_connect if decide(connect(alice)).allow == true

test_unknown_group_may_not_connect if {
	d := decide(connect(object.union(alice, {"groups": ["marketing"]})))
	denied_by(d, "no_grant")
	"no_grant: no grant covers this action for this principal" in d.reasons
}

test_ci_job_with_a_schema_may_connect_without_groups if decide(connect(ci_job)).allow == true

test_ci_job_without_a_schema_or_groups_may_not_connect if {
	d := decide(connect(object.union(ci_job, {"claims": {"repository": "octo-org/other"}})))
	denied_by(d, "no_grant")
}

test_repository_claim_from_an_untrusted_issuer_gives_no_schema if {
	d := decide(connect(object.union(ci_job, {"issuer": "https://ci.example.com"})))
	denied_by(d, "no_grant")
}

test_null_principal_may_not_connect if {
	d := decide({"version": 1, "principal": null, "action": {"kind": "connect"}})
	d.allow == false
}

# ---- plain grants ----

test_reader_select_allowed_and_masked if {
	d := decide(stmt(alice, "select", ["read"], [rel("public.orders", "read")]))
	d.allow == true
	"allowed: select by entra:t1:alice" in d.reasons
	{"column": "email", "strategy": "partial"} in d.mask
}

test_reader_may_not_write if {
	d := decide(stmt(alice, "delete", ["write"], [rel("public.orders", "write")]))
	denied_by(d, "no_grant")
}

test_writer_may_write if {
	d := decide(stmt(writer_app, "update", ["write"], [rel("public.orders", "write")]))
	d.allow == true
	not d.require_approval
}

test_reader_may_not_run_ddl if denied_by(decide(stmt(alice, "create", ["ddl"], [rel("public.t", "ddl")])), "no_grant")

test_unknown_operation_is_not_granted if denied_by(decide(stmt(admin_identity, "checkpoint", [], [])), "no_grant")

# ---- CI jobs: their own schema only ----

test_ci_job_reads_and_writes_its_schema if {
	decide(stmt(ci_job, "select", ["read"], [rel("app_ci.builds", "read")])).allow == true
	decide(stmt(ci_job, "insert", ["write"], [rel("app_ci.builds", "write")])).allow == true
	decide(stmt(ci_job, "update", ["write"], [rel("app_ci.builds", "write")])).allow == true
	decide(stmt(ci_job, "delete", ["write"], [rel("app_ci.builds", "write")])).allow == true
	decide(stmt(ci_job, "begin", [], [])).allow == true
	decide(stmt(ci_job, "select", ["read"], [])).allow == true
}

test_ci_job_may_not_read_another_schema if {
	d := decide(stmt(ci_job, "select", ["read"], [rel("public.orders", "read")]))
	denied_by(d, "ci_schema")
	some r in d.reasons
	contains(r, "has its schema app_ci; it may not use public.orders")
}

test_ci_job_may_not_write_another_schema if {
	denied_by(decide(stmt(ci_job, "insert", ["write"], [rel("billing.invoices", "write")])), "ci_schema")
}

test_ci_multi_relation_statement_names_only_foreign_relations if {
	# insert into app_ci.copy select * from billing.invoices join app_ci.builds ...
	d := decide(stmt(ci_job, "insert", ["read", "write"], [rel("app_ci.copy", "write"), rel("billing.invoices", "read"), rel("app_ci.builds", "read")]))
	denied_by(d, "ci_schema")
	some r in d.reasons
	endswith(r, "it may not use billing.invoices (write schema-qualified names: writ does not know the session's search_path)")
}

test_ci_job_must_qualify_names if denied_by(decide(stmt(ci_job, "select", ["read"], [rel("builds", "read")])), "ci_schema")

test_ci_job_quoted_or_database_qualified_names_refused if {
	denied_by(decide(stmt(ci_job, "select", ["read"], [rel("\"app_ci.x\".builds", "read")])), "ci_schema")
	denied_by(decide(stmt(ci_job, "select", ["read"], [rel("test.app_ci.builds", "read")])), "ci_schema")
}

test_ci_job_reads_catalogs_but_not_value_samples if {
	decide(stmt(ci_job, "select", ["read"], [rel("pg_catalog.pg_class", "read"), rel("information_schema.columns", "read")])).allow == true
	denied_by(decide(stmt(ci_job, "select", ["read"], [rel("pg_catalog.pg_stats", "read")])), "ci_schema")
	denied_by(decide(stmt(ci_job, "update", ["write"], [rel("pg_catalog.pg_class", "write")])), "ci_schema")
}

test_ci_job_may_not_call_functions_of_other_schemas if {
	i := stmt(ci_job, "select", ["read"], [rel("app_ci.builds", "read")])
	decide(with_functions(i, ["now", "pg_catalog.lower", "app_ci.next_build"])).allow == true
	d := decide(with_functions(i, ["billing.export_all"]))
	denied_by(d, "ci_schema")
	some r in d.reasons
	endswith(r, "it may not call billing.export_all")
}

test_ci_job_groups_do_not_widen_its_schema if {
	p := object.union(ci_job, {"groups": ["db-writers"]})
	denied_by(decide(stmt(p, "update", ["write"], [rel("public.orders", "write")])), "ci_schema")
}

test_ci_job_without_a_schema_may_run_relation_free_statements_its_groups_grant if {
	p := object.union(ci_job, {"claims": {"repository": "octo-org/unmapped"}, "groups": ["db-readers"]})
	decide(stmt(p, "select", ["read"], [])).allow == true
	d := decide(stmt(p, "select", ["read"], [rel("app_ci.builds", "read")]))
	denied_by(d, "ci_schema")
	some r in d.reasons
	contains(r, "has no schema of its own")
}

test_ci_job_gets_no_ddl_in_its_schema if denied_by(decide(stmt(ci_job, "create", ["ddl"], [rel("app_ci.t", "ddl")])), "no_grant")

test_ci_repository_match_ignores_case if decide(stmt(object.union(ci_job, {"claims": {"repository": "Octo-Org/App"}}), "select", ["read"], [rel("app_ci.builds", "read")])).allow == true

test_ci_schema_by_principal_id if {
	gitlab := {"id": "gitlab:project-9", "type": "ci_job", "issuer": "https://gitlab.example.com", "groups": [], "roles": [], "claims": {}}
	cfg := {"ci_schemas_by_principal": {"gitlab:project-9": "gl_ci"}}
	decide_with(stmt(gitlab, "insert", ["write"], [rel("gl_ci.runs", "write")]), cfg).allow == true
	denied_by(decide_with(stmt(gitlab, "insert", ["write"], [rel("app_ci.builds", "write")]), cfg), "ci_schema")
}

test_ci_job_on_production_needs_no_approval_in_its_schema if {
	d := decide(prod(ci_job, "insert", ["write"], [rel("app_ci.builds", "write")]))
	d.allow == true
	not d.require_approval
}

# ---- refused whatever the grants, each with its rule ----

test_drop_denied_even_for_admin if {
	d := decide(stmt(admin_identity, "drop", ["ddl"], [rel("public.orders", "ddl")]))
	denied_by(d, "destructive_ddl")
	"destructive_ddl: DROP is forbidden through writ" in d.reasons
}

test_drop_in_own_schema_denied_for_ci if denied_by(decide(stmt(ci_job, "drop", ["ddl"], [rel("app_ci.builds", "ddl")])), "destructive_ddl")

test_truncate_denied if {
	d := decide(stmt(admin_identity, "truncate", ["ddl", "write"], [rel("public.orders", "write")]))
	"destructive_ddl: TRUNCATE is forbidden through writ" in d.reasons
	denied_by(d, "destructive_ddl")
}

test_alter_system_denied if {
	d := decide(stmt(admin_identity, "alter_system", ["alter_system", "ddl"], []))
	denied_by(d, "server_configuration")
}

test_copy_program_denied if {
	d := decide(stmt(writer_app, "copy_from", ["copy_program", "write"], [rel("public.orders", "write")]))
	denied_by(d, "copy_program")
	"copy_program: COPY ... PROGRAM is forbidden through writ (statement effect 'copy_program')" in d.reasons
}

test_copy_to_server_file_denied if denied_by(decide(stmt(writer_app, "copy_to", ["copy_file", "read"], [rel("public.orders", "read")])), "server_files")

test_do_block_denied_even_for_admin if {
	d := decide(stmt(admin_identity, "do", ["do_block", "dynamic_sql"], []))
	denied_by(d, "dynamic_sql")
	"dynamic_sql: DO blocks are forbidden through writ (statement effect 'do_block')" in d.reasons
}

test_prepare_and_execute_of_dynamic_text_denied if {
	denied_by(decide(stmt(writer_app, "prepare", ["dynamic_sql", "write"], [rel("public.orders", "write")])), "dynamic_sql")
	denied_by(decide(stmt(writer_app, "execute", ["dynamic_sql"], [])), "dynamic_sql")
}

test_sql_from_text_functions_denied if denied_by(decide(stmt(writer_app, "select", ["dynamic_sql", "function_call"], [])), "dangerous_function")

test_set_role_denied if {
	denied_by(decide(stmt(admin_identity, "set_role", ["set_role"], [])), "role_switch")
	denied_by(decide(stmt(admin_identity, "set_session_authorization", ["set_session_authorization"], [])), "role_switch")
}

test_search_path_changes_denied if {
	d := decide(stmt(alice, "set", ["set_search_path"], []))
	denied_by(d, "search_path")
	# ALTER ROLE ... SET search_path is reported with the same effect.
	denied_by(decide(stmt(admin_identity, "alter", ["ddl", "set_search_path"], [])), "search_path")
}

test_other_settings_allowed if decide(stmt(alice, "set", [], [])).allow == true

test_server_code_denied if {
	denied_by(decide(stmt(admin_identity, "load", ["load"], [])), "server_code")
	denied_by(decide(stmt(admin_identity, "create", ["create_extension", "ddl"], [])), "server_code")
}

test_parsing_options_denied if denied_by(decide(stmt(alice, "set", ["set_parsing_option"], [])), "parsing_option")

test_update_without_where_denied if {
	d := decide(stmt(human_writer, "update", ["update_without_where", "write"], [rel("public.orders", "write")]))
	denied_by(d, "unbounded_write")
	"unbounded_write: UPDATE without WHERE is forbidden (statement effect 'update_without_where')" in d.reasons
}

test_delete_without_where_denied_even_in_own_ci_schema if {
	denied_by(decide(stmt(ci_job, "delete", ["delete_without_where", "write"], [rel("app_ci.builds", "write")])), "unbounded_write")
}

test_cte_that_deletes_is_a_delete if {
	# with gone as (delete from public.orders where id = 1 returning *) select * from gone
	i := stmt(alice, "delete", ["read", "write"], [rel("public.orders", "write")])
	denied_by(decide(i), "no_grant")
	decide(stmt(human_writer, "delete", ["read", "write"], [rel("public.orders", "write")])).allow == true
}

test_cte_that_deletes_everything_denied if {
	# with gone as (delete from public.orders returning *) select count(*) from gone
	d := decide(stmt(human_writer, "delete", ["delete_without_where", "read", "write"], [rel("public.orders", "write")]))
	denied_by(d, "unbounded_write")
}

test_unparsable_statement_denied if {
	i := object.union(stmt(writer_app, "unknown", [], []), {"action": {"sql": {"parse_error": "syntax error at or near \"SELEC\""}}})
	d := decide(i)
	denied_by(d, "unclassified")
	"unclassified: statement could not be classified: syntax error at or near \"SELEC\"" in d.reasons
}

test_statement_without_sql_denied if {
	d := decide({"version": 1, "principal": admin_identity, "action": {"kind": "statement"}})
	denied_by(d, "unclassified")
}

test_secret_catalogs_denied if {
	denied_by(decide(stmt(admin_identity, "select", ["read"], [rel("pg_catalog.pg_authid", "read")])), "secret_catalog")
	denied_by(decide(stmt(admin_identity, "select", ["read"], [rel("pg_shadow", "read")])), "secret_catalog")
}

test_wrong_version_denied if {
	i := object.union(stmt(writer_app, "select", ["read"], []), {"version": 2})
	denied_by(decide(i), "version")
}

test_every_failing_rule_is_reported if {
	d := decide(stmt(ci_job, "delete", ["delete_without_where", "write"], [rel("public.orders", "write")]))
	names_rule(d, "unbounded_write")
	names_rule(d, "ci_schema")
}

# ---- approvals: service principals writing production tables ----

test_service_principal_write_to_production_held_for_db_owners if {
	d := decide(prod(writer_app, "update", ["write"], [rel("public.orders", "write")]))
	d.allow == false
	d.require_approval.approvers == ["db-owners"]
	d.require_approval.ttl == "15m"
	d.require_approval.reason == "production_write: a write by a service principal to production table public.orders"
	"needs approval by db-owners: production_write: a write by a service principal to production table public.orders" in d.reasons
}

test_managed_identity_write_to_production_held if {
	d := decide(prod(writer_mi, "insert", ["write"], [rel("public.orders", "write")]))
	d.require_approval.approvers == ["db-owners"]
}

test_approved_production_write_runs if {
	d := decide(approved_by_owner(prod(writer_app, "update", ["write"], [rel("public.orders", "write")])))
	d.allow == true
	not d.require_approval
	"approved: production_write: a write by a service principal to production table public.orders" in d.reasons
}

test_only_an_approved_approval_counts if {
	i := object.union(prod(writer_app, "update", ["write"], [rel("public.orders", "write")]), {"context": {"approvals": [{"id": "apr-1", "status": "rejected"}]}})
	decide(i).require_approval
}

test_service_principal_reads_production_without_approval if {
	d := decide(prod(writer_app, "select", ["read", "row_lock", "write"], [rel("public.orders", "write")]))
	d.allow == true
	not d.require_approval
}

test_service_principal_write_outside_production_not_held if {
	d := decide(stmt(writer_app, "insert", ["write"], [rel("public.orders", "write")]))
	d.allow == true
	not d.require_approval
}

test_humans_write_production_without_approval if {
	d := decide(prod(human_writer, "update", ["write"], [rel("public.orders", "write")]))
	d.allow == true
	not d.require_approval
}

test_production_cte_that_deletes_is_held if {
	# with gone as (delete from public.orders where id = 1 returning id) select * from public.audit join gone ...
	d := decide(prod(writer_app, "delete", ["read", "write"], [rel("public.orders", "write"), rel("public.audit", "read")]))
	d.require_approval.reason == "production_write: a write by a service principal to production table public.orders"
}

test_multi_relation_production_write_names_each_table if {
	d := decide(prod(writer_app, "insert", ["read", "write"], [rel("public.orders", "write"), rel("public.order_lines", "write"), rel("public.carts", "read")]))
	d.require_approval.reason == "production_write: a write by a service principal to production table public.order_lines, public.orders"
}

test_no_approval_offered_without_a_grant if {
	d := decide(prod(reader_app, "update", ["write"], [rel("public.orders", "write")]))
	denied_by(d, "no_grant")
}

test_no_approval_offered_for_a_denied_statement if {
	d := decide(prod(writer_app, "update", ["update_without_where", "write"], [rel("public.orders", "write")]))
	denied_by(d, "unbounded_write")
	# And an approval does not lift a denial.
	denied_by(decide(approved_by_owner(prod(writer_app, "update", ["update_without_where", "write"], [rel("public.orders", "write")]))), "unbounded_write")
}

test_production_by_resource_name if {
	cfg := {"production_resources": ["orders-db"]}
	decide_with(stmt(writer_app, "update", ["write"], [rel("public.orders", "write")]), cfg).require_approval
}

test_production_by_schema if {
	cfg := {"production_schemas": ["sales"]}
	decide_with(stmt(writer_app, "update", ["write"], [rel("sales.orders", "write")]), cfg).require_approval
	d := decide_with(stmt(writer_app, "update", ["write"], [rel("scratch.orders", "write")]), cfg)
	d.allow == true
	not d.require_approval
}

test_unqualified_names_count_as_production_when_production_schemas_exist if {
	cfg := {"production_schemas": ["sales"]}
	decide_with(stmt(writer_app, "update", ["write"], [rel("orders", "write")]), cfg).require_approval
	decide(stmt(writer_app, "update", ["write"], [rel("orders", "write")])).allow == true
}

test_other_environments_are_not_production if {
	d := decide(on({"environment": "staging"}, writer_app, "update", ["write"], [rel("public.orders", "write")]))
	d.allow == true
	not d.require_approval
}

test_ddl_by_machine_admin_needs_approval if {
	d := decide(stmt(admin_identity, "create", ["ddl"], [rel("public.t", "ddl")]))
	d.allow == false
	d.require_approval.approvers == ["db-owners"]
	d.require_approval.reason == "machine_ddl: DDL by a non-human identity"
}

test_ddl_approved_runs if {
	d := decide(approved_by_owner(stmt(admin_identity, "alter", ["ddl"], [rel("public.t", "ddl")])))
	d.allow == true
	not d.require_approval
}

test_ddl_by_human_admin_runs if {
	p := object.union(alice, {"groups": ["db-admins"]})
	decide(stmt(p, "create", ["ddl"], [rel("public.t", "ddl")])).allow == true
}

test_approvers_and_ttl_from_data if {
	d := decide_with(prod(writer_app, "update", ["write"], [rel("public.orders", "write")]), {"approvers": ["dba"], "approval_ttl": "5m"})
	d.require_approval == {"approvers": ["dba"], "reason": "production_write: a write by a service principal to production table public.orders", "ttl": "5m"}
}

# ---- masking: emails and card numbers outside pii-readers ----

test_masked_outside_pii_readers if {
	d := decide(stmt(alice, "select", ["read"], [rel("public.orders", "read")]))
	{"detector": "email", "strategy": "redact"} in d.mask
	{"detector": "card", "strategy": "redact"} in d.mask
	{"column": "email", "strategy": "partial"} in d.mask
	{"column": "card_number", "strategy": "partial"} in d.mask
}

test_admins_are_masked_too if {
	d := decide(stmt(admin_identity, "select", ["read"], [rel("public.orders", "read")]))
	{"detector": "card", "strategy": "redact"} in d.mask
}

test_ci_jobs_are_masked if {
	d := decide(stmt(ci_job, "select", ["read"], [rel("app_ci.builds", "read")]))
	{"detector": "email", "strategy": "redact"} in d.mask
}

test_pii_readers_see_unmasked_data if {
	d := decide(stmt(pii_analyst, "select", ["read"], [rel("public.orders", "read")]))
	d.allow == true
	d.mask == []
}

test_connect_has_no_mask if decide(connect(alice)).mask == []

test_masked_columns_from_data if {
	d := decide_with(stmt(alice, "select", ["read"], []), {"masked_columns": ["contact"], "mask_detectors": []})
	d.mask == [{"column": "contact", "strategy": "partial"}]
}

# ---- configuration ----

test_config_override_from_data if {
	d := decide_with(stmt(alice, "delete", ["write"], [rel("public.orders", "write")]), {"writers": ["db-readers"]})
	d.allow == true
}

# ---- more edges ----

test_ci_job_without_a_schema_reads_catalogs_its_groups_grant if {
	p := object.union(ci_job, {"claims": {"repository": "octo-org/unmapped"}, "groups": ["db-readers"]})
	decide(stmt(p, "select", ["read"], [rel("pg_catalog.pg_class", "read")])).allow == true
}

test_held_statement_is_masked_too if {
	d := decide(prod(writer_app, "update", ["read", "write"], [rel("public.orders", "write")]))
	d.require_approval
	{"detector": "email", "strategy": "redact"} in d.mask
}

test_an_approval_does_not_replace_a_grant if {
	denied_by(decide(approved_by_owner(prod(reader_app, "update", ["write"], [rel("public.orders", "write")]))), "no_grant")
}

test_statement_with_null_principal_denied if {
	d := decide(object.union(stmt(alice, "select", ["read"], []), {"principal": null}))
	denied_by(d, "no_grant")
}

test_function_call_message_denied if {
	d := decide(stmt(writer_app, "function_call", ["function_call"], []))
	denied_by(d, "dangerous_function")
}

test_decision_shape_is_the_contract if {
	d := decide(stmt(alice, "select", ["read"], []))
	object.keys(d) == {"allow", "reasons", "mask"}
	h := decide(prod(writer_app, "update", ["write"], [rel("public.orders", "write")]))
	object.keys(h) == {"allow", "reasons", "mask", "require_approval"}
	object.keys(h.require_approval) == {"approvers", "reason", "ttl"}
}
