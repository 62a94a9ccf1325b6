#!/usr/bin/env bash
# Throughput of /recommend (cache off) on a cluster of separate JVMs on this machine: an HTTP node, a backend node
# (embedding, cache, analytics) and N ANN nodes, joined by Hazelcast on loopback.
#   bench/cluster.sh [ann-nodes=1] [connections=64] [seconds=20]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
n=${1:-1}; conns=${2:-64}; secs=${3:-20}
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk"; exit 2; }
./recserve build
export RECSERVE_DATA_DIR=${RECSERVE_DATA_DIR:-$here/data} RECSERVE_MOVIELENS=${RECSERVE_MOVIELENS:-$here/../shared/data/movielens/ml-latest-small}
./recserve bootstrap versions 2>/dev/null | grep -q '\*' || ./recserve bootstrap all --movielens "$RECSERVE_MOVIELENS" > /dev/null
unset RECSERVE_PG_URL RECSERVE_REDIS_URL
export RECSERVE_CLUSTER_ENABLED=true RECSERVE_CLUSTER_HOST=127.0.0.1 RECSERVE_CLUSTER_HAZELCAST_PORT=5801
export RECSERVE_CLUSTER_MEMBERS=127.0.0.1:5801,127.0.0.1:5802,127.0.0.1:5803,127.0.0.1:5804,127.0.0.1:5805
export RECSERVE_CACHE_ENABLED=false RECSERVE_HTTP_PORT=${PORT:-18080}
logs=$(mktemp -d); pids=()
trap 'kill ${pids[*]} 2>/dev/null; wait 2>/dev/null || true' EXIT
start() { ./recserve run --no-bootstrap --roles "$1" > "$logs/$2.log" 2>&1 & pids+=($!); }
start embedding,cache,analytics backend
for i in $(seq 1 "$n"); do RECSERVE_ANN_INDEX_DIR="$RECSERVE_DATA_DIR/index-bench-$i" start ann "ann-$i"; done
start http http
for i in $(seq 1 120); do
  ready=$(curl -s "localhost:$RECSERVE_HTTP_PORT/ready" || true)
  if grep -q '"outcome":"UP"' <<< "$ready" && [[ $(grep -o '"role":"ann"' <<< "$ready" | wc -l) -ge $n ]]; then break; fi
  sleep 1
done
curl -s "localhost:$RECSERVE_HTTP_PORT/ready" | grep -o '"nodes":\[[^]]*\]'
wrk -t2 -c"$conns" -d10s -s bench/load/recommend.lua "http://127.0.0.1:$RECSERVE_HTTP_PORT" > /dev/null
echo "cluster: http + backend + $n ann node(s), cache off, connections=$conns"
wrk -t2 -c"$conns" -d"${secs}s" -s bench/load/recommend.lua "http://127.0.0.1:$RECSERVE_HTTP_PORT" | grep RESULT
