#!/usr/bin/env bash
# Runs MLNet.Nmf's benchmark cases and its peers' on this machine, section by section (each section: scikit-learn, then
# RcppML, then ours), appending one JSON line per case to benchmarks/results/<date>/{peer,rcppml,ours}.jsonl.
# See docs/benchmarks.md.
# Needs: ../shared/bench beside the repo, Debian's python3-sklearn (../shared/bench/setup.sh, as root) and, for the
# second peer, R with RcppML 0.3.7 (benchmarks/setup-rcppml.sh, as root; without Rscript or RcppML that peer is skipped
# with a message).
# ONLY="dense k10 k50 k100 kl transform" picks sections (default: all; the whole run takes about 40 minutes on an idle
# 2-core machine, plus RcppML's cases). PEERS="sklearn rcppml" picks the peers (default: both; PEERS=rcppml runs ours
# and RcppML only). Run nothing else meanwhile: every suite uses both cores.
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
peers=" ${PEERS:-sklearn rcppml} "
sklearn=false; rcppml=false
[[ "$peers" == *" sklearn "* ]] && sklearn=true
if [[ "$peers" == *" rcppml "* ]]; then
  if ! command -v Rscript >/dev/null; then
    echo "RcppML peer skipped: no Rscript on PATH (run benchmarks/setup-rcppml.sh as root)" >&2
  elif ! Rscript -e 'quit(status = !requireNamespace("RcppML", quietly = TRUE))' >/dev/null 2>&1; then
    echo "RcppML peer skipped: R has no RcppML package (run benchmarks/setup-rcppml.sh as root)" >&2
  else
    rcppml=true
  fi
fi
if ! $sklearn; then py() { :; }; fi
# RcppML: 2 threads, set both ways (its own setRcppMLthreads(2) in the script, and OpenMP's and OpenBLAS's variables).
rc() { if $rcppml; then OMP_NUM_THREADS=2 OPENBLAS_NUM_THREADS=2 Rscript benchmarks/rcppml_nmf_bench.R --threads 2 "$@" >> "$out/rcppml.jsonl"; fi; }
# The extra iteration counts of ours that find the first one at RcppML's error (summarize_rcppml.py), only with RcppML.
more() { if $rcppml; then echo "$@"; fi; }
csr="$shared/data/tfidf-debian-mf20000.csr"
dense="$peer/data/synthetic-5000x2000-k20-s0.f32"
# Ours: the issue's command line, every other option at its default (no --inner); "time to error" is the first
# iteration count of each grid whose error is at most the peer's.
# MLNET_NMF_PROFILE=1 records the stages and the row-sweeps executed (the floor counts them).
fro() { MLNET_NMF_PROFILE=1 bench fit "$@" --tol 0 --solver cd --loss frobenius --init nndsvda --runs 3; }

if section dense; then
  py --dataset synthetic --synthetic data/synthetic-5000x2000-k20-s0 --k 20 --max-iter 200 --configs cd:nndsvda:fro,mu:nndsvda:fro
  # RcppML: 100 iterations (its default maxit), exactly (tol = -Inf).
  rc --dense "$dense" --k 20 --maxit 100
  rc --dense "$dense" --k 20 --maxit 100 --tol 1e-4   # RcppML's defaults: where its own stopping rule ends
  for it in 200 20 30 $(more 10 40 60 100); do fro --dense "$dense" --rank 20 --iterations $it; done
fi
if section k10; then
  py --dataset text --max-features 20000 --k 10 --max-iter 200 --transform-repeats 1 --configs cd:nndsvda:fro
  # RcppML: 100 iterations exactly, then its projection (project(A, w = w), 5 timed calls): the transform comparison.
  rc --csr "$csr" --k 10 --maxit 100 --transform-repeats 5
  rc --csr "$csr" --k 10 --maxit 100 --tol 1e-4
  for it in 20 30 40 60 $(more 1 2 3 5 10 100); do fro --csr "$csr" --rank 10 --iterations $it; done
fi
if section k100; then
  # At k = 100 the peer runs 50 iterations; our 20-iteration fit also gives the final projection's share.
  py --dataset text --max-features 20000 --k 100 --max-iter 50 --transform-repeats 1 --configs cd:nndsvda:fro,mu:nndsvda:fro
  # RcppML: 30 iterations exactly (its default tol = 1e-4 stops it after about 30 at k = 100; each costs seconds).
  rc --csr "$csr" --k 100 --maxit 30
  for it in 20 60 $(more 30 40); do fro --csr "$csr" --rank 100 --iterations $it; done
fi
if section k50; then
  py --dataset text --max-features 20000 --k 50 --max-iter 200 --transform-repeats 1 --configs cd:nndsvda:fro
  # RcppML: 30 iterations exactly (its default tol = 1e-4 stops it before 30 at k = 50).
  rc --csr "$csr" --k 50 --maxit 30
  for it in 60 80 100 150 $(more 20 30 40); do fro --csr "$csr" --rank 50 --iterations $it; done
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
