#!/usr/bin/env bash
# Measures the frago CLI against the default server (Express + SQLite + disk) on this
# machine: a whole upload of a SIZE-MiB random file, the same file sent by the curl
# script (the baseline, measured in the same run), and an upload interrupted with
# SIGINT (Ctrl-C) after INTERRUPT seconds, then resumed by running the same command.
# Prints the CLI's own lines and MiB/s figures. Needs `pnpm run build` first.
#
#   bash bench/cli-upload.sh [SIZE_MIB=1024] [INTERRUPT_SECONDS=8] [PARALLEL=4]
set -euo pipefail
cd "$(dirname "$0")/.."

SIZE_MIB=${1:-1024}
INTERRUPT=${2:-8}
PARALLEL=${3:-4}
WORK=$(mktemp -d /tmp/frago-bench-XXXXXX)
PORT=$((20000 + RANDOM % 20000))
URL="http://127.0.0.1:$PORT/upload"
CLI=(node packages/client/dist/cli/main.js)

cleanup() {
  [ -n "${SERVER_PID:-}" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT

head -c "$((SIZE_MIB * 1024 * 1024))" /dev/urandom > "$WORK/file.bin"
PORT=$PORT FRAGO_DATA_DIR="$WORK/data" node examples/default-server/dist/server.js > "$WORK/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 50); do grep -q listening "$WORK/server.log" && break; sleep 0.2; done

mib_per_s() { awk -v bytes="$1" -v ms="$2" 'BEGIN { printf "%.1f", bytes / 1048576 / (ms / 1000) }'; }
now_ms() { date +%s%3N; }

echo "== frago upload, ${SIZE_MIB} MiB, --parallel $PARALLEL"
start=$(now_ms)
"${CLI[@]}" upload "$WORK/file.bin" --url "$URL" --parallel "$PARALLEL" --state "$WORK/state-1.json"
cli_ms=$(( $(now_ms) - start ))

echo "== curl-upload.sh (baseline), same file, 8 MiB chunks, $PARALLEL at a time"
start=$(now_ms)
bash examples/default-server/curl-upload.sh "$WORK/file.bin" "$URL" 8388608 "$PARALLEL" | tail -n 1
curl_ms=$(( $(now_ms) - start ))

echo "== frago upload interrupted with SIGINT after ${INTERRUPT} s, then the same command again"
"${CLI[@]}" upload "$WORK/file.bin" --url "$URL" --parallel "$PARALLEL" --state "$WORK/state-2.json" &
pid=$!
sleep "$INTERRUPT"
kill -INT "$pid" 2>/dev/null || echo "(the upload finished before the interrupt; use a shorter INTERRUPT_SECONDS)"
set +e
wait "$pid"
echo "exit status: $?"
set -e
start=$(now_ms)
"${CLI[@]}" upload "$WORK/file.bin" --url "$URL" --parallel "$PARALLEL" --state "$WORK/state-2.json"
resume_ms=$(( $(now_ms) - start ))

bytes=$((SIZE_MIB * 1024 * 1024))
echo "== figures"
echo "frago CLI: ${SIZE_MIB} MiB in ${cli_ms} ms = $(mib_per_s "$bytes" "$cli_ms") MiB/s (wall clock, start to verified)"
echo "curl baseline: ${SIZE_MIB} MiB in ${curl_ms} ms = $(mib_per_s "$bytes" "$curl_ms") MiB/s"
echo "ratio CLI/curl: $(awk -v a="$curl_ms" -v b="$cli_ms" 'BEGIN { printf "%.2f", a / b }')"
echo "resumed run: ${resume_ms} ms"
