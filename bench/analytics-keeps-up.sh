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
. bench/pg-node.sh
start_pg_node $db 7
wrk -t2 -c"$conns" -d10s -s ../shared/bench/seed-python/recommend.lua "http://127.0.0.1:$port" > /dev/null   # warm-up
count() { psql -h 127.0.0.1 -U postgres -d $db -tAc "select count(*) from recommendation_events"; }
# The warm-up's events: stored once the count stands still for half a second; then the table starts empty.
last=-1; while c=$(count); (( c != last )); do last=$c; sleep 0.5; done
psql -h 127.0.0.1 -U postgres -d $db -qc "truncate recommendation_events"
pgcpu() { local t=0; for p in $(pgrep -x postgres || pgrep postgres); do read -r -a f < /proc/$p/stat 2>/dev/null && t=$((t + f[13] + f[14])); done; echo $t; }
cpu0=$(pgcpu); t0=$(date +%s.%N)
result=$(wrk -t2 -c"$conns" -d"${secs}s" -s ../shared/bench/seed-python/recommend.lua "http://127.0.0.1:$port" | sed -n 's/^RESULT_JSON //p')
t1=$(date +%s.%N); cpu1=$(pgcpu)
ts=$(date +%s.%N); at_end=$(count)
answers=$(python3 -c "import json,sys; d=json.loads(sys.argv[1]); print(d['requests'] - d['non2xx'])" "$result")
# Until every answer's event is stored, or the count has not grown for 3 s (events dropped: it never gets there), or
# 30 s. "now" is when the count last grew (the last event stored), taken as the start of the first count that saw
# it: a count sees what was committed when it started, and the count itself takes a while on a table just filled.
last=$at_end; now=$ts
while (( last < answers )); do
  ts=$(date +%s.%N); c=$(count); t=$(date +%s.%N)
  (( c != last )) && { last=$c; now=$ts; }
  if (( c >= answers )) || python3 -c "import sys; t, g, e = map(float, sys.argv[1:]); sys.exit(0 if t - g > 3 or t - e > 30 else 1)" "$t" "$now" "$t1"; then break; fi
  sleep 0.05
done
stored=$(count)
# What the node said about its outbox (full: events dropped; not confirmed: sent again after a backoff), if anything.
grep -E "WARN .*(EventOutbox|Analytics)" "$work/node.log" | sed -n '1p;$p' | cut -c1-220 || true
python3 - "$result" "$answers" "$at_end" "$stored" "$t0" "$t1" "$now" "$cpu0" "$cpu1" "$(getconf CLK_TCK)" "$(nproc)" "$conns" <<'PY'
import json, sys
d = json.loads(sys.argv[1]); answers, at_end, stored = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
conns = int(sys.argv[12])
t0, t1, now = map(float, sys.argv[5:8]); cpu0, cpu1, tck, cores = int(sys.argv[8]), int(sys.argv[9]), int(sys.argv[10]), int(sys.argv[11])
print(f"load: {d['rps']:.0f} answers/s for {t1 - t0:.1f} s, p99 {d['p99_ms']:.1f} ms, {d['non2xx']} non-2xx")
print(f"answers {answers}, events stored by the end of the load {at_end} (backlog {answers - at_end}), "
      f"the last stored {now - t1:.2f} s after the end: rows {stored} = answers + {stored - answers}"
      + (" (requests under way when wrk stopped: answered, not counted by wrk; at most one per connection)" if 0 <= stored - answers <= conns
         else " (MISMATCH: more than one per connection, or events missing)"))
print(f"PostgreSQL used {100.0 * (cpu1 - cpu0) / tck / (t1 - t0) / cores:.1f}% of the machine's {cores} cores during the load")
PY
