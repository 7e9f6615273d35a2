#!/usr/bin/env bash
# Cluster benchmark on one machine: the same shards fitted by 1, 2 and 3 silo processes (Redis clustering and
# checkpoints on 127.0.0.1) and by the single-process engine (NmfEngine.FitBlocks, same shards as blocks).
# Prints one JSON record per run and writes them to OUTDIR/cluster.jsonl.
#
# usage: benchmarks/cluster-bench.sh [OUTDIR] [RUNS]   (defaults: ./cluster-bench-out, 3)
# environment: NMF_CORPUS (default ../shared/data/debian-descriptions.tsv.gz), NMF_BENCH_ROWS (20000),
#              NMF_BENCH_RANK (20), NMF_BENCH_ITERATIONS (30), NMF_REDIS_PORT (6392)
set -uo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
out="$(mkdir -p "${1:-cluster-bench-out}" && cd "${1:-cluster-bench-out}" && pwd)"
runs="${2:-3}"
corpus="${NMF_CORPUS:-$repo/../shared/data/debian-descriptions.tsv.gz}"
rows="${NMF_BENCH_ROWS:-20000}"
rank="${NMF_BENCH_RANK:-20}"
iterations="${NMF_BENCH_ITERATIONS:-30}"
redis_port="${NMF_REDIS_PORT:-6392}"
redis="127.0.0.1:$redis_port"
logs="$out/logs"
mkdir -p "$logs"
: >"$out/cluster.jsonl"

pids=()
cleanup() { for pid in "${pids[@]}"; do kill -9 "$pid" 2>/dev/null; done; wait 2>/dev/null; }
trap cleanup EXIT INT TERM
fail() { echo "cluster-bench: FAILED - $*"; exit 1; }

command -v redis-server >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server; } >"$logs/apt.log" 2>&1
redis-server --bind 127.0.0.1 --port "$redis_port" --save "" --appendonly no >"$logs/redis.log" 2>&1 &
pids+=($!)
for _ in $(seq 50); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 0.2; done

dotnet build "$repo/src/MLNet.Nmf.Cluster" -c Release >"$logs/build.log" 2>&1 || fail "build"
dotnet build "$repo/examples/Cluster/ModelCheck" -c Release >>"$logs/build.log" 2>&1 || fail "build"
cluster=("dotnet" "$repo/src/MLNet.Nmf.Cluster/bin/Release/net10.0/MLNet.Nmf.Cluster.dll")
check=("dotnet" "$repo/examples/Cluster/ModelCheck/bin/Release/net10.0/ModelCheck.dll")
"${cluster[@]}" split --input "$corpus" --shards 6 --out "$out/shards" --max-rows "$rows" >"$logs/split.log" 2>&1 || fail "split"

for silos in 1 2 3; do
  for run in $(seq "$runs"); do
    redis-cli -p "$redis_port" flushall >/dev/null
    silo_pids=()
    for i in $(seq 0 $((silos - 1))); do
      "${cluster[@]}" silo --port $((11111 + i)) --gateway $((30000 + i)) --clustering "$redis" --threads 1 >"$logs/silo-$silos-$run-$i.log" 2>&1 &
      silo_pids+=($!); pids+=($!)
    done
    for i in $(seq 0 $((silos - 1))); do
      for _ in $(seq 120); do grep -q "NMF silo ready" "$logs/silo-$silos-$run-$i.log" && break; sleep 0.5; done
    done
    rm -f "$out/model.zip"
    "${cluster[@]}" fit --manifest "$out/shards/shards.json" --rank "$rank" --iterations "$iterations" --seed 42 \
      --out "$out/model.zip" --clustering "$redis" --report "$out/report.json" >"$logs/fit-$silos-$run.log" 2>&1 || fail "fit with $silos silos"
    python3 - "$out/report.json" "$silos" "$run" >>"$out/cluster.jsonl" <<'EOF'
import json, statistics, sys
r = json.load(open(sys.argv[1]))
s = r["IterationSeconds"][1:]  # the first iteration includes JIT and building each shard's transpose
print(json.dumps({"mode": "cluster", "silos": int(sys.argv[2]), "run": int(sys.argv[3]), "iterations": r["Iteration"],
                  "seconds_per_iteration_median": statistics.median(s), "bytes_sent_per_iteration": r["BytesPerIteration"],
                  "checkpoint_bytes_per_iteration": r["CheckpointBytesPerIteration"], "relative_error": r["RelativeError"]}))
EOF
    tail -1 "$out/cluster.jsonl"
    for pid in "${silo_pids[@]}"; do kill "$pid" 2>/dev/null; done
    wait "${silo_pids[@]}" 2>/dev/null
  done
done

# The single-process engine on the same shards (2 threads), and the check that the last cluster model equals it.
for run in $(seq "$runs"); do
  "${check[@]}" "$out/model.zip" "$out/shards/shards.json" "$rank" "$iterations" 42 >"$logs/single-$run.log" 2>&1 || fail "single-process fit or comparison"
  python3 - "$logs/single-$run.log" "$run" >>"$out/cluster.jsonl" <<'EOF'
import json, re, sys
line = [l for l in open(sys.argv[1]) if l.startswith("model-check:")][0]
print(json.dumps({"mode": "single-process", "run": int(sys.argv[2]),
                  "seconds_per_iteration": float(re.search(r"\(([0-9.]+) s/iteration", line).group(1)),
                  "bit_identical_to_cluster": "bit-identical: yes" in line}))
EOF
  tail -1 "$out/cluster.jsonl"
done
