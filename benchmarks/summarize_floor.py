#!/usr/bin/env python3
"""Time-to-error and floor table of docs/benchmarks.md (issue 12) from one session's results.
Usage: summarize_floor.py results/<date> [--fma GFLOPS] [--copy GBPS] [--memory FILE.jsonl]

Peer: the better (lower relative error; then faster) of scikit-learn's cd and mu rows for the same data and k.
Ours: each fit line; "reaches" when its relative error <= the peer's x (1 + 1e-7); the time-to-error row of a grid is the
first iteration count that reaches. Floor of our solver: per iteration, the larger of the compute floor
(2 products x 2*N*k FLOP, N = nnz or m*n, plus 2*k^2 FLOP per row-sweep actually executed, counted by the engine when
MLNET_NMF_PROFILE=1) over the FMA peak and the bandwidth floor (X and its transposed copy read once each, W and H^T read
and written once) over the copy bandwidth. Floor per kernel (the issue's wording): each kernel's own larger of its compute
and bandwidth floors, summed over the kernels an iteration runs one after another: the two products (2*N*k FLOP; X or
its copy and the gathered factor read once), the sweeps of W and of H (2*k^2 FLOP per counted row-sweep; the factor read
once) and the two Gram matrices (k*(k+1) FLOP per row; the factor read once). Outputs written are not counted."""
import json, sys, os

args = sys.argv[1:]
folder = args[0]
fma = float(args[args.index("--fma") + 1]) if "--fma" in args else 189.5
copy = float(args[args.index("--copy") + 1]) if "--copy" in args else 41.05
ours = [json.loads(l) for l in open(os.path.join(folder, "ours.jsonl"))]
peer = [json.loads(l) for l in open(os.path.join(folder, "peer.jsonl"))] if os.path.exists(os.path.join(folder, "peer.jsonl")) else []

def per_kernel_floor_seconds(o):
    n_stored, k, m, n, it = o["nnz"], o["rank"], o["rows"], o["cols"], o["iterations"]
    counts = o.get("counts_last_run") or {}
    dense = n_stored == m * n
    x_bytes = 4.0 * m * n if dense else 8.0 * n_stored + 4.0 * (m + 1)
    xt_bytes = 4.0 * m * n if dense else 8.0 * n_stored + 4.0 * (n + 1)
    def kernel(flops, bytes_):
        return max(flops / fma / 1e9, bytes_ / copy / 1e9)
    per_iteration = (kernel(2.0 * n_stored * k, x_bytes + 4.0 * n * k)      # X·Hᵀ
                     + kernel(2.0 * n_stored * k, xt_bytes + 4.0 * m * k)   # Xᵀ·W
                     + kernel(1.0 * m * k * (k + 1), 4.0 * m * k)           # Gram of W
                     + kernel(1.0 * n * k * (k + 1), 4.0 * n * k))          # Gram of H
    sweeps = (kernel(2.0 * k * k * counts.get("row-sweeps W", 0), it * 4.0 * m * k)
              + kernel(2.0 * k * k * counts.get("row-sweeps H", 0), it * 4.0 * n * k))
    return it * per_iteration + sweeps

def key(dataset):
    return "synthetic" if "synthetic" in dataset else "text"

def best_peer(dataset, k):
    rows = [p for p in peer if key(p["dataset"]) == dataset and p["k"] == k and p["beta_loss"] == "frobenius"]
    return min(rows, key=lambda p: (p["rel_err"], p["fit_s"])) if rows else None

def floor_seconds(o):
    n_stored, k, m, n, it = o["nnz"], o["rank"], o["rows"], o["cols"], o["iterations"]
    counts = o.get("counts_last_run") or {}
    sweeps = counts.get("row-sweeps W", 0) + counts.get("row-sweeps H", 0)
    flops = it * 2 * 2.0 * n_stored * k + 2.0 * k * k * sweeps
    dense = n_stored == m * n
    x_bytes = 4.0 * m * n if dense else 8.0 * n_stored + 4.0 * (m + 1)
    bytes_ = it * (2 * x_bytes + 2 * 4.0 * (m + n) * k)
    return max(flops / fma / 1e9, bytes_ / copy / 1e9), bool(counts)

print("| data | k | ours iterations | ours fit s (median of 3) | ours rel. error | reaches peer | peer (sklearn, nndsvda) | peer fit s | peer rel. error | ratio ours/peer | ours solver s | floor s (solver) | solver / floor | final projection s (share of fit) | floor per kernel s (sum) | solver / floor per kernel |")
print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
for o in ours:
    if o["command"] != "fit" or o["loss"] != "Frobenius":
        continue
    d = key(o["dataset"])
    p = best_peer(d, o["rank"])
    fl, counted = floor_seconds(o)
    pk = per_kernel_floor_seconds(o)
    stages = o.get("stage_seconds_last_run") or {}
    proj = stages.get("final projection")
    proj_text = f"{proj:.3f} ({100 * proj / o['seconds_all'][-1]:.1f} %)" if proj is not None else "–"
    reaches = p is not None and o["relative_error"] <= p["rel_err"] * (1 + 1e-7)
    ptext = f"{p['solver']}, {p['max_iter']} it | {p['fit_s']:.3f} | {p['rel_err']:.7f}" if p else "– | – | –"
    ratio = f"**{o['seconds_median'] / p['fit_s']:.3f}**" if p else "–"
    print(f"| {d} | {o['rank']} | {o['iterations']} | {o['seconds_median']:.3f} | {o['relative_error']:.7f} | {'yes' if reaches else 'no'} | {ptext} | {ratio} | "
          f"{o['solver_seconds']:.3f} | {fl:.3f}{'' if counted else ' (products only)'} | {o['solver_seconds'] / fl:.1f}× | {proj_text} | {pk:.3f} | {o['solver_seconds'] / pk:.1f}× |")

print()
print("| data | k | first fit: peak above baseline MB (× data+factors) | peak after each fit in one process, MB | growth after the first fit MB |")
print("|---|---|---|---|---|")
memory = [json.loads(l) for l in open(args[args.index("--memory") + 1])] if "--memory" in args else ours
for o in memory:
    if o["command"] == "fit" and "peak_after_each_fit_mb" in o:
        peaks = o["peak_after_each_fit_mb"]
        print(f"| {key(o['dataset'])} {o['solver']} {o['iterations']} it | {o['rank']} | {o['peak_above_before_fit_mb']:.1f} ({o['peak_above_before_over_data_plus_factors']:.2f}×) | "
              f"{', '.join(f'{x:.1f}' for x in peaks)} | {peaks[-1] - peaks[0]:.1f} (2nd {peaks[1] - peaks[0]:.1f}, 3rd {peaks[2] - peaks[1]:.1f}, 4th {peaks[3] - peaks[2]:.1f}) |")
