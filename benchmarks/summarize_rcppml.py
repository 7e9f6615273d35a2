#!/usr/bin/env python3
"""Pairs MLNet.Nmf's benchmark lines with RcppML's (the second peer) from one run of run-comparison.sh and prints the
Markdown table of docs/benchmarks.md. Usage: summarize_rcppml.py results/<date>

Per RcppML line (rcppml.jsonl): ours at the same iteration count (ours.jsonl: fit, coordinate descent, Frobenius,
nndsvda, no missing values), and "time to RcppML's error": the fewest iterations of our grid (every iteration count
of that case in ours.jsonl) whose relative error is at most RcppML's × (1 + 1e-7), with its time and ratio."""
import json
import os
import sys

folder = sys.argv[1]


def lines(name):
    path = os.path.join(folder, name)
    return [json.loads(l) for l in open(path) if l.strip()] if os.path.exists(path) else []


ours = [o for o in lines("ours.jsonl")
        if o["command"] == "fit" and o["solver"] == "CoordinateDescent" and o["loss"] == "Frobenius"
        and o["init"] == "Nndsvda" and not o.get("missing_fraction") and not o.get("inner_iterations")]
rcppml = lines("rcppml.jsonl")
if not rcppml:
    sys.exit(f"{folder}: no rcppml.jsonl (run run-comparison.sh with PEERS containing rcppml, after setup-rcppml.sh)")


def kind(dataset):
    return "synthetic" if "synthetic" in dataset else "tfidf-mf20000" if "mf20000" in dataset else dataset


def grid(data, k):
    """Our lines of that case, one per iteration count (the last line wins), fewest iterations first."""
    by_count = {o["iterations"]: o for o in ours if kind(o["dataset"]) == data and o["rank"] == k}
    return [by_count[i] for i in sorted(by_count)]


print("| data | k | ours: iterations | ours fit s (median of 3) | ours rel err | RcppML: iterations | RcppML fit s (median of 3) "
      "| RcppML rel err | time ratio ours/RcppML | ours at RcppML's error: iterations, s, rel err | time ratio there |")
print("|---|---|---|---|---|---|---|---|---|---|---|")
for r in rcppml:
    data = kind(r["dataset"])
    cases = grid(data, r["k"])
    same = next((o for o in cases if o["iterations"] == r["n_iter"]), None)
    target = r["rel_err"] * (1 + 1e-7)
    first = next((o for o in cases if o["relative_error"] <= target), None)
    row = [data, str(r["k"])]
    if same:
        row += [str(same["iterations"]), f"{same['seconds_median']:.3f}", f"{same['relative_error']:.6f}"]
    else:
        row += ["–", "–", "–"]
    rule = "exactly" if r["tol"] == float("-inf") else f"tol {r['tol']:g}" + (", its default" if r["tol"] == 1e-4 and r["max_iter"] == 100 else "")
    row += [f"{r['n_iter']} ({rule})", f"{r['fit_s']:.3f}", f"{r['rel_err']:.6f}"]
    row.append(f"**{same['seconds_median'] / r['fit_s']:.3f}**" if same else "–")
    if first:
        note = " (the grid's fewest)" if first is cases[0] else ""
        row += [f"{first['iterations']}{note}, {first['seconds_median']:.3f}, {first['relative_error']:.6f}",
                f"**{first['seconds_median'] / r['fit_s']:.3f}**"]
    else:
        best = min(cases, key=lambda o: o["relative_error"]) if cases else None
        row += [f"not reached (best: {best['iterations']} it, {best['relative_error']:.6f})" if best else "no lines of ours", "–"]
    print("| " + " | ".join(row) + " |")

print()
transforms = [o for o in lines("ours.jsonl") if o["command"] == "transform"]
for r in rcppml:
    if "transform_s" not in r:
        continue
    t = next((o for o in transforms if o["rank"] == r["k"] and kind(o["dataset"]) == kind(r["dataset"])), None)
    ours_text = (f"ours {t['seconds_median']:.4f} s (median of {t['runs']}, model of {t['iterations']} iterations) → "
                 f"ratio **{t['seconds_median'] / r['transform_s']:.3f}**" if t else "ours: no transform line")
    print(f"Transform (projection of all {r['shape'][0]} rows onto the fitted factors), k = {r['k']}: RcppML project() "
          f"{r['transform_s']:.4f} s (median of {len(r['transform_s_all'])}, model of {r['n_iter']} iterations, "
          f"rel err of the projection {r['transform_rel_err']:.6f}); {ours_text}.")
env = rcppml[0]["env"]
print()
print(f"RcppML {env['RcppML']} on R {env['R']} (Matrix {env['Matrix']}), {env['threads']} threads "
      f"(RcppMLthreads={env['RcppMLthreads']}, OMP_NUM_THREADS={env['OMP_NUM_THREADS']}), seed {env['seed']}, "
      f"warm-up {env['warmup_iter']} iterations, median of {env['repeats']}.")
