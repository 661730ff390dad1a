#!/usr/bin/env bash
# Benchmark: pgbench select-only against PostgreSQL directly, through pgbouncer, and through writ's PostgreSQL
# enforcer (writ serve + writ enforce postgres: one HTTP decision and one log record per statement), in one run.
# Checks the tools (installs pgbouncer when absent), then hands over to pg.bench.ts, which runs and reports.
# Usage: test/bench/pg.bench.sh [--duration SECONDS] [--idle N]      (env PGHOST/PGPORT/PGUSER: the database, trust auth)
# More env: PG_BENCH_TARGETS=direct,pgbouncer,node-pipe,writ-serve,writ-process,writ  PG_BENCH_CLIENTS=1,10
#           PG_BENCH_PROTOCOL=simple|extended|prepared  PG_BENCH_PROFILE=DIR (V8 profile of writ serve)  PG_BENCH_NODE_FLAGS=...
# Exit status: 0 when every run completed (missed targets are reported, not failures); non-zero when it could not run.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"

need() { command -v "$1" >/dev/null 2>&1 || { echo "pg.bench: $1 not found ($2)" >&2; exit 2; }; }
need node "Node 20+"
need pgbench "apt-get install postgresql-client"
need psql "apt-get install postgresql-client"

if ! command -v pgbouncer >/dev/null 2>&1 && [ ! -x /usr/sbin/pgbouncer ]; then
  echo "pg.bench: pgbouncer not installed; installing it with apt-get" >&2
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq >&2 || { echo "pg.bench: apt-get update failed" >&2; exit 2; }
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq pgbouncer >&2 || { echo "pg.bench: cannot install pgbouncer" >&2; exit 2; }
  # The package starts a system pgbouncer on 6432; the benchmark runs its own, so leave the system one as the admin set it.
fi

cd "$root"
exec node bin/run-ts.js test/bench/pg.bench.ts "$@"
