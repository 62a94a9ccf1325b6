#!/usr/bin/env bash
# Uncached /recommend throughput of Recserve split over JVMs on this machine, against one JVM in the same run:
#   single  one JVM, every role
#   2       http | embedding, ann, cache, analytics
#   3       http | embedding, cache, analytics | ann
# All on the embedded data folder, cache off, joined by Hazelcast on loopback; wrk 2 threads, 64 connections.
# Each shape is warmed until its throughput stands still (the JIT has compiled the request path in every JVM): in
# rounds of 5 s, until two rounds in a row are no more than 5% faster than the fastest before them (at most 120 s).
# Three JVMs compiling on two cores take about twice as long as one (docs/performance.md): a fixed 10 s warm-up
# measured the JIT of the split shapes, not their serving.
#   bench/cluster.sh [seconds=20] [rounds=1]        prints a line per shape and round (each node's CPU share on stderr),
#                                                   then medians and ratios
#   SHAPES="single 2" bench/cluster.sh ...            only these shapes
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
secs=${1:-20}; rounds=${2:-1}
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk"; exit 2; }
[[ -f launcher/target/recserve.jar ]] || ./recserve build
java="$(./recserve java-home)/bin/java"
work=$(mktemp -d)
export RECSERVE_DATA_DIR=$work/data RECSERVE_MOVIELENS=${RECSERVE_MOVIELENS:-$here/../shared/data/movielens/ml-latest-small}
unset RECSERVE_PG_URL RECSERVE_REDIS_URL
"$java" --add-modules jdk.incubator.vector -XX:+UseParallelGC -jar launcher/target/recserve.jar bootstrap all --movielens "$RECSERVE_MOVIELENS" > "$work/bootstrap.log" 2>&1
pids=(); names=()
stop_all() { for p in "${pids[@]:-}"; do [[ -n $p ]] && kill "$p" 2>/dev/null; done; wait 2>/dev/null || true; pids=(); names=(); }
ticks() { local t=""; for p in "${pids[@]}"; do t+="$(awk '{print $14 + $15}' "/proc/$p/stat") "; done; echo "$t"; }
trap 'stop_all; rm -rf "$work"' EXIT
port=18090
node() {  # $1 name, $2 roles, $3 cluster?
  local flags=(); [[ $3 == yes ]] && flags=(--cluster)
  env RECSERVE_CACHE_ENABLED=false RECSERVE_HTTP_PORT=$port RECSERVE_CLUSTER_HOST=127.0.0.1 RECSERVE_CLUSTER_HAZELCAST_PORT=5851 \
    RECSERVE_CLUSTER_MEMBERS=127.0.0.1:5851,127.0.0.1:5852,127.0.0.1:5853 RECSERVE_ANN_INDEX_DIR="$work/index-$1" \
    ./recserve run --no-bootstrap "${flags[@]}" --roles "$2" \
    > "$work/$1.log" 2>&1 &
  pids+=($!); names+=("$1")
}
ready() {
  for i in $(seq 1 180); do
    [[ $(curl -s -o /dev/null -w '%{http_code}' -XPOST -H 'content-type: application/json' -d '{"user_id":1}' "127.0.0.1:$port/recommend") == 200 ]] && return 0
    sleep 1
  done
  echo "not ready: $(tail -3 "$work"/*.log)" >&2; return 1
}
rps() { wrk -t2 -c64 -d"$1s" -s ../shared/bench/seed-python/recommend.lua "http://127.0.0.1:$port" | sed -n 's/^RESULT_JSON //p' \
  | python3 -c 'import json,sys; print(round(json.load(sys.stdin)["rps"]))'; }
warm() {  # rounds of 5 s until two in a row gain no more than 5% on the fastest before them; the rounds on stderr
  local best=0 still=0 r seen=()
  for i in $(seq 1 24); do
    r=$(rps 5); seen+=("$r")
    if (( r * 100 > best * 105 )); then still=0; else still=$((still + 1)); fi
    (( r > best )) && best=$r
    (( still >= 2 )) && { echo "  warm after $((i * 5)) s: ${seen[*]} req/s" >&2; return 0; }
  done
  echo "  still warming after 120 s: ${seen[*]} req/s" >&2
}
run() {  # $1 shape
  case $1 in
    single) node all http,embedding,ann,cache,analytics no ;;
    2) node backend embedding,ann,cache,analytics yes; node http http yes ;;
    3) node backend embedding,cache,analytics yes; node ann ann yes; node http http yes ;;
  esac
  ready
  warm
  local before; before=$(ticks)
  wrk -t2 -c64 -d"${secs}s" -s ../shared/bench/seed-python/recommend.lua "http://127.0.0.1:$port" | sed -n 's/^RESULT_JSON //p'
  # Each node's share of the machine's CPU during the measured run (wrk and the kernel's share of the rest are not
  # counted), on stderr.
  python3 -c "import sys,os; b,a=sys.argv[1].split(),sys.argv[2].split(); n=sys.argv[3].split(); t=float(sys.argv[4])*os.sysconf('SC_CLK_TCK')*os.cpu_count(); print('  cpu: ' + ', '.join(f'{x} {(int(y)-int(z))/t:.0%}' for x,y,z in zip(n,a,b)), file=sys.stderr)" \
    "$before" "$(ticks)" "${names[*]}" "$secs"
  stop_all
}
out=$work/results.tsv
for r in $(seq 1 "$rounds"); do
  for shape in ${SHAPES:-single 2 3}; do
    j=$(run $shape)
    python3 -c "import json,sys; d=json.loads(sys.argv[3]); print(f\"{sys.argv[1]}\t{sys.argv[2]}\t{d['rps']:.0f}\t{d['p99_ms']:.1f}\t{d['non2xx']+d['err_timeout']}\")" "$r" "$shape" "$j" | tee -a "$out"
  done
done
python3 - "$out" <<'PY'
import sys, statistics as st, collections
by = collections.defaultdict(list)
for line in open(sys.argv[1]):
    r, shape, rps, p99, bad = line.split("\t"); by[shape].append(float(rps))
med = {k: st.median(v) for k, v in by.items()}
for k in ("single", "2", "3"):
    if k in med: print(f"{k:7s} {med[k]:8.0f} req/s" + (f"  {med[k] / med['single']:.0%} of one JVM" if "single" in med else ""))
PY
