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
  "$(./recserve java-home)/bin/java" -cp bench/target/benchmarks.jar io.recserve.bench.SyntheticRatings "$out/ml" "$n"
  /usr/bin/time -v ./recserve bootstrap import --data-dir "$out/data" --movielens "$out/ml" 2> "$out/import.time" | tail -2
  grep -E "Maximum resident|Elapsed" "$out/import.time"
  /usr/bin/time -v ./recserve bootstrap train --data-dir "$out/data" --iterations "${ITERATIONS:-15}" 2> "$out/train.time" | tail -3
  grep -E "Maximum resident|Elapsed" "$out/train.time"
  rm -rf "$out"
  exit 0
fi
PG=${1:-postgresql://postgres@127.0.0.1:5432/test}
export RECSERVE_PG_SCHEMA=recserve_bench
./recserve bootstrap migrate --pg-url "$PG" 2>&1 | grep "^migrate:"
./recserve bootstrap import --pg-url "$PG" --movielens "$ML" 2>&1 | grep -E "^import:|done"
./recserve bootstrap train --pg-url "$PG" 2>&1 | grep -E "^train: (done|model)"
