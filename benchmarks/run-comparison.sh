#!/usr/bin/env bash
# Runs MLNet.Nmf's benchmark suite and scikit-learn's (the peer) one after the other on this machine,
# appending one JSON line per case to benchmarks/results/<date>/{ours,peer}.jsonl. See docs/benchmarks.md.
# Needs: ../shared/bench beside the repo, Debian's python3-sklearn (../shared/bench/setup.sh, as root).
# Run nothing else meanwhile: both suites use both cores.
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
csr="$shared/data/tfidf-debian-mf20000.csr"
dense="$peer/data/synthetic-5000x2000-k20-s0.f32"
if [ "${SKIP_OURS:-0}" != 1 ]; then
  # Same iteration count as the peer, then the fewest iterations (of a short grid) that reach the peer's error.
  for it in 200 30 40; do bench fit --csr "$csr" --rank 10 --iterations $it --tol 0 --solver cd --init nndsvda --runs 3; done
  for it in 200 30; do bench fit --csr "$csr" --rank 10 --iterations $it --tol 0 --solver cd --init random --runs 3; done
  for it in 200 150 100; do bench fit --csr "$csr" --rank 50 --iterations $it --tol 0 --solver cd --init nndsvda --runs 3; done
  for it in 200 150 100; do bench fit --csr "$csr" --rank 50 --iterations $it --tol 0 --solver cd --init random --runs 3; done
  # At k = 50 fewer sweeps per update (InnerIterations = 2) reach a better minimum than the default.
  for init in nndsvda random; do bench fit --csr "$csr" --rank 50 --iterations 150 --tol 0 --solver cd --init $init --inner 2 --runs 3; done
  bench fit --csr "$csr" --rank 10 --iterations 200 --tol 0 --solver mu --loss kl --init nndsvda --runs 3
  for it in 10 20; do bench fit --csr "$csr" --rank 10 --iterations $it --tol 0 --solver ccd-kl --loss kl --init nndsvda --runs 3; done
  for it in 200 30; do bench fit --dense "$dense" --rank 20 --iterations $it --tol 0 --solver cd --init nndsvda --runs 3; done
  for it in 200 30; do bench fit --dense "$dense" --rank 20 --iterations $it --tol 0 --solver cd --init random --runs 3; done
  bench transform --csr "$csr" --rank 10 --iterations 200 --tol 0 --solver cd --init nndsvda --runs 5
  bench fit --csr "$csr" --rank 10 --iterations 30 --tol 0 --solver cd --init nndsvda --runs 3 --pipeline
  bench predict --csr "$csr" --rank 20 --iterations 50 --tol 0 --solver cd --init nndsvda --predict-rows 20000
fi
if [ "${SKIP_PEER:-0}" != 1 ]; then
  export OMP_NUM_THREADS=2 OPENBLAS_NUM_THREADS=2 MKL_NUM_THREADS=2
  cd "$peer"
  py() { /usr/bin/python3 sklearn_nmf_bench.py "$@" >> "$out/peer.jsonl"; }
  py --dataset text --max-features 20000 --k 10 --max-iter 200 --transform-repeats 1 --configs cd:nndsvda:fro,cd:random:fro,mu:nndsvda:kl
  py --dataset synthetic --synthetic data/synthetic-5000x2000-k20-s0 --k 20 --max-iter 200 --configs cd:nndsvda:fro,cd:random:fro
  py --dataset text --max-features 20000 --k 50 --max-iter 200 --transform-repeats 1 --configs cd:nndsvda:fro,cd:random:fro
fi
echo "wrote $out"
