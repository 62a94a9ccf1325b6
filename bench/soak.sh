#!/usr/bin/env bash
# Soak: measures the peak of /recommend (cache on), then holds 70% of it for 60 s with a fixed-rate load, and reports
# errors and the JVM's resident memory after warm-up against the end (goal: 0 errors, RSS within 10%).
#   [HEAP=1g] bench/soak.sh embedded|postgres [seconds=60]
# HEAP fixes the heap (-Xms = -Xmx, pre-touched), so resident memory stays flat unless something outside the heap
# grows; without it the JVM grows its default heap (a quarter of memory) lazily and RSS mostly measures that.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
store=${1:?embedded or postgres}; secs=${2:-60}
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk"; exit 2; }
[[ -f launcher/target/recserve.jar ]] || ./recserve build
[[ -f bench/target/benchmarks.jar ]] || ./recserve mvn -q -B -DskipTests package -pl bench -am
java="$(./recserve java-home)/bin/java"
work=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
env_vars=(RECSERVE_HTTP_PORT=$port RECSERVE_DATA_DIR="$work/data" RECSERVE_MOVIELENS="${RECSERVE_MOVIELENS:-$here/../shared/data/movielens/ml-latest-small}")
if [[ $store == postgres ]]; then
  db=recserve_soak
  psql -h 127.0.0.1 -U postgres -qc "drop database if exists $db" >/dev/null 2>&1; psql -h 127.0.0.1 -U postgres -qc "create database $db" >/dev/null
  redis-cli -n 8 flushdb >/dev/null
  env_vars+=(RECSERVE_PG_URL="postgresql://postgres@127.0.0.1:5432/$db" RECSERVE_REDIS_URL="redis://127.0.0.1:6379/8")
fi
env "${env_vars[@]}" "$java" --add-modules jdk.incubator.vector -XX:-DontCompileHugeMethods -XX:+UseZGC \
  ${HEAP:+-Xms$HEAP -Xmx$HEAP -XX:+AlwaysPreTouch} -jar launcher/target/recserve.jar serve > "$work/node.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$work"' EXIT
for i in $(seq 1 300); do
  [[ $(curl -s -o /dev/null -w '%{http_code}' -XPOST -H 'content-type: application/json' -d '{"user_id":1}' "127.0.0.1:$port/recommend") == 200 ]] && break
  sleep 1
done
rss() { awk '/VmRSS/ {print $2}' /proc/$pid/status; }
wrk -t2 -c64 -d10s -s ../shared/bench/seed-python/recommend.lua "http://127.0.0.1:$port" > /dev/null
peak=$(wrk -t2 -c64 -d10s -s ../shared/bench/seed-python/recommend.lua "http://127.0.0.1:$port" | sed -n 's/^RESULT_JSON //p' | python3 -c 'import json,sys; print(int(json.load(sys.stdin)["rps"]))')
rate=$((peak * 7 / 10))
"$java" -cp bench/target/benchmarks.jar io.recserve.bench.PacedLoad "http://127.0.0.1:$port" "$rate" 10 > /dev/null   # warm-up at the rate
rss0=$(rss)
result=$("$java" -cp bench/target/benchmarks.jar io.recserve.bench.PacedLoad "http://127.0.0.1:$port" "$rate" "$secs" | sed -n 's/^RESULT //p')
rss1=$(rss)
python3 - "$store" "$peak" "$rate" "$result" "$rss0" "$rss1" <<'PY'
import json, sys
store, peak, rate, r, rss0, rss1 = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), json.loads(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
print(f"{store}: peak {peak} req/s; soak at {rate} req/s for {r['seconds']} s: sent {r['sent']}, ok {r['ok']}, non-2xx {r['non2xx']}, "
      f"errors {r['errors']}, p99 {r['p99_ms']:.1f} ms; RSS after warm-up {rss0 / 1024:.0f} MiB, at the end {rss1 / 1024:.0f} MiB "
      f"({100.0 * (rss1 - rss0) / rss0:+.1f}%)")
PY
