#!/usr/bin/env bash
# A local S3-compatible server for the tests: OpenStack Swift with its s3api
# middleware, from Debian's packages, one replica, everything under one folder.
#
#   bash scripts/s3.sh start   installs Swift when missing, configures it, starts it,
#                              waits until it answers, creates the account and
#                              prints the endpoint (http://127.0.0.1:PORT)
#   bash scripts/s3.sh stop    stops what `start` started
#   bash scripts/s3.sh status  prints the endpoint when it answers, fails otherwise
#
# Credentials: access key `test:tester`, secret `testing`, region `us-east-1`.
# Settings: FRAGO_S3_DIR (default <repo>/.test-output/s3), FRAGO_S3_PORT (8480).
# Its data lives in FRAGO_S3_DIR and is wiped on every start.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
DIR=${FRAGO_S3_DIR:-$ROOT/.test-output/s3}
PORT=${FRAGO_S3_PORT:-8480}
# The storage servers and memcached sit on ports derived from the proxy's, so two
# checkouts with different FRAGO_S3_PORT values do not collide.
ACCOUNT_PORT=$((PORT + 1))
CONTAINER_PORT=$((PORT + 2))
OBJECT_PORT=$((PORT + 3))
MEMCACHED_PORT=$((PORT + 4))
ENDPOINT="http://127.0.0.1:$PORT"
SERVERS=(account container object proxy)

log() { echo "s3.sh: $*" >&2; }

healthy() { curl -fsS -m 2 "$ENDPOINT/healthcheck" >/dev/null 2>&1; }

install_swift() {
  if command -v swift-proxy-server >/dev/null && command -v swift-object-server >/dev/null \
    && command -v swift-ring-builder >/dev/null && command -v memcached >/dev/null; then
    return
  fi
  if [ "$(id -u)" != 0 ]; then
    log "Swift is not installed; run as root: apt-get install -y swift-proxy swift-account swift-container swift-object memcached"
    exit 1
  fi
  log "installing Swift and memcached from Debian"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq swift-proxy swift-account swift-container swift-object memcached >/dev/null
}

# Rings take a while to build; they are kept while this script and the ports are
# unchanged, and only the data is wiped.
write_config() {
  local conf=$DIR/conf
  local stamp
  stamp="$PORT $(sha1sum "$0" | cut -d' ' -f1)"
  rm -rf "$DIR/devices" "$DIR/log"
  mkdir -p "$DIR/devices/d1" "$DIR/run" "$DIR/log"
  if [ "$(cat "$conf/stamp" 2>/dev/null)" = "$stamp" ]; then
    return
  fi
  rm -rf "$conf"
  mkdir -p "$conf"
  cat >"$conf/swift.conf" <<EOF
[swift-hash]
swift_hash_path_suffix = frago-tests
swift_hash_path_prefix = frago

[storage-policy:0]
name = Policy-0
default = yes

[swift-constraints]
max_file_size = 5368709122
EOF
  local common="[DEFAULT]
devices = $DIR/devices
mount_check = false
bind_ip = 127.0.0.1
user = root
swift_dir = $conf
log_level = WARNING"
  for server in account container object; do
    local port_var=${server^^}_PORT
    cat >"$conf/$server-server.conf" <<EOF
$common
bind_port = ${!port_var}
workers = 1

[pipeline:main]
pipeline = $server-server

[app:$server-server]
use = egg:swift#$server
EOF
    swift-ring-builder "$conf/$server.builder" create 8 1 1 >/dev/null
    swift-ring-builder "$conf/$server.builder" add "r1z1-127.0.0.1:${!port_var}/d1" 1 >/dev/null
    swift-ring-builder "$conf/$server.builder" rebalance >/dev/null
  done
  # s3api accepts at most 1,000 parts and SLO at most 1,000 segments by default; S3
  # allows 10,000.
  cat >"$conf/proxy-server.conf" <<EOF
$common
bind_port = $PORT
workers = 2

[pipeline:main]
pipeline = catch_errors gatekeeper healthcheck proxy-logging cache listing_formats s3api tempauth copy slo dlo proxy-logging proxy-server

[app:proxy-server]
use = egg:swift#proxy
account_autocreate = true
allow_account_management = true

[filter:s3api]
use = egg:swift#s3api
location = us-east-1
max_upload_part_num = 10000
check_bucket_owner = false

[filter:tempauth]
use = egg:swift#tempauth
user_test_tester = testing .admin

[filter:slo]
use = egg:swift#slo
max_manifest_segments = 10000

[filter:dlo]
use = egg:swift#dlo

[filter:copy]
use = egg:swift#copy

[filter:cache]
use = egg:swift#memcache
memcache_servers = 127.0.0.1:$MEMCACHED_PORT

[filter:catch_errors]
use = egg:swift#catch_errors

[filter:gatekeeper]
use = egg:swift#gatekeeper

[filter:healthcheck]
use = egg:swift#healthcheck

[filter:proxy-logging]
use = egg:swift#proxy_logging

[filter:listing_formats]
use = egg:swift#listing_formats
EOF
  echo "$stamp" >"$conf/stamp"
}

start_one() {
  local name=$1
  shift
  # setsid: its own process group, so `stop` ends the server and its workers together.
  setsid "$@" >"$DIR/log/$name.log" 2>&1 </dev/null &
  echo $! >"$DIR/run/$name.pid"
}

stop_all() {
  local pidfile pid
  for pidfile in "$DIR"/run/*.pid; do
    [ -f "$pidfile" ] || continue
    pid=$(cat "$pidfile")
    kill -TERM -- "-$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL -- "-$pid" 2>/dev/null || true
    rm -f "$pidfile"
  done
}

create_account() {
  local headers token url
  headers=$(curl -fsS -m 10 -D - -o /dev/null -H 'X-Auth-User: test:tester' -H 'X-Auth-Key: testing' "$ENDPOINT/auth/v1.0")
  token=$(printf '%s' "$headers" | tr -d '\r' | awk -F': ' 'tolower($1) == "x-auth-token" { print $2 }')
  url=$(printf '%s' "$headers" | tr -d '\r' | awk -F': ' 'tolower($1) == "x-storage-url" { print $2 }')
  # CreateBucket answers 500 until the account exists.
  curl -fsS -m 10 -X POST -H "X-Auth-Token: $token" "$url" >/dev/null
}

start() {
  if healthy; then
    echo "$ENDPOINT"
    return
  fi
  install_swift
  stop_all 2>/dev/null || true
  write_config
  start_one memcached memcached -l 127.0.0.1 -p "$MEMCACHED_PORT" -U 0 -u root -m 64
  for server in "${SERVERS[@]}"; do
    start_one "$server" "swift-$server-server" "$DIR/conf/$server-server.conf"
  done
  for _ in $(seq 1 60); do
    healthy && break
    sleep 0.5
  done
  if ! healthy; then
    log "Swift did not become healthy on $ENDPOINT; its logs:"
    tail -n 20 "$DIR"/log/*.log >&2 || true
    stop_all
    exit 1
  fi
  # The storage servers may still be binding when the proxy already answers.
  for _ in $(seq 1 40); do
    create_account 2>/dev/null && break
    sleep 0.5
  done
  create_account
  echo "$ENDPOINT"
}

case "${1:-start}" in
  start) start ;;
  stop) stop_all ;;
  status)
    healthy || { log "no S3 server on $ENDPOINT"; exit 1; }
    echo "$ENDPOINT"
    ;;
  *)
    echo "usage: $0 start|stop|status" >&2
    exit 2
    ;;
esac
