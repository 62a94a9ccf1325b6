#!/usr/bin/env bash
# Timed model pipeline: import ml-latest-small into PostgreSQL, then train 64 x 15 (both from the README figures).
#   bench/pipeline.sh [PG_URL]          default postgresql://postgres@127.0.0.1:5432/test, schema recserve_bench
#   bench/pipeline.sh --synthetic N     generate N ratings shaped as ml-25m (bench/ generator); import into a data folder,
#                                       train, evaluate, publish, and import into PostgreSQL: wall time and peak RSS each
#                                       (OUT=DIR KEEP=1 keep the data; MAX_USERS evaluation sample, NO_PG=1, HEAP=8g)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
ML=${RECSERVE_MOVIELENS:-$here/../shared/data/movielens/ml-latest-small}
./recserve build
if [[ "${1:-}" == "--synthetic" ]]; then
  # Scale: N ratings shaped as ml-25m (bench/ generator), then each pipeline step timed with its peak RSS: import into
  # a data folder and into PostgreSQL (COPY), train, evaluate (a sample of users), publish.
  n=${2:?interactions}
  PG=${PG_URL:-postgresql://postgres@127.0.0.1:5432/test}
  ./recserve mvn -q -B -DskipTests package -pl bench -am
  out=${OUT:-$(mktemp -d)}
  mkdir -p "$out"
  [[ -n "${KEEP:-}" ]] || trap 'rm -rf "$out"' EXIT
  java="$(./recserve java-home)/bin/java"
  cp launcher/target/recserve.jar bench/target/benchmarks.jar "$out/"   # a rebuild meanwhile cannot pull the jar away
  [[ -f "$out/ml/ratings.csv" ]] || "$java" -cp "$out/benchmarks.jar" io.recserve.bench.SyntheticRatings "$out/ml" "$n" | tail -1
  export RECSERVE_EVALUATION_MAX_USERS=${MAX_USERS:-10000}
  step() {
    local name=$1; shift
    /usr/bin/time -v "$java" --add-modules jdk.incubator.vector -XX:+UseParallelGC ${HEAP:+-Xmx$HEAP} -jar "$out/recserve.jar" bootstrap "$@" \
      > "$out/step.log" 2> "$out/step.time" || { cat "$out/step.log" "$out/step.time"; exit 1; }
    grep -E "^(import|train|evaluate|publish): " "$out/step.log" | grep -v -E "iteration [0-9]+/" | tail -4 || true
    printf '%-16s wall %s  peak RSS %s MB\n' "$name" "$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$out/step.time")" \
      "$(( $(sed -n 's/.*Maximum resident set size (kbytes): //p' "$out/step.time") / 1024 ))"
  }
  step "import (folder)" import --movielens "$out/ml" --data-dir "$out/data"
  step "train" train --iterations "${ITERATIONS:-15}" --data-dir "$out/data"
  step "evaluate" evaluate --data-dir "$out/data"
  step "publish" publish --data-dir "$out/data"
  if [[ -z "${NO_PG:-}" ]]; then
    export RECSERVE_PG_SCHEMA=recserve_bench_scale
    step "migrate (pg)" migrate --pg-url "$PG"
    step "import (pg)" import --movielens "$out/ml" --pg-url "$PG"
    psql -q "$PG" -c "drop schema if exists recserve_bench_scale cascade" 2>/dev/null || true
  fi
  exit 0
fi
PG=${1:-postgresql://postgres@127.0.0.1:5432/test}
export RECSERVE_PG_SCHEMA=recserve_bench
./recserve bootstrap migrate --pg-url "$PG" 2>&1 | grep "^migrate:"
./recserve bootstrap import --pg-url "$PG" --movielens "$ML" 2>&1 | grep -E "^import:|done"
./recserve bootstrap train --pg-url "$PG" 2>&1 | grep -E "^train: (done|model)"
