# Sourced by the bench scripts that load one Recserve node on PostgreSQL + Redis (cache on unless the environment
# given says otherwise): start_pg_node DB REDIS_DB [VAR=value ...] creates database DB afresh, empties Redis database
# REDIS_DB, starts the node on a free port with the model built from MovieLens on first start, and waits until it
# answers /recommend. It sets $port, $pid (the ./recserve process) and $work (a temporary folder, removed at exit).
start_pg_node() {
  local db=$1 redis_db=$2; shift 2
  psql -h 127.0.0.1 -U postgres -qc "drop database if exists $db" >/dev/null 2>&1
  psql -h 127.0.0.1 -U postgres -qc "create database $db" >/dev/null
  redis-cli -n "$redis_db" flushdb >/dev/null
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  work=$(mktemp -d)
  env RECSERVE_HTTP_PORT=$port RECSERVE_DATA_DIR="$work/data" RECSERVE_PG_URL="postgresql://postgres@127.0.0.1:5432/$db" \
    RECSERVE_REDIS_URL="redis://127.0.0.1:6379/$redis_db" RECSERVE_MOVIELENS="${RECSERVE_MOVIELENS:-$here/../shared/data/movielens/ml-latest-small}" \
    "$@" ./recserve run > "$work/node.log" 2>&1 &
  pid=$!
  trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null || true; rm -rf "$work"' EXIT
  for _ in $(seq 1 300); do
    [[ $(curl -s -o /dev/null -w '%{http_code}' -XPOST -H 'content-type: application/json' -d '{"user_id":1}' "127.0.0.1:$port/recommend") == 200 ]] && return 0
    kill -0 $pid 2>/dev/null || { tail -5 "$work/node.log"; exit 1; }
    sleep 1
  done
  echo "the node did not answer within 300 s"; tail -5 "$work/node.log"; exit 1
}
