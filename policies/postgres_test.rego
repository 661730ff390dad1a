package writ.postgres_test

import data.writ.postgres

ci_job := {
	"id": "github:org/app:ref:refs/heads/main",
	"type": "ci_job",
	"groups": ["db-readers"],
	"roles": [],
}

writer_app := {
	"id": "entra:tenant-1:oid-42",
	"type": "service_principal",
	"groups": ["db-writers"],
	"roles": [],
}

admin_identity := {
	"id": "entra:tenant-1:oid-7",
	"type": "managed_identity",
	"groups": ["db-admins"],
	"roles": [],
}

stmt(principal, op, effects) := {
	"version": 1,
	"principal": principal,
	"enforcer": {"id": "pg-1", "kind": "postgres"},
	"resource": {"name": "orders-db", "kind": "postgres", "attributes": {}},
	"action": {"kind": "statement", "sql": {"text": "...", "operation": op, "effects": effects, "relations": []}},
	"context": {"approvals": []},
}

test_reader_may_connect if {
	d := postgres.decision with input as {"version": 1, "principal": ci_job, "action": {"kind": "connect"}}
	d.allow == true
}

test_unknown_group_may_not_connect if {
	p := object.union(ci_job, {"groups": ["other"]})
	d := postgres.decision with input as {"version": 1, "principal": p, "action": {"kind": "connect"}}
	d.allow == false
	"no grant covers this action for this principal" in d.reasons
}

test_reader_select_allowed_and_masked if {
	d := postgres.decision with input as stmt(ci_job, "select", ["read"])
	d.allow == true
	{"column": "email", "strategy": "partial"} in d.mask
}

test_reader_may_not_write if {
	d := postgres.decision with input as stmt(ci_job, "delete", ["write"])
	d.allow == false
}

test_writer_may_write if {
	d := postgres.decision with input as stmt(writer_app, "update", ["write"])
	d.allow == true
}

test_do_block_forbidden_even_for_admin if {
	d := postgres.decision with input as stmt(admin_identity, "do", ["do_block"])
	d.allow == false
	"statement effect 'do_block' is forbidden through writ" in d.reasons
}

test_copy_program_forbidden if {
	d := postgres.decision with input as stmt(writer_app, "copy_from", ["write", "copy_program"])
	d.allow == false
}

test_unparsed_statement_denied if {
	i := object.union(stmt(writer_app, "unknown", []), {"action": {"sql": {"parse_error": "syntax error at or near \"SELEC\""}}})
	d := postgres.decision with input as i
	d.allow == false
	some r in d.reasons
	startswith(r, "statement could not be classified")
}

test_ddl_by_machine_admin_needs_approval if {
	d := postgres.decision with input as stmt(admin_identity, "drop", ["ddl"])
	d.allow == false
	d.require_approval.approvers == ["db-approvers"]
}

test_ddl_approved_runs if {
	i := object.union(stmt(admin_identity, "drop", ["ddl"]), {"context": {"approvals": [{"status": "approved", "by": "alice"}]}})
	d := postgres.decision with input as i
	d.allow == true
	not d.require_approval
}

test_admin_sees_unmasked_data if {
	d := postgres.decision with input as stmt(admin_identity, "select", ["read"])
	d.allow == true
	d.mask == []
}

test_wrong_version_denied if {
	i := object.union(stmt(writer_app, "select", ["read"]), {"version": 2})
	d := postgres.decision with input as i
	d.allow == false
}

test_config_override_from_data if {
	d := postgres.decision with input as stmt(ci_job, "delete", ["write"]) with data.writ.config.postgres as {"writers": ["db-readers"]}
	d.allow == true
}
