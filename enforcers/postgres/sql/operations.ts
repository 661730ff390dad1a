// The operation name of a top-level statement node, and which operations are DDL or data changes.

type Fields = Record<string, unknown>;

const transactionKinds: Record<string, string> = {
  TRANS_STMT_BEGIN: 'begin',
  TRANS_STMT_START: 'begin',
  TRANS_STMT_COMMIT: 'commit',
  TRANS_STMT_ROLLBACK: 'rollback',
  TRANS_STMT_SAVEPOINT: 'savepoint',
  TRANS_STMT_RELEASE: 'release',
  TRANS_STMT_ROLLBACK_TO: 'rollback',
  TRANS_STMT_PREPARE: 'prepare_transaction',
  TRANS_STMT_COMMIT_PREPARED: 'commit_prepared',
  TRANS_STMT_ROLLBACK_PREPARED: 'rollback_prepared',
};

const fixed: Record<string, string> = {
  SelectStmt: 'select',
  InsertStmt: 'insert',
  UpdateStmt: 'update',
  DeleteStmt: 'delete',
  MergeStmt: 'merge',
  TruncateStmt: 'truncate',
  LockStmt: 'lock',
  DoStmt: 'do',
  CallStmt: 'call',
  PrepareStmt: 'prepare',
  ExecuteStmt: 'execute',
  DeallocateStmt: 'deallocate',
  ExplainStmt: 'explain',
  VariableShowStmt: 'show',
  ConstraintsSetStmt: 'set',
  DiscardStmt: 'discard',
  ListenStmt: 'listen',
  UnlistenStmt: 'unlisten',
  NotifyStmt: 'notify',
  DeclareCursorStmt: 'declare',
  ClosePortalStmt: 'close',
  CheckPointStmt: 'checkpoint',
  LoadStmt: 'load',
  AlterSystemStmt: 'alter_system',
  CommentStmt: 'comment',
  SecLabelStmt: 'security_label',
  RefreshMatViewStmt: 'refresh',
  ClusterStmt: 'cluster',
  ReindexStmt: 'reindex',
  RenameStmt: 'alter',
  ReassignOwnedStmt: 'alter',
  AlterDefaultPrivilegesStmt: 'alter',
  DefineStmt: 'create',
  CompositeTypeStmt: 'create',
  ViewStmt: 'create',
  IndexStmt: 'create',
  RuleStmt: 'create',
  ImportForeignSchemaStmt: 'create',
  CreatedbStmt: 'create',
  DropdbStmt: 'drop',
  DropOwnedStmt: 'drop',
  DropRoleStmt: 'drop',
};

// Operations that change schema, privileges or storage rather than rows (the policy's ddl_operations and more).
export const DDL_OPERATIONS = new Set([
  'create', 'alter', 'drop', 'truncate', 'grant', 'revoke', 'comment', 'security_label', 'reindex', 'vacuum',
  'analyze', 'cluster', 'refresh', 'alter_system',
]);

// How consequential a data operation is, for statements that nest others (data-modifying CTEs, COPY (query)).
const dataRank: Record<string, number> = { select: 0, copy_to: 1, insert: 2, copy_from: 2, update: 3, merge: 3, delete: 4 };

export function dataOperationRank(op: string): number | undefined {
  return dataRank[op];
}

function snake(name: string): string {
  return name
    .replace(/Stmt$/, '')
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase();
}

// The operation of one top-level node; set_role and set_session_authorization are their own operations.
export function operationOf(type: string, fields: Fields): string {
  switch (type) {
    case 'TransactionStmt':
      return transactionKinds[String(fields.kind)] ?? 'transaction';
    case 'CopyStmt':
      return fields.is_from ? 'copy_from' : 'copy_to';
    case 'GrantStmt':
    case 'GrantRoleStmt':
      return fields.is_grant ? 'grant' : 'revoke';
    case 'VacuumStmt':
      return fields.is_vacuumcmd ? 'vacuum' : 'analyze';
    case 'FetchStmt':
      return fields.ismove ? 'move' : 'fetch';
    case 'VariableSetStmt': {
      const name = String(fields.name ?? '');
      if (name === 'role') return 'set_role';
      if (name === 'session_authorization') return 'set_session_authorization';
      return fields.kind === 'VAR_RESET' || fields.kind === 'VAR_RESET_ALL' ? 'reset' : 'set';
    }
  }
  const known = fixed[type];
  if (known) return known;
  if (type.startsWith('Create')) return 'create';
  if (type.startsWith('Alter')) return 'alter';
  if (type.startsWith('Drop')) return 'drop';
  // Unknown to writ: a name policy has not granted, so it fails closed.
  return snake(type);
}
