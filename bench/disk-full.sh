#!/usr/bin/env bash
# The analytics file on a full disk, for real: the embedded store's events.jsonl on a tiny tmpfs (2 MiB) fills up
# while requests keep coming; then space is given back and the store catches up (the events wait in its buffer). Passes when
# every line of the file is a whole event and line count == distinct request ids == answers, the same ids.
#   bench/disk-full.sh [requests=3000] [parallel=8]
# Needs root (mount), curl and python3. RECSERVE_JAR=path runs that jar instead of building this tree's.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
n=${1:-3000}; parallel=${2:-8}
[[ $(id -u) == 0 ]] || { echo "disk-full.sh mounts a tmpfs: run it as root"; exit 2; }
command -v curl >/dev/null && command -v python3 >/dev/null || { echo "needs curl and python3"; exit 2; }
port=${PORT:-18090}
work=$(mktemp -d)
mnt="$work/analytics"
mkdir -p "$mnt" "$work/answers"
mount -t tmpfs -o size=2m tmpfs "$mnt"
# 1 MiB of ballast: about 1,600 events fit, so the disk fills half-way through the run whatever the event size
head -c $((1024 * 1024)) /dev/zero > "$mnt/ballast"
movielens=$here/../shared/data/movielens/ml-latest-small
[[ -d "$movielens" ]] || movielens=$here/../../shared/data/movielens/ml-latest-small   # from a worktree under /work/wt
export RECSERVE_HTTP_PORT=$port RECSERVE_MOVIELENS=${RECSERVE_MOVIELENS:-$movielens}
export RECSERVE_DATA_DIR=${RECSERVE_DATA_DIR:-$here/data} RECSERVE_ANALYTICS_FILE="$mnt/events.jsonl"
unset RECSERVE_PG_URL RECSERVE_REDIS_URL
log="$work/server.log"
if [[ -n "${RECSERVE_JAR:-}" ]]; then
  java_home=$(./recserve java-home)
  "$java_home/bin/java" --add-modules jdk.incubator.vector -jar "$RECSERVE_JAR" serve > "$log" 2>&1 &
else
  ./recserve build
  ./recserve run > "$log" 2>&1 &
fi
pid=$!
cleanup() {
  kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
  umount "$mnt" 2>/dev/null || true
  echo "server log and answers kept in $work"
}
trap cleanup EXIT
for i in $(seq 1 300); do
  curl -sf "localhost:$port/ready" >/dev/null && break
  kill -0 "$pid" 2>/dev/null || { tail -50 "$log"; exit 1; }
  sleep 1
done
curl -sf "localhost:$port/ready" >/dev/null || { echo "not ready after 300 s"; exit 1; }

echo "sending $n requests ($parallel at a time); analytics tmpfs: $(df --output=size,used,avail -B1 "$mnt" | tail -1) (size used free, bytes)"
seq 1 "$n" | awk '{ print $1, ($1 * 7919) % 610 + 1 }' | xargs -P "$parallel" -n 2 sh -c \
  'curl -s -o "$0/answers/$1" -H "Content-Type: application/json" -d "{\"user_id\": $2, \"cutoff\": 10}" "localhost:'"$port"'/recommend"' "$work"
cat "$work"/answers/* | grep -o '"request_id":"[^"]*"' | cut -d'"' -f4 | sort > "$work/answered"
answers=$(wc -l < "$work/answered")
echo "answers: $answers; analytics tmpfs now: $(df --output=used,avail -B1 "$mnt" | tail -1) (used free); failed writes logged: $(grep -c 'write failed' "$log" || true)"

echo "giving space back (ballast deleted, tmpfs grown to 64 MiB)"
rm "$mnt/ballast"
mount -o remount,size=64m "$mnt"
for i in $(seq 1 60); do
  lines=$(cat "$mnt"/events*.jsonl 2>/dev/null | wc -l)
  (( lines >= answers )) && break
  sleep 1
done
sleep 2
kill -TERM "$pid"
wait "$pid" || true
trap 'umount "$mnt" 2>/dev/null || true; echo "server log and answers kept in $work"' EXIT
ls -l "$mnt"

python3 - "$mnt" "$work/answered" <<'EOF'
import glob, json, os, sys
mnt, answered = sys.argv[1], sys.argv[2]
ids, corrupt, lines = [], 0, 0
files = sorted(glob.glob(os.path.join(mnt, "events-*.jsonl"))) + [os.path.join(mnt, "events.jsonl")]
for f in files:
    data = open(f, "rb").read()
    if data and not data.endswith(b"\n"):
        print(f"{f}: does not end with a newline")
        corrupt += 1
    for line in data.splitlines():
        lines += 1
        try:
            ids.append(json.loads(line)["request_id"])
        except Exception:
            corrupt += 1
want = [l.strip() for l in open(answered) if l.strip()]
distinct = set(ids)
print(f"answers={len(want)} lines={lines} distinct_ids={len(distinct)} duplicated_ids={len(ids) - len(distinct)} "
      f"corrupt_lines={corrupt} missing={len(set(want) - distinct)} unexpected={len(distinct - set(want))}")
side = [os.path.basename(p) for p in glob.glob(os.path.join(mnt, "events.jsonl.*"))]
if side:
    print("side files:", side)
ok = corrupt == 0 and lines == len(distinct) == len(want) and distinct == set(want)
print("PASS" if ok else "FAIL")
sys.exit(0 if ok else 1)
EOF
