#!/usr/bin/env bash
# Makes sure the PostgreSQL the tests use (127.0.0.1:5432, user postgres, database
# test) is up; starts the local cluster when it is down. Fails loudly otherwise.
set -euo pipefail

ready() { pg_isready -q -h 127.0.0.1 -p 5432 -U postgres 2>/dev/null; }

if ! command -v pg_isready >/dev/null 2>&1; then
  echo "PostgreSQL client tools are not installed; the tests need PostgreSQL on 127.0.0.1:5432" >&2
  exit 1
fi
if ! ready; then
  if command -v pg_ctlcluster >/dev/null 2>&1; then
    version=$(ls /etc/postgresql | sort -V | tail -n 1)
    pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  fi
  for _ in $(seq 1 30); do ready && break; sleep 1; done
fi
if ! ready; then
  echo "PostgreSQL is not reachable on 127.0.0.1:5432" >&2
  exit 1
fi
psql -h 127.0.0.1 -U postgres -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = 'test'" | grep -q 1 \
  || psql -h 127.0.0.1 -U postgres -d postgres -c "CREATE DATABASE test"
