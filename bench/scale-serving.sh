#!/usr/bin/env bash
# Serving at scale, next to ml-latest-small in the same run. Each data set is served by three JVMs joined by Hazelcast
# on loopback (http | embedding, cache, analytics | ann), cache off, and measured for:
#   - time from start to the first answer, and each role's load time ("serving model version N (loaded in X ms)");
#   - resident memory of each JVM (VmHWM, the peak, and VmRSS after the load);
#   - uncached /recommend throughput and p99 (wrk, 2 threads, 64 connections, random users of the data set);
#   - publish under load: PacedLoad at RATE requests/s (default: half the uncached throughput just measured) while `bootstrap publish` switches to the previous version and
#     straight back (two publishes back to back); non-2xx answers and errors counted, and how long each switch took.
#   [USERS=162449] [RATE=req/s] [HEAP_HTTP=256m HEAP_BACKEND=1g HEAP_ANN=1g] bench/scale-serving.sh DATA_DIR [seconds=20]
# HEAP_<ROLE>: a fixed heap for that JVM (-Xms = -Xmx; it exits on running out), so its peak resident memory is what the role needs
# rather than what a lazily grown default heap (a quarter of memory) happened to take; a heap too small fails the run.
# DATA_DIR: a data folder holding at least two versions, the newest current (OUT=/work/scale KEEP=1 bench/pipeline.sh
# --synthetic 25000095 leaves one in /work/scale/data; train a second version with --seed 43 and publish it).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
big=$(cd "${1:?data folder}" && pwd); secs=${2:-20}
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk"; exit 2; }
./recserve build >/dev/null
./recserve mvn -q -B -DskipTests package -pl bench -am
java="$(./recserve java-home)/bin/java"
work=$(mktemp -d)
cp launcher/target/recserve.jar bench/target/benchmarks.jar "$work/"
unset RECSERVE_PG_URL RECSERVE_REDIS_URL
ML=${RECSERVE_MOVIELENS:-$here/../shared/data/movielens/ml-latest-small}
small=$work/small
"$java" --add-modules jdk.incubator.vector -jar "$work/recserve.jar" bootstrap all --movielens "$ML" --data-dir "$small" > "$work/small.log" 2>&1
"$java" --add-modules jdk.incubator.vector -jar "$work/recserve.jar" bootstrap train --seed 43 --data-dir "$small" >> "$work/small.log" 2>&1
"$java" --add-modules jdk.incubator.vector -jar "$work/recserve.jar" bootstrap publish --data-dir "$small" >> "$work/small.log" 2>&1
pids=()
stop_all() { for p in "${pids[@]:-}"; do [[ -n $p ]] && kill "$p" 2>/dev/null; done; wait 2>/dev/null || true; pids=(); }
trap 'stop_all; rm -rf "$work"' EXIT
port=18190
node() {  # $1 name, $2 roles, $3 data folder, $4 fixed heap (empty: the default)
  local heap=(); [[ -n ${4:-} ]] && heap=(-Xms"$4" -Xmx"$4" -XX:+ExitOnOutOfMemoryError)
  env RECSERVE_CACHE_ENABLED=false RECSERVE_HTTP_PORT=$port RECSERVE_DATA_DIR="$3" RECSERVE_ANN_INDEX_DIR="$work/index-$(basename "$3")-$1" \
    RECSERVE_CLUSTER_NAME="scale-$$" RECSERVE_CLUSTER_HOST=127.0.0.1 RECSERVE_CLUSTER_HAZELCAST_PORT=5951 \
    RECSERVE_CLUSTER_MEMBERS=127.0.0.1:5951,127.0.0.1:5952,127.0.0.1:5953 RECSERVE_MODEL_POLL_INTERVAL_MS=500 \
    "$java" --add-modules jdk.incubator.vector -XX:+UseZGC "${heap[@]}" -jar "$work/recserve.jar" serve --no-bootstrap --cluster --roles "$2" \
    > "$work/$1.log" 2>&1 &
  pids+=($!)
}
answers() { [[ $(curl -s -o /dev/null -w '%{http_code}' -XPOST -H 'content-type: application/json' -d '{"user_id":1}' "127.0.0.1:$port/recommend") == 200 ]]; }
rss() { awk '/VmHWM|VmRSS/ {printf "%s %d MB  ", $1, $2/1024}' "/proc/$1/status"; }
measure() {  # $1 label, $2 data folder, $3 users
  local started=$(date +%s.%N)
  node backend embedding,cache,analytics "$2" "${HEAP_BACKEND:-}"; node ann ann "$2" "${HEAP_ANN:-}"; node http http "$2" "${HEAP_HTTP:-}"
  for i in $(seq 1 600); do answers && break; sleep 0.5; done
  answers || { echo "$1: never answered"; tail -5 "$work"/*.log; exit 1; }
  printf '%s: first answer %.1f s after start\n' "$1" "$(echo "$(date +%s.%N) - $started" | bc)"
  for n in backend ann http; do
    printf '  %-8s %s %s\n' "$n" "$(grep -o '[a-z]*: serving model version [0-9]* ([0-9a-f-]*) (loaded in [0-9]* ms)' "$work/$n.log" | sed 's/serving model version \([0-9]*\) ([0-9a-f-]*)/v\1/' | tr '\n' ' ')" ""
  done
  USERS=$3 wrk -t2 -c64 -d10s -s bench/load/recommend.lua "http://127.0.0.1:$port" > /dev/null
  local result
  result=$(USERS=$3 wrk -t2 -c64 -d"${secs}s" -s bench/load/recommend.lua "http://127.0.0.1:$port" | grep '^RESULT')
  printf '  uncached: %s\n' "$result"
  local rps=${result#*rps=}; rps=${rps%% *}
  local rate=${RATE:-$(( rps / 2 ))}   # half of what this data set's uncached throughput was, so the load never queues
  local i=0
  for n in backend ann http; do printf '  %-8s %s\n' "$n" "$(rss "${pids[$i]}")"; i=$((i + 1)); done
  # Publish under load: the version before the current one, then the current one again, back to back.
  local current previous
  current=$(ls "$2/models" | grep -E '^[0-9]+$' | sort -n | tail -1); previous=$(ls "$2/models" | grep -E '^[0-9]+$' | sort -n | tail -2 | head -1)
  "$java" -cp "$work/benchmarks.jar" io.recserve.bench.PacedLoad "http://127.0.0.1:$port" "$rate" 60 "$3" > "$work/paced.log" 2>&1 &
  local load=$!
  sleep 5
  local t0=$(date +%s.%N)
  "$java" -jar "$work/recserve.jar" bootstrap publish --model-version "$previous" --data-dir "$2" > /dev/null 2>&1
  "$java" -jar "$work/recserve.jar" bootstrap publish --model-version "$current" --data-dir "$2" > /dev/null 2>&1
  wait $load
  printf '  publish %s then %s under %s req/s: %s\n' "$previous" "$current" "$rate" "$(grep '^RESULT' "$work/paced.log")"
  for n in backend ann; do
    printf '  %-8s after the publishes: %s\n' "$n" "$(grep -o '[a-z]*: serving model version [0-9]* ([0-9a-f-]*) (loaded in [0-9]* ms)\|[a-z]*: serving model version [0-9]* again' "$work/$n.log" | sed 's/serving model version \([0-9]*\) ([0-9a-f-]*)/v\1/' | tail -2 | tr '\n' ' ')"
  done
  stop_all
}
echo "$(date -u +%FT%TZ) $(nproc) cores; heaps: http ${HEAP_HTTP:-default} backend ${HEAP_BACKEND:-default} ann ${HEAP_ANN:-default}"
measure "ml-latest-small" "$small" 610
# USERS: the generator's user count at 25M
measure "$big" "$big" "${USERS:-162449}"
