#!/usr/bin/env bash
# Runs MLNet.Nmf's benchmark cases and scikit-learn's (the peer) on this machine, section by section (each section: the
# peer, then ours), appending one JSON line per case to benchmarks/results/<date>/{ours,peer}.jsonl. See docs/benchmarks.md.
# Needs: ../shared/bench beside the repo, Debian's python3-sklearn (../shared/bench/setup.sh, as root).
# ONLY="dense k10 k50 k100 kl transform" picks sections (default: all; the whole run takes about 40 minutes on an idle
# 2-core machine). Run nothing else meanwhile: both suites use both cores.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
shared=${SHARED_BENCH:-$repo/../shared/bench}
out=${OUT:-$repo/benchmarks/results/$(date +%Y-%m-%d)}
mkdir -p "$out"
peer=$(mktemp -d)
cp "$shared"/*.py "$peer"/
mkdir -p "$peer/data"
ln -sf "$shared"/data/* "$peer/data/"
[ -f "$peer/data/synthetic-5000x2000-k20-s0.f32" ] || (cd "$peer" && /usr/bin/python3 make_synthetic.py --m 5000 --n 2000 --k 20 --seed 0 >/dev/null)

dotnet build benchmarks/MLNet.Nmf.Benchmarks -c Release >/dev/null
bench() { dotnet benchmarks/MLNet.Nmf.Benchmarks/bin/Release/net10.0/MLNet.Nmf.Benchmarks.dll "$@" >> "$out/ours.jsonl"; }
py() { (cd "$peer" && OMP_NUM_THREADS=2 OPENBLAS_NUM_THREADS=2 MKL_NUM_THREADS=2 /usr/bin/python3 sklearn_nmf_bench.py "$@" >> "$out/peer.jsonl"); }
section() { [ -z "${ONLY:-}" ] || [[ " $ONLY " == *" $1 "* ]]; }
csr="$shared/data/tfidf-debian-mf20000.csr"
dense="$peer/data/synthetic-5000x2000-k20-s0.f32"
# Ours: the issue's command line, every other option at its default (no --inner); "time to error" is the first
# iteration count of each grid whose error is at most the peer's.
# MLNET_NMF_PROFILE=1 records the stages and the row-sweeps executed (the floor counts them).
fro() { MLNET_NMF_PROFILE=1 bench fit "$@" --tol 0 --solver cd --loss frobenius --init nndsvda --runs 3; }

if section dense; then
  py --dataset synthetic --synthetic data/synthetic-5000x2000-k20-s0 --k 20 --max-iter 200 --configs cd:nndsvda:fro,mu:nndsvda:fro
  for it in 200 20 30; do fro --dense "$dense" --rank 20 --iterations $it; done
fi
if section k10; then
  py --dataset text --max-features 20000 --k 10 --max-iter 200 --transform-repeats 1 --configs cd:nndsvda:fro
  for it in 20 30 40 60; do fro --csr "$csr" --rank 10 --iterations $it; done
fi
if section k100; then
  # At k = 100 the peer runs 50 iterations; our 20-iteration fit also gives the final projection's share.
  py --dataset text --max-features 20000 --k 100 --max-iter 50 --transform-repeats 1 --configs cd:nndsvda:fro,mu:nndsvda:fro
  for it in 20 60; do fro --csr "$csr" --rank 100 --iterations $it; done
fi
if section k50; then
  py --dataset text --max-features 20000 --k 50 --max-iter 200 --transform-repeats 1 --configs cd:nndsvda:fro
  for it in 60 80 100 150; do fro --csr "$csr" --rank 50 --iterations $it; done
fi
if section kl; then
  # The peer's MU-KL at 200 iterations (about 50 s a run: the section takes about 4 minutes).
  py --dataset text --max-features 20000 --k 10 --max-iter 200 --transform-repeats 1 --configs mu:nndsvda:kl
  for it in 10; do bench fit --csr "$csr" --rank 10 --iterations $it --tol 0 --solver ccd-kl --loss kl --init nndsvda --runs 3; done
fi
if section transform; then
  bench transform --csr "$csr" --rank 10 --iterations 200 --tol 0 --solver cd --init nndsvda --runs 5
fi
echo "wrote $out"
