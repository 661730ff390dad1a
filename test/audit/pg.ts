// The real PostgreSQL for tests: 127.0.0.1:5432, database `test`, one fresh schema per test run.
import { randomBytes } from 'node:crypto';
import { PostgresLogStore } from '../../src/audit/pg-store.ts';

export const PG_BASE = process.env.WRIT_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/test';

/** A store URL in a schema no other run uses; drop it with dropSchema(url). */
export function freshPgUrl(): string {
  return `${PG_BASE}?schema=writ_test_${process.pid}_${randomBytes(4).toString('hex')}`;
}

export async function dropSchema(url: string): Promise<void> {
  const s = new PostgresLogStore({ connectionString: url, create: false });
  await s.dropSchema();
  await s.close();
}
