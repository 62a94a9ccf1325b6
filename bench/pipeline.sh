#!/usr/bin/env bash
# Timed model pipeline: import ml-latest-small into PostgreSQL, then train 64 x 15 (both from the README figures).
#   bench/pipeline.sh [PG_URL]          default postgresql://postgres@127.0.0.1:5432/test, schema recserve_bench
#   bench/pipeline.sh --synthetic N     generate N interactions (bench/ generator), import into a data folder, train
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
ML=${RECSERVE_MOVIELENS:-$here/../shared/data/movielens/ml-latest-small}
./recserve build
if [[ "${1:-}" == "--synthetic" ]]; then
  n=${2:?interactions}
  ./recserve mvn -q -B -DskipTests package -pl bench -am
  out=$(mktemp -d)
  trap 'rm -rf "$out"' EXIT
  java="$(./recserve java-home)/bin/java"
  cp launcher/target/recserve.jar bench/target/benchmarks.jar "$out/"   # a rebuild meanwhile cannot pull the jar away
  "$java" -cp "$out/benchmarks.jar" io.recserve.bench.SyntheticRatings "$out/ml" "$n"
  for step in "import --movielens $out/ml" "train --iterations ${ITERATIONS:-15}"; do
    /usr/bin/time -v "$java" --add-modules jdk.incubator.vector -XX:+UseParallelGC -jar "$out/recserve.jar" bootstrap $step \
      --data-dir "$out/data" > "$out/step.log" 2> "$out/step.time" || { cat "$out/step.log" "$out/step.time"; exit 1; }
    grep -E "^(import|train): " "$out/step.log" | grep -v -E "iteration [0-9]+/" || true
    grep -E "^(import|train).*done" "$out/step.time" || true
    grep -E "Maximum resident|Elapsed" "$out/step.time"
  done
  exit 0
fi
PG=${1:-postgresql://postgres@127.0.0.1:5432/test}
export RECSERVE_PG_SCHEMA=recserve_bench
./recserve bootstrap migrate --pg-url "$PG" 2>&1 | grep "^migrate:"
./recserve bootstrap import --pg-url "$PG" --movielens "$ML" 2>&1 | grep -E "^import:|done"
./recserve bootstrap train --pg-url "$PG" 2>&1 | grep -E "^train: (done|model)"
