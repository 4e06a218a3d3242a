#!/usr/bin/env bash
# Makes sure the MariaDB the tests use (127.0.0.1:3306, user root with an empty
# password, database test) is up: installs it from Debian when missing (as root), starts
# it when it is down, creates the database. Fails loudly otherwise.
set -euo pipefail

ready() { mariadb-admin --protocol=tcp -h 127.0.0.1 -P 3306 -u root ping >/dev/null 2>&1; }

if ! command -v mariadbd >/dev/null 2>&1 && [ ! -x /usr/sbin/mariadbd ]; then
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "MariaDB is not installed; the tests need it on 127.0.0.1:3306 (apt-get install mariadb-server)" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq mariadb-server >/dev/null
fi
if ! ready; then
  mkdir -p /run/mysqld
  chown mysql:mysql /run/mysqld 2>/dev/null || true
  start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd -- --user=mysql || true
  for _ in $(seq 1 30); do ready && break; sleep 1; done
fi
if ! ready; then
  echo "MariaDB is not reachable on 127.0.0.1:3306" >&2
  exit 1
fi
mariadb --protocol=tcp -h 127.0.0.1 -P 3306 -u root -e 'create database if not exists test'
