// Opening a log store from one setting: a postgres:// URL (shared by replicas) or a SQLite file path.
import { SqliteLogStore, type LogStore } from './store.ts';
import { PostgresLogStore, isPostgresUrl } from './pg-store.ts';

/** `postgres://user@host:port/db?schema=name` or a SQLite file path (`sqlite:` prefix optional). */
export function openLogStore(where: string): LogStore {
  if (isPostgresUrl(where)) return new PostgresLogStore(where);
  return new SqliteLogStore(where.replace(/^sqlite:(\/\/)?/, ''));
}
