#!/usr/bin/env bash
# The multi-process demonstration of MLNet.Nmf.Orleans on one machine, checking itself:
#   Redis (Debian's redis-server on 127.0.0.1) for clustering and checkpoints, 3 silo processes of
#   src/MLNet.Nmf.Cluster, the Debian corpus split into 6 shards, a fit whose silo owning shard 1 is
#   killed (kill -9, by PID) after at least one checkpoint, the model loaded in plain ML.NET and compared
#   with the single-machine fit of the same shards. One closing line; non-zero exit if anything failed.
#
# usage: examples/Cluster/cluster-demo.sh [OUTDIR]        (default: ./cluster-demo-out)
# environment: NMF_CORPUS   the corpus (default ../shared/data/debian-descriptions.tsv.gz beside the repo)
#              NMF_DEMO_ROWS  rows kept from the corpus (default 20000 of ~63,700, to stay well under the time budget;
#                             0 keeps them all)
#              NMF_DEMO_RANK / NMF_DEMO_ITERATIONS / NMF_DEMO_SEED  (default 20 / 40 / 42)
#              NMF_REDIS_PORT (default 6391)
set -uo pipefail

repo="$(cd "$(dirname "$0")/../.." && pwd)"
out="$(mkdir -p "${1:-cluster-demo-out}" && cd "${1:-cluster-demo-out}" && pwd)"
corpus="${NMF_CORPUS:-$repo/../shared/data/debian-descriptions.tsv.gz}"
rows="${NMF_DEMO_ROWS:-20000}"
rank="${NMF_DEMO_RANK:-20}"
iterations="${NMF_DEMO_ITERATIONS:-40}"
seed="${NMF_DEMO_SEED:-42}"
redis_port="${NMF_REDIS_PORT:-6391}"
redis="127.0.0.1:$redis_port"
logs="$out/logs"
start_time=$SECONDS

pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null; done
  sleep 1
  for pid in "${pids[@]}"; do kill -9 "$pid" 2>/dev/null; done
  wait 2>/dev/null
}
trap cleanup EXIT INT TERM

fail() {
  echo "cluster-demo: FAILED - $*"
  exit 1
}
step() { echo "[$(date +%H:%M:%S)] $*"; }

