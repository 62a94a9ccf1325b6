#!/usr/bin/env bash
# PostgreSQL's CPU per stored analytics event. Recserve on PostgreSQL + Redis (cache on unless told), 10 s of warm-up,
# then a wrk run at full speed: PostgreSQL's CPU (every postgres process, from /proc) and the node's, against the rows
# PostgreSQL stored meanwhile (pg_stat_database). For A/B comparisons: run it alternately for each side, same hour.
#   bench/pg-cost.sh [seconds=20] [extra environment for the node, e.g. RECSERVE_CACHE_ENABLED=false ...]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
secs=${1:-20}; shift || true
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk"; exit 2; }
[[ -f launcher/target/recserve.jar ]] || ./recserve build
db=recserve_pg_cost
. bench/pg-node.sh
start_pg_node $db 8 "$@"
jvm=$(pgrep -n -f "recserve.jar serve")
wrk -t2 -c64 -d10s -s ../shared/bench/seed-python/recommend.lua "http://127.0.0.1:$port" > /dev/null   # warm-up
ticks() { local t=0 f; for p in "$@"; do read -r -a f < "/proc/$p/stat" 2>/dev/null || continue; t=$((t + f[13] + f[14])); done; echo $t; }
rows() { psql -h 127.0.0.1 -U postgres -tAc "select tup_inserted from pg_stat_database where datname = '$db'"; }
r0=$(rows); p0=$(ticks $(pgrep -u postgres)); j0=$(ticks $jvm); t0=$(date +%s.%N)
wrk -t2 -c64 -d"${secs}s" --latency -s ../shared/bench/seed-python/recommend.lua "http://127.0.0.1:$port" | grep -E "Requests/sec|  99%"
sleep 2   # the last writes
r1=$(rows); p1=$(ticks $(pgrep -u postgres)); j1=$(ticks $jvm); t1=$(date +%s.%N)
python3 - "$r0" "$r1" "$p0" "$p1" "$j0" "$j1" "$t0" "$t1" "$(getconf CLK_TCK)" <<'PY'
import sys
r0, r1, p0, p1, j0, j1 = map(int, sys.argv[1:7]); t0, t1, hz = float(sys.argv[7]), float(sys.argv[8]), int(sys.argv[9])
dt = t1 - t0; pg = (p1 - p0) / hz; jvm = (j1 - j0) / hz; rows = r1 - r0
print(f"{dt:.1f} s: PostgreSQL {pg:.1f} CPU-s ({pg / dt / 2:.0%} of the 2 cores), the node {jvm:.1f} CPU-s ({jvm / dt / 2:.0%}); "
      f"{rows} rows, {pg / max(rows, 1) * 1e6:.1f} µs of PostgreSQL per stored event")
PY
