// Source column names for result columns: RowDescription carries each column's table OID and attribute number, and
// writ looks the attribute's name up in pg_attribute (its own connection, writ's credential, cached), so that column
// mask rules hold for `select email as e` and for views, not only for columns shown under their own name.
import pg from 'pg';
import type { UpstreamConfig } from './config.ts';

// Renames are rare; a stale entry for a minute errs on the side of the old name, which the alias check backs up.
const TTL_MS = 60_000;
const MAX_ENTRIES = 10_000;

export interface ColumnRef {
  tableOid: number;
  attnum: number;
}

export class CatalogResolver {
  private client: pg.Client | undefined;
  private connecting: Promise<pg.Client> | undefined;
  private readonly cache = new Map<string, { name: string; at: number }>();

  constructor(
    private readonly upstream: UpstreamConfig,
    private readonly now: () => number = Date.now,
  ) {}

  /** The names as names() gives them, when every one is cached (no lookup needed); otherwise undefined. */
  cached(refs: readonly ColumnRef[]): Map<string, string> | undefined {
    const out = new Map<string, string>();
    return this.fromCache(refs, out, undefined) ? out : undefined;
  }

  // Puts the cached names in `out` and the others in `missing`; true when none is missing.
  private fromCache(refs: readonly ColumnRef[], out: Map<string, string>, missing: ColumnRef[] | undefined): boolean {
    const t = this.now();
    let all = true;
    for (const r of refs) {
      if (r.tableOid === 0 || r.attnum <= 0) continue;
      const k = `${r.tableOid}:${r.attnum}`;
      const hit = this.cache.get(k);
      if (hit && t - hit.at < TTL_MS) out.set(k, hit.name);
      else {
        all = false;
        if (!missing) return false;
        missing.push(r);
      }
    }
    return all;
  }

  /** Names of the given (table OID, attribute) pairs; pairs that are not table columns are absent. Throws when the lookup fails. */
  async names(refs: readonly ColumnRef[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    const missing: ColumnRef[] = [];
    const t = this.now();
    if (this.fromCache(refs, out, missing)) return out;
    const c = await this.connection();
    const res = await c.query<{ attrelid: number; attnum: number; attname: string }>(
      'select attrelid::int8 as attrelid, attnum::int4 as attnum, attname::text as attname from pg_catalog.pg_attribute where (attrelid, attnum) in (select * from unnest($1::oid[], $2::int2[]))',
      [missing.map((m) => m.tableOid), missing.map((m) => m.attnum)],
    );
    for (const row of res.rows) {
      const k = `${Number(row.attrelid)}:${row.attnum}`;
      out.set(k, row.attname);
      if (this.cache.size >= MAX_ENTRIES) this.cache.delete(this.cache.keys().next().value!);
      this.cache.set(k, { name: row.attname, at: t });
    }
    return out;
  }

  private connection(): Promise<pg.Client> {
    if (this.client) return Promise.resolve(this.client);
    this.connecting ??= (async () => {
      const u = this.upstream;
      const c = new pg.Client({ host: u.host, port: u.port, user: u.user, database: u.database, password: u.password, application_name: 'writ-catalog', connectionTimeoutMillis: u.connectTimeoutMs ?? 5000 });
      c.on('error', () => {
        // A broken catalog connection is replaced at the next lookup.
        if (this.client === c) this.client = undefined;
      });
      try {
        await c.connect();
        this.client = c;
        return c;
      } finally {
        this.connecting = undefined;
      }
    })();
    return this.connecting;
  }

  async close(): Promise<void> {
    const c = this.client;
    this.client = undefined;
    await c?.end().catch(() => undefined);
  }
}
