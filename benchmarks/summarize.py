#!/usr/bin/env python3
"""Pairs MLNet.Nmf's benchmark lines with the peer's (scikit-learn) from one session and prints the
Markdown tables of docs/benchmarks.md. Usage: summarize.py results/<date>"""
import json, sys, os

folder = sys.argv[1]
ours = [json.loads(l) for l in open(os.path.join(folder, "ours.jsonl"))]
peer = [json.loads(l) for l in open(os.path.join(folder, "peer.jsonl"))] if os.path.exists(os.path.join(folder, "peer.jsonl")) else []

def peer_row(dataset, k, solver, init, loss):
    for p in peer:
        if dataset in p["dataset"] and p["k"] == k and p["solver"] == solver and p["init"] == init and p["beta_loss"] == loss:
            return p
    return None

SOLVER = {"CoordinateDescent": "cd", "MultiplicativeUpdate": "mu", "CoordinateDescentKL": "ccd-kl"}
print("| data | k | ours: solver, init, iterations[, inner sweeps] | ours fit s (median of 3) | ours rel err | ours KL div | peer: sklearn solver, init, 200 it | peer fit s | peer rel err | peer KL div | time ratio ours/peer | ours GFLOP/s (% fp32 peak) | peak RSS above baseline MB (× data+factors) |")
print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
for o in ours:
    if o["command"] != "fit":
        continue
    kl = o["loss"] == "KullbackLeibler"
    dataset = "synthetic" if "synthetic" in o["dataset"] else "tfidf-mf20000"
    init = o["init"].lower()
    p = peer_row("synthetic" if dataset == "synthetic" else "mf20000", o["rank"], "mu" if kl else "cd", init, "kullback-leibler" if kl else "frobenius")
    ratio = o["seconds_median"] / p["fit_s"] if p else float("nan")
    print(f"| {dataset} | {o['rank']} | {SOLVER[o['solver']]}, {init}, {o['iterations']}{', inner ' + str(o['inner_iterations']) if o.get('inner_iterations') else ''} | {o['seconds_median']:.3f} | {o['relative_error']:.6f} | "
          f"{o['divergence']:.5g} |" if kl else f"| {dataset} | {o['rank']} | {SOLVER[o['solver']]}, {init}, {o['iterations']}{', inner ' + str(o['inner_iterations']) if o.get('inner_iterations') else ''} | {o['seconds_median']:.3f} | {o['relative_error']:.6f} | – |", end="")
    if p:
        print(f" {p['solver']}, {p['init']} | {p['fit_s']:.3f} | {p['rel_err']:.6f} | {p['beta_div']:.5g} |" if kl else f" {p['solver']}, {p['init']} | {p['fit_s']:.3f} | {p['rel_err']:.6f} | – |", end="")
    else:
        print(" – | – | – | – |", end="")
    print(f" **{ratio:.3f}** | {o['solver_gflops']:.1f} ({o['solver_pct_of_fp32_peak']:.1f} %) | {o['peak_above_before_fit_mb']:.1f} ({o['peak_above_before_over_data_plus_factors']:.2f}×) |")

print()
for o in ours:
    if o["command"] == "transform":
        p = peer_row("mf20000", o["rank"], "cd", o["init"].lower(), "frobenius")
        print(f"Transform of all {o['rows']} rows, k = {o['rank']}: ours {o['seconds_median']:.3f} s (median of {o['runs']}, "
              f"{o['input_gb_per_second']:.2f} GB/s of input, {o['pct_of_copy_bandwidth']:.1f} % of copy bandwidth), "
              f"peer {p['transform_s']:.3f} s → ratio **{o['seconds_median'] / p['transform_s']:.3f}**; "
              f"max relative difference from the fit's own features {o['max_abs_diff_vs_fit_features']:.2g}.")
    if o["command"] == "fit-pipeline":
        engine = next((e for e in ours if e["command"] == "fit" and e["rank"] == o["rank"] and e["iterations"] == o["iterations"] and e["init"] == o["init"] and e["solver"] == o["solver"]), None)
        extra = f" (engine alone {engine['seconds_median']:.3f} s)" if engine else ""
        print(f"Fit through the ML.NET pipeline from an IDataView, k = {o['rank']}, {o['iterations']} iterations: {o['seconds_median']:.3f} s{extra}.")
    if o["command"] == "predict":
        print(f"PredictionEngine, one row, k = {o['rank']}, {o['cols']} terms, {o['predictions']} predictions: median {o['latency_us_median']:.2f} µs, p99 {o['latency_us_p99']:.2f} µs.")