[ -f "$corpus" ] || fail "corpus '$corpus' not found (set NMF_CORPUS)"
rm -rf "$out/shards" "$out/features" "$logs" "$out"/*.zip "$out/report.json"
mkdir -p "$logs"

# 1. Redis on the loopback address only, no persistence to disk, stopped on exit.
if ! command -v redis-server >/dev/null; then
  step "installing redis-server (Debian)"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server) >"$logs/apt.log" 2>&1 \
    || fail "could not install redis-server (see $logs/apt.log)"
fi
redis-server --bind 127.0.0.1 --port "$redis_port" --save "" --appendonly no --protected-mode yes >"$logs/redis.log" 2>&1 &
pids+=($!)
for _ in $(seq 50); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 0.2; done
redis-cli -p "$redis_port" ping >/dev/null 2>&1 || fail "redis-server did not start (see $logs/redis.log)"
redis-cli -p "$redis_port" flushall >/dev/null
step "redis-server on $redis (pid ${pids[0]})"

# 2. Build once, then run the built programs.
step "building"
dotnet build "$repo/src/MLNet.Nmf.Cluster" -c Release >"$logs/build.log" 2>&1 || fail "build failed (see $logs/build.log)"
dotnet build "$repo/examples/Cluster/ModelCheck" -c Release >>"$logs/build.log" 2>&1 || fail "build failed (see $logs/build.log)"
cluster=("dotnet" "$repo/src/MLNet.Nmf.Cluster/bin/Release/net10.0/MLNet.Nmf.Cluster.dll")
check=("dotnet" "$repo/examples/Cluster/ModelCheck/bin/Release/net10.0/ModelCheck.dll")

# 3. Shards: FeaturizeText of the descriptions, 6 binary IDV shards and shards.json.
step "splitting $corpus (${rows/#0/all} rows) into 6 shards"
max_rows=()
[ "$rows" != "0" ] && max_rows=(--max-rows "$rows")
"${cluster[@]}" split --input "$corpus" --shards 6 --out "$out/shards" "${max_rows[@]}" >"$logs/split.log" 2>&1 \
  || fail "split failed (see $logs/split.log)"
cat "$logs/split.log"

# 4. Three silos, each its own process; Redis for membership and checkpoints.
declare -A silo_pid
for i in 0 1 2; do
  port=$((11111 + i)); gateway=$((30000 + i))
  "${cluster[@]}" silo --port "$port" --gateway "$gateway" --clustering "$redis" --threads 1 >"$logs/silo-$i.log" 2>&1 &
  pid=$!
  pids+=("$pid"); silo_pid[$port]=$pid
done
for i in 0 1 2; do
  for _ in $(seq 120); do grep -q "NMF silo ready" "$logs/silo-$i.log" && break; sleep 0.5; done
  grep -q "NMF silo ready" "$logs/silo-$i.log" || fail "silo $i did not start (see $logs/silo-$i.log)"
done
step "silos: 127.0.0.1:11111 (pid ${silo_pid[11111]}), :11112 (pid ${silo_pid[11112]}), :11113 (pid ${silo_pid[11113]})"

# 5. The fit, in the background; its progress goes to fit.log.
step "fit: rank $rank, $iterations iterations, seed $seed"
"${cluster[@]}" fit --manifest "$out/shards/shards.json" --rank "$rank" --iterations "$iterations" --seed "$seed" \
  --out "$out/model.zip" --features-out "$out/features" --clustering "$redis" --report "$out/report.json" >"$logs/fit.log" 2>&1 &
fit_pid=$!
pids+=("$fit_pid")

# 6. After at least one checkpointed iteration, kill (kill -9) the silo that owns shard 1.
killed_pid=""; killed_at=""; victim=""
for _ in $(seq 1200); do
  kill -0 "$fit_pid" 2>/dev/null || break
  last=$(grep -Eo '^iteration [0-9]+' "$logs/fit.log" | tail -1 | awk '{print $2}')
  if [ -n "$last" ] && [ "$last" -ge 2 ]; then
    victim=$(grep -Eo 'shard 1: [0-9]+ rows, [0-9]+ non-zeros, on silo 127\.0\.0\.1:[0-9]+' "$logs/fit.log" | head -1 | grep -Eo '[0-9]+$')
    [ -n "$victim" ] || fail "no placement for shard 1 in $logs/fit.log"
    killed_pid=${silo_pid[$victim]}
    killed_at=$last
    kill -9 "$killed_pid"
    step "killed silo 127.0.0.1:$victim (pid $killed_pid, owner of shard 1) after iteration $killed_at was checkpointed"
    break
  fi
  sleep 0.1
done
[ -n "$killed_pid" ] || fail "the fit ended or stalled before a silo could be killed (see $logs/fit.log)"
[ "$killed_at" -lt "$iterations" ] || fail "the silo was killed after the last iteration"

wait "$fit_pid"; fit_status=$?
grep -E '^(event|done|resumed|error)' "$logs/fit.log" | sed 's/^/  /'
[ "$fit_status" -eq 0 ] || fail "the cluster fit failed (exit $fit_status, see $logs/fit.log)"
# Placement: every silo owned at least one shard when the fit started.
for port in 11111 11112 11113; do
  grep -Eq '^event: [0-9:.]+ shard [0-9]+: .* on silo 127\.0\.0\.1:'"$port"'@' "$logs/fit.log" || fail "silo 127.0.0.1:$port owned no shard (see $logs/fit.log)"
done
resumed_line=$(grep -m1 '^resumed:' "$logs/fit.log") || fail "the fit did not report resuming after the silo was killed"
resumed_at=$(echo "$resumed_line" | awk '{print $3}')
reassigned=$(echo "$resumed_line" | grep -Eo 'shard [0-9]+' | awk '{print $2}' | paste -sd, -)
[ -n "$reassigned" ] || fail "no shard was reported reassigned"

# 7. The model: the only .zip under OUTDIR, loaded in plain ML.NET and compared with the single-machine fit.
zips=$(find "$out" -name '*.zip' | wc -l)
[ "$zips" -eq 1 ] || fail "expected exactly one .zip under $out, found $zips"
"${check[@]}" "$out/model.zip" "$out/shards/shards.json" "$rank" "$iterations" "$seed" >"$logs/check.log" 2>&1; check_status=$?
cat "$logs/check.log" | sed 's/^/  /'
delta=$(grep -Eo 'max\|dH\| = [^ ]+' "$logs/check.log" | awk '{print $3}')
[ "$check_status" -eq 0 ] || fail "the cluster model differs from the single-machine fit (max |dH| = ${delta:-?})"

elapsed=$((SECONDS - start_time))
echo "cluster-demo: OK - killed silo pid $killed_pid (127.0.0.1:$victim) after iteration $killed_at; resumed at iteration $resumed_at from the checkpoint of iteration $((resumed_at - 1)); shards reassigned: $reassigned; max |dH| vs single-machine fit = $delta (bit-identical); ${elapsed}s"
