#!/usr/bin/env bash
# The cached PostgreSQL + Redis path (one JVM, near-cache on), variants alternating, wrk 2 threads, 64 connections,
# 20 s after 10 s of warm-up:
#   bench/cached-tail.sh                     every role, then without the analytics role (events then wait in the
#                                            HTTP node's outbox, and are dropped and counted once it is full)
#   VARIANTS="default RECSERVE_X=1+RECSERVE_Y=2" bench/cached-tail.sh    every role, with these settings per variant
# PostgreSQL at 127.0.0.1:5432 (database test, schema bench_tail) and Redis (database 6) as on this machine.
set -uo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk"; exit 2; }
data=$(mktemp -d)
trap 'rm -rf "$data"' EXIT
port=18777
run() { # $1 label (env assignments joined by +), rest: args
  local label=$1; shift
  local extra=(); [[ $label == *=* ]] && IFS=+ read -ra extra <<< "$label"
  redis-cli -n 6 flushdb >/dev/null
  env RECSERVE_HTTP_PORT=$port RECSERVE_MOVIELENS=${RECSERVE_MOVIELENS:-$here/../shared/data/movielens/ml-latest-small} RECSERVE_CACHE_ENABLED=true RECSERVE_DATA_DIR=$data \
    RECSERVE_PG_URL=postgresql://postgres@127.0.0.1:5432/test RECSERVE_PG_SCHEMA=bench_tail RECSERVE_REDIS_URL=redis://127.0.0.1:6379/6 "${extra[@]}" ./recserve run "$@" > "$data/$label.log" 2>&1 & pid=$!
  for i in $(seq 1 300); do [[ $(curl -s -o /dev/null -w '%{http_code}' -m 2 -XPOST -H 'content-type: application/json' -d '{"user_id":1}' 127.0.0.1:$port/recommend) == 200 ]] && break; sleep 1; done
  wrk -t2 -c64 -d10s -s ../shared/bench/seed-python/recommend.lua http://127.0.0.1:$port > /dev/null
  echo "$label $(wrk -t2 -c64 -d20s --latency -s ../shared/bench/seed-python/recommend.lua http://127.0.0.1:$port | sed -n 's/^RESULT_JSON //p' | python3 -c 'import json,sys; d=json.load(sys.stdin); print(round(d["rps"]), "req/s p50", d["p50_ms"], "p99", d["p99_ms"], "non2xx", d["non2xx"])')"
  kill $pid; wait $pid 2>/dev/null
}
for r in 1 2; do
  if [[ -n ${VARIANTS:-} ]]; then
    for v in $VARIANTS; do run "$v"; done
  else
    run default
    run no-analytics --roles http,embedding,ann,cache
  fi
done
