#!/usr/bin/env bash
# The streamed-fit benchmark (issue 9): MLNet.Nmf's `stream-fit` at 1x and 16x, the in-memory reference
# `fit`, and scikit-learn's MiniBatchNMF streamed the same way (benchmarks/sklearn_minibatch_stream.py), one
# after the other in one session. Appends JSON lines to benchmarks/results/<date>/streaming.jsonl.
# Needs ../shared/bench beside the repo and Debian's python3-sklearn (../shared/bench/setup.sh, as root).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
shared=${SHARED_BENCH:-$repo/../shared/bench}
out=${OUT:-$repo/benchmarks/results/$(date +%Y-%m-%d)}
mkdir -p "$out"
csr="$shared/data/tfidf-debian-mf20000.csr"
dotnet build benchmarks/MLNet.Nmf.Benchmarks -c Release >/dev/null
bench() { dotnet benchmarks/MLNet.Nmf.Benchmarks/bin/Release/net10.0/MLNet.Nmf.Benchmarks.dll "$@" | tail -1 >> "$out/streaming.jsonl"; }
peer() { OMP_NUM_THREADS=2 OPENBLAS_NUM_THREADS=2 /usr/bin/python3 benchmarks/sklearn_minibatch_stream.py "$@" | tail -1 >> "$out/streaming.jsonl"; }

bench fit --csr "$csr" --rank 20 --iterations 200 --tol 1e-4 --runs 3
bench stream-fit --csr "$csr" --rank 20 --replicate 1 --runs 3
peer --csr "$csr" --rank 20 --replicate 1 --passes 1 --runs 3
peer --csr "$csr" --rank 20 --replicate 1 --passes 5 --runs 1
peer --csr "$csr" --rank 20 --replicate 1 --passes 1 --runs 3 --batch-size 8192
bench stream-fit --csr "$csr" --rank 20 --replicate 16 --runs 1
peer --csr "$csr" --rank 20 --replicate 16 --passes 1 --runs 1
peer --csr "$csr" --rank 20 --replicate 16 --passes 1 --runs 1 --batch-size 8192
