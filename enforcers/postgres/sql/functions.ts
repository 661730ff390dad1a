// Functions whose call escapes per-statement control: server files, other sessions, configuration, SQL in strings.

// Exact names (last name component; schema does not matter, a user copy in another schema is just as suspect).
const dangerous = new Set([
  'pg_read_file', 'pg_read_binary_file', 'pg_stat_file', 'pg_logdir_ls',
  'pg_file_write', 'pg_file_rename', 'pg_file_unlink', 'pg_file_sync',
  'lo_import', 'lo_export', 'lo_unlink',
  'pg_terminate_backend', 'pg_cancel_backend', 'pg_signal_backend', 'pg_log_backend_memory_contexts',
  'pg_reload_conf', 'pg_rotate_logfile', 'pg_promote', 'pg_switch_wal', 'pg_create_restore_point',
  'pg_backup_start', 'pg_backup_stop', 'pg_start_backup', 'pg_stop_backup',
  'pg_wal_replay_pause', 'pg_wal_replay_resume', 'pg_import_system_collations',
  'pg_logical_emit_message',
  'set_config',
  'table_to_xml', 'table_to_xmlschema', 'table_to_xml_and_xmlschema',
  'schema_to_xml', 'schema_to_xmlschema', 'schema_to_xml_and_xmlschema',
  'database_to_xml', 'database_to_xmlschema', 'database_to_xml_and_xmlschema',
]);

// Name prefixes of families (dblink_*, pg_ls_*dir, replication slots and origins, stats resets, upgrade internals).
const dangerousPrefixes = [
  'dblink', 'pg_ls_', 'pg_create_logical_replication_slot', 'pg_create_physical_replication_slot',
  'pg_drop_replication_slot', 'pg_copy_logical_replication_slot', 'pg_copy_physical_replication_slot',
  'pg_logical_slot_', 'pg_replication_slot_advance', 'pg_replication_origin_', 'pg_stat_reset', 'binary_upgrade_',
];

// Functions that run SQL given as a string: what they run is invisible to the classifier.
const runsSqlText = new Set([
  'query_to_xml', 'query_to_xmlschema', 'query_to_xml_and_xmlschema', 'ts_stat', 'ts_rewrite', 'crosstab',
  'dblink', 'dblink_exec', 'dblink_open', 'dblink_send_query',
]);

export function isDangerousFunction(name: string): boolean {
  if (dangerous.has(name) || runsSqlText.has(name)) return true;
  return dangerousPrefixes.some((p) => name.startsWith(p));
}

export function runsSqlFromText(name: string): boolean {
  return runsSqlText.has(name);
}
