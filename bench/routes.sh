#!/usr/bin/env bash
# Throughput and p99 of the product routes next to plain /recommend, in one run, on one node:
#   recommend (a known user), similar (GET /movies/{id}/similar), foldin (anonymous ratings), batch (100 users per
#   request), feedback (stored, the user folded in again, caches invalidated), in that order (feedback last: it changes users).
#   bench/routes.sh [embedded|postgres] [seconds=20] [rounds=2]      CACHE=false measures the uncached path
# postgres: the local services (RECSERVE_PG_URL / RECSERVE_REDIS_URL, schema recserve_routes, Redis db 6).
# wrk 2 threads, 64 connections (CONNS=...); API_KEY is passed on when the node requires keys.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
store=${1:-embedded}; secs=${2:-20}; rounds=${3:-2}; conns=${CONNS:-64}
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk"; exit 2; }
[[ -f launcher/target/recserve.jar ]] || ./recserve build
work=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
export RECSERVE_HTTP_PORT=$port RECSERVE_CACHE_ENABLED=${CACHE:-true}
export RECSERVE_MOVIELENS=${RECSERVE_MOVIELENS:-$here/../shared/data/movielens/ml-latest-small}
export RECSERVE_DATA_DIR=$work/data
if [[ $store == postgres ]]; then
  export RECSERVE_PG_URL=${RECSERVE_PG_URL:-postgresql://postgres@127.0.0.1:5432/test} RECSERVE_PG_SCHEMA=recserve_routes
  export RECSERVE_REDIS_URL=${RECSERVE_REDIS_URL:-redis://127.0.0.1:6379/6}
  psql "$RECSERVE_PG_URL" -qc "drop schema if exists recserve_routes cascade" >/dev/null
  redis-cli -u "$RECSERVE_REDIS_URL" flushdb >/dev/null
else
  unset RECSERVE_PG_URL RECSERVE_REDIS_URL
fi
pid=""
trap '[[ -n $pid ]] && kill $pid 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT
./recserve run > "$work/node.log" 2>&1 &
pid=$!
for _ in $(seq 1 300); do
  [[ $(curl -s -o /dev/null -w '%{http_code}' "127.0.0.1:$port/ready") == 200 ]] && break
  kill -0 $pid 2>/dev/null || { tail -5 "$work/node.log"; exit 1; }
  sleep 1
done
out=$work/results.tsv
echo -e "round\troute\treq/s\tp50_ms\tp99_ms\terrors"
for r in $(seq 1 "$rounds"); do
  for route in recommend similar foldin batch feedback; do
    ROUTE=$route wrk -t2 -c"$conns" -d5s -s bench/load/routes.lua "http://127.0.0.1:$port" > /dev/null
    j=$(ROUTE=$route wrk -t2 -c"$conns" -d"${secs}s" --latency -s bench/load/routes.lua "http://127.0.0.1:$port" | sed -n 's/^RESULT_JSON //p')
    python3 -c "import json,sys; d=json.loads(sys.argv[3]); print(f\"{sys.argv[1]}\t{sys.argv[2]}\t{d['rps']:.0f}\t{d['p50_ms']:.1f}\t{d['p99_ms']:.1f}\t{d['non2xx']+d['err_timeout']+d['err_connect']+d['err_read']}\")" "$r" "$route" "$j" | tee -a "$out"
  done
done
python3 - "$out" "$store" "${CACHE:-true}" <<'PY'
import sys, statistics as st, collections
rps, p99, bad = collections.defaultdict(list), collections.defaultdict(list), collections.defaultdict(int)
for line in open(sys.argv[1]):
    r, route, a, p50, b, e = line.rstrip("\n").split("\t")
    rps[route].append(float(a)); p99[route].append(float(b)); bad[route] += int(e)
base = st.median(rps["recommend"])
print(f"\nmedians ({sys.argv[2]}, cache {sys.argv[3]}):")
print("| route | requests/s | recommendations/s | p99 ms | vs /recommend | errors |\n|---|---|---|---|---|---|")
for route in ("recommend", "similar", "foldin", "batch", "feedback"):
    m = st.median(rps[route]); per = 100 if route == "batch" else 1
    print(f"| {route} | {m:.0f} | {m * per:.0f} | {st.median(p99[route]):.1f} | {m * per / base:.2f}x | {bad[route]} |")
PY
