#!/usr/bin/env bash
# Load benchmark of POST /recommend with wrk (apt-get install wrk): starts Recserve, warms up, measures, stops it.
#   bench/load.sh embedded|postgres  cached|uncached  [connections=64] [seconds=20]
# postgres uses RECSERVE_PG_URL / RECSERVE_REDIS_URL (default: the local services, schema recserve_bench).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
store=${1:?embedded or postgres}; cache=${2:?cached or uncached}; conns=${3:-64}; secs=${4:-20}
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk"; exit 2; }
port=${PORT:-18080}
export RECSERVE_HTTP_PORT=$port RECSERVE_MOVIELENS=${RECSERVE_MOVIELENS:-$here/../shared/data/movielens/ml-latest-small}
export RECSERVE_DATA_DIR=${RECSERVE_DATA_DIR:-$here/data}
[[ "$cache" == uncached ]] && export RECSERVE_CACHE_ENABLED=false
if [[ "$store" == postgres ]]; then
  export RECSERVE_PG_URL=${RECSERVE_PG_URL:-postgresql://postgres@127.0.0.1:5432/test} RECSERVE_PG_SCHEMA=${RECSERVE_PG_SCHEMA:-recserve_bench}
  export RECSERVE_REDIS_URL=${RECSERVE_REDIS_URL:-redis://127.0.0.1:6379}
else
  unset RECSERVE_PG_URL RECSERVE_REDIS_URL
fi
log=$(mktemp)
./recserve run > "$log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null || true' EXIT
for i in $(seq 1 180); do
  curl -sf "localhost:$port/ready" >/dev/null && break
  kill -0 $pid 2>/dev/null || { cat "$log"; exit 1; }
  sleep 1
done
wrk -t2 -c"$conns" -d10s -s bench/load/recommend.lua "http://127.0.0.1:$port" > /dev/null   # warm-up (JIT, cache)
echo "store=$store cache=$cache connections=$conns"
wrk -t2 -c"$conns" -d"${secs}s" -s bench/load/recommend.lua "http://127.0.0.1:$port" | grep RESULT
