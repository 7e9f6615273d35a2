#!/usr/bin/python3
"""The peer of `stream-fit`: scikit-learn's MiniBatchNMF fitted with partial_fit over the rows of a CSR file
repeated N times, batch by batch (the N-fold matrix is never built), for P passes; then the relative error
of transform() on the 1x rows. Same CSR format as the bench CLI (../shared/bench/README.md).

Run with Debian's /usr/bin/python3 (python3-sklearn), e.g.
    OMP_NUM_THREADS=2 OPENBLAS_NUM_THREADS=2 /usr/bin/python3 benchmarks/sklearn_minibatch_stream.py \
        --csr ../shared/bench/data/tfidf-debian-mf20000.csr --rank 20 --replicate 16 --passes 1 --runs 1
Progress goes to stderr; the last stdout line is a JSON record (seconds_median, seconds_per_pass,
relative_error, passes, rows_read, peak_working_set_bytes = VmHWM over the whole command).
"""
import argparse
import json
import os
import sys
import time

import numpy as np
import scipy.sparse as sp
import sklearn
from sklearn.decomposition import MiniBatchNMF


def load_csr(path):
    stem = path[:-4] if path.endswith(".csr") else path
    with open(stem + ".json") as f:
        hdr = json.load(f)
    raw = np.fromfile(stem + ".csr", dtype=np.uint8)
    rows, cols, nnz = hdr["rows"], hdr["cols"], hdr["nnz"]
    indptr = np.frombuffer(raw, dtype="<i8", count=rows + 1, offset=0)
    indices = np.frombuffer(raw, dtype="<i4", count=nnz, offset=8 * (rows + 1))
    data = np.frombuffer(raw, dtype="<f4", count=nnz, offset=8 * (rows + 1) + 4 * nnz)
    return sp.csr_matrix((data.copy(), indices.copy(), indptr.copy()), shape=(rows, cols)), os.path.basename(stem)


def vm_hwm_bytes():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return None


def relative_error(X, W, H):
    W = W.astype(np.float64)
    H = H.astype(np.float64)
    X64 = X.astype(np.float64)
    norm_x2 = float(np.dot(X64.data, X64.data))
    cross = float(np.sum((X64 @ H.T) * W))
    model2 = float(np.sum((W.T @ W) * (H @ H.T)))
    return float(np.sqrt(max(norm_x2 - 2 * cross + model2, 0.0) / norm_x2))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--csr", required=True)
    p.add_argument("--rank", type=int, default=20)
    p.add_argument("--replicate", type=int, default=1)
    p.add_argument("--passes", type=int, default=1)
    p.add_argument("--runs", type=int, default=1)
    p.add_argument("--batch-size", type=int, default=1024, help="rows per partial_fit call (MiniBatchNMF's default)")
    p.add_argument("--seed", type=int, default=0)
    a = p.parse_args()

    X, name = load_csr(a.csr)
    m = X.shape[0]
    seconds, model = [], None
    for run in range(a.runs):
        model = MiniBatchNMF(n_components=a.rank, batch_size=a.batch_size, random_state=a.seed)
        start = time.perf_counter()
        done = 0
        try:
            for pass_ in range(a.passes):
                t = time.perf_counter()
                for copy in range(a.replicate):
                    for lo in range(0, m, a.batch_size):
                        model.partial_fit(X[lo:lo + a.batch_size])
                        done += min(a.batch_size, m - lo)
                print("sklearn MiniBatchNMF: run %d pass %d of %d rows in %.2f s" % (run + 1, pass_ + 1, a.replicate * m, time.perf_counter() - t),
                      file=sys.stderr, flush=True)
        except ValueError as e:
            # MiniBatchNMF's W solve divides by ‖W‖, which fails once a batch's W is all zeros.
            print(json.dumps({"command": "sklearn-minibatchnmf-stream", "dataset": name, "rank": a.rank, "replicate": a.replicate,
                              "passes": a.passes, "batch_size": a.batch_size, "error": str(e), "failed_after_rows": done,
                              "seconds_until_failure": time.perf_counter() - start, "peak_working_set_bytes": vm_hwm_bytes(),
                              "sklearn": sklearn.__version__}))
            return
        seconds.append(time.perf_counter() - start)
    W = model.transform(X)
    rel = relative_error(X, W, model.components_)
    seconds.sort()
    median = seconds[len(seconds) // 2] if len(seconds) % 2 else 0.5 * (seconds[len(seconds) // 2 - 1] + seconds[len(seconds) // 2])
    print(json.dumps({
        "command": "sklearn-minibatchnmf-stream", "dataset": name, "rows": m, "cols": X.shape[1], "nnz": int(X.nnz),
        "rank": a.rank, "replicate": a.replicate, "stream_rows": a.replicate * m, "batch_size": a.batch_size,
        "passes": a.passes, "rows_read": a.passes * a.replicate * m, "runs": a.runs, "seed": a.seed,
        "seconds_median": median, "seconds_all": seconds, "seconds_per_pass": median / a.passes,
        "relative_error": rel, "peak_working_set_bytes": vm_hwm_bytes(),
        "threads": os.environ.get("OMP_NUM_THREADS"), "sklearn": sklearn.__version__,
    }))


if __name__ == "__main__":
    main()
