#!/usr/bin/env bash
# Does analytics keep up? Recserve on PostgreSQL + Redis, cache on, a 20 s wrk run at full speed from an empty events
# table, then: how many events were stored by the end of the load, how long until every answer's event is stored,
# rows against answers, and the CPU PostgreSQL used meanwhile (its share of the machine).
#   bench/analytics-keeps-up.sh [seconds=20] [connections=64]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
secs=${1:-20}; conns=${2:-64}
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk"; exit 2; }
[[ -f launcher/target/recserve.jar ]] || ./recserve build
java="$(./recserve java-home)/bin/java"
db=recserve_analytics_bench
psql -h 127.0.0.1 -U postgres -qc "drop database if exists $db" >/dev/null 2>&1
psql -h 127.0.0.1 -U postgres -qc "create database $db" >/dev/null
redis-cli -n 7 flushdb >/dev/null
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
work=$(mktemp -d)
env RECSERVE_HTTP_PORT=$port RECSERVE_DATA_DIR="$work/data" RECSERVE_PG_URL="postgresql://postgres@127.0.0.1:5432/$db" \
  RECSERVE_REDIS_URL="redis://127.0.0.1:6379/7" RECSERVE_MOVIELENS="${RECSERVE_MOVIELENS:-$here/../shared/data/movielens/ml-latest-small}" \
  ./recserve run > "$work/node.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$work"' EXIT
for i in $(seq 1 300); do
  [[ $(curl -s -o /dev/null -w '%{http_code}' -XPOST -H 'content-type: application/json' -d '{"user_id":1}' "127.0.0.1:$port/recommend") == 200 ]] && break
  kill -0 $pid 2>/dev/null || { tail -5 "$work/node.log"; exit 1; }
  sleep 1
done
wrk -t2 -c"$conns" -d10s -s ../shared/bench/seed-python/recommend.lua "http://127.0.0.1:$port" > /dev/null   # warm-up
count() { psql -h 127.0.0.1 -U postgres -d $db -tAc "select count(*) from recommendation_events"; }
# The warm-up's events: stored once the count stands still for half a second; then the table starts empty.
last=-1; while c=$(count); (( c != last )); do last=$c; sleep 0.5; done
psql -h 127.0.0.1 -U postgres -d $db -qc "truncate recommendation_events"
pgcpu() { local t=0; for p in $(pgrep -x postgres || pgrep postgres); do read -r -a f < /proc/$p/stat 2>/dev/null && t=$((t + f[13] + f[14])); done; echo $t; }
cpu0=$(pgcpu); t0=$(date +%s.%N)
result=$(wrk -t2 -c"$conns" -d"${secs}s" -s ../shared/bench/seed-python/recommend.lua "http://127.0.0.1:$port" | sed -n 's/^RESULT_JSON //p')
t1=$(date +%s.%N); cpu1=$(pgcpu)
at_end=$(count)
answers=$(python3 -c "import json,sys; d=json.loads(sys.argv[1]); print(d['requests'] - d['non2xx'])" "$result")
while true; do
  c=$(count); now=$(date +%s.%N)
  if (( c >= answers )) || python3 -c "import sys; sys.exit(0 if float(sys.argv[1]) - float(sys.argv[2]) > 30 else 1)" "$now" "$t1"; then break; fi
  sleep 0.05
done
stored=$(count)
python3 - "$result" "$answers" "$at_end" "$stored" "$t0" "$t1" "$now" "$cpu0" "$cpu1" "$(getconf CLK_TCK)" "$(nproc)" "$conns" <<'PY'
import json, sys
d = json.loads(sys.argv[1]); answers, at_end, stored = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
conns = int(sys.argv[12])
t0, t1, now = map(float, sys.argv[5:8]); cpu0, cpu1, tck, cores = int(sys.argv[8]), int(sys.argv[9]), int(sys.argv[10]), int(sys.argv[11])
print(f"load: {d['rps']:.0f} answers/s for {t1 - t0:.1f} s, p99 {d['p99_ms']:.1f} ms, {d['non2xx']} non-2xx")
print(f"answers {answers}, events stored by the end of the load {at_end} (backlog {answers - at_end}), "
      f"all stored {now - t1:.2f} s after the end: rows {stored} = answers + {stored - answers}"
      + (" (requests under way when wrk stopped: answered, not counted by wrk; at most one per connection)" if 0 <= stored - answers <= conns
         else " (MISMATCH: more than one per connection, or events missing)"))
print(f"PostgreSQL used {100.0 * (cpu1 - cpu0) / tck / (t1 - t0) / cores:.1f}% of the machine's {cores} cores during the load")
PY
