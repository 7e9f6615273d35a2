#!/usr/bin/env Rscript
# RcppML's NMF (the second peer) on the same bytes as MLNet.Nmf's benchmark CLI; one JSON line per --maxit value.
#
#   Rscript benchmarks/rcppml_nmf_bench.R (--csr FILE.csr | --dense FILE.f32) --k K --maxit N[,N2,...]
#       [--tol T] [--seed S] [--threads 2] [--repeats 3] [--transform-repeats 0]
#
# Data (the formats of ../shared/bench/README.md, read as benchmarks/MLNet.Nmf.Benchmarks/BenchData.cs reads them):
#   --csr   FILE.csr = int64 indptr (rows + 1) | int32 indices (nnz) | float32 data (nnz), little-endian, with FILE.json
#           (rows, cols, nnz) beside it.
#   --dense FILE.f32 = m x n float32, row-major, with FILE.json (m, n) beside it.
# X (rows = documents or samples) is handed to RcppML as A = t(X), features x samples, RcppML's own orientation (its
# columns are the samples; project() maps new columns). No copy is needed for either format: a CSR matrix is the CSC
# matrix (dgCMatrix) of its transpose, and a row-major m x n array is the column-major n x m array. The float32 values are
# widened to double exactly (R has no float32; RcppML computes in double).
#
# RcppML 0.3.7's nmf() (inst/include/RcppML/nmf.hpp): random w (R's runif after set.seed(seed); seed must be > 0 to be
# reproducible), then alternating least squares: every column of h, then of w, is the exact non-negative least-squares
# solution given the other factor (Cholesky solve, then sequential coordinate descent when a value is negative), each
# followed by scaling the factor's rows to sum to 1 into the diagonal d. Its stopping rule is tol_ = 1 - cor(w, w_prev)
# (Pearson correlation of w across consecutive iterations) < tol, or maxit iterations. --tol -Inf (the default here)
# makes it run exactly maxit iterations: tol_ < -Inf is never true, whereas 1 - cor can round to 0 or below 0.
#
# Threads: RcppML passes getRcppMLthreads() (the RcppMLthreads environment variable; 0 = OpenMP's default) to every
# "omp parallel for num_threads(...)"; this script calls setRcppMLthreads(--threads). Run it with OMP_NUM_THREADS and
# OPENBLAS_NUM_THREADS set to the same number too (Eigen's own products and R's BLAS; run-comparison.sh does).
#
# Timing: per --maxit value, one warm-up fit of min(maxit, 10) iterations, then --repeats fits; fit_s is their median
# (nmf() from the R call to its return: the initialization, RcppML's internal transpose of A, the iterations, the sort
# by d). The error is evaluated afterwards in double on the returned factors: rel_err = ||A - w diag(d) h||_F / ||A||_F
# (for sparse A by ||A||^2 - 2 sum(A * (w d h)) + sum((w d)'(w d) * h h'), never forming the dense product).
# --transform-repeats R > 0: project(A, w = w) (the samples' factors given the fitted features' factors), one warm-up
# then R timed calls; transform_s is their median and transform_rel_err = ||A - w h_projected||_F / ||A||_F (project
# solves A ~ w h for h, so d is absorbed into the projected h).
suppressPackageStartupMessages({
  library(Matrix)
  library(RcppML)
})

args <- commandArgs(trailingOnly = TRUE)
opt <- list(csr = NULL, dense = NULL, k = NULL, maxit = NULL, tol = "-Inf", seed = "1", threads = "2", repeats = "3",
            `transform-repeats` = "0")
i <- 1
while (i <= length(args)) {
  name <- sub("^--", "", args[i])
  if (!startsWith(args[i], "--") || !(name %in% names(opt)) || i == length(args))
    stop(sprintf("unknown or incomplete option '%s'; usage: rcppml_nmf_bench.R (--csr FILE | --dense FILE) --k K --maxit N[,N...] [--tol T] [--seed S] [--threads T] [--repeats R] [--transform-repeats R]", args[i]))
  opt[[name]] <- args[i + 1]
  i <- i + 2
}
if (is.null(opt$csr) == is.null(opt$dense)) stop("give exactly one of --csr FILE.csr and --dense FILE.f32")
if (is.null(opt$k) || is.null(opt$maxit)) stop("--k and --maxit are required")
k <- as.integer(opt$k)
maxits <- as.integer(strsplit(opt$maxit, ",")[[1]])
tol <- as.numeric(opt$tol)
seed <- as.integer(opt$seed)
threads <- as.integer(opt$threads)
repeats <- as.integer(opt$repeats)
transform_repeats <- as.integer(opt$`transform-repeats`)
if (is.na(k) || k < 1) stop(sprintf("--k %s: give a positive integer", opt$k))
if (any(is.na(maxits)) || any(maxits < 1)) stop(sprintf("--maxit %s: give positive integers separated by commas", opt$maxit))
if (is.na(seed) || seed < 1) stop(sprintf("--seed %s: give a positive integer (RcppML treats 0 as 'do not seed': the result would not be reproducible)", opt$seed))
if (is.na(threads) || threads < 1) stop(sprintf("--threads %s: give a positive integer", opt$threads))
if (is.na(repeats) || repeats < 1) stop(sprintf("--repeats %s: give a positive integer", opt$repeats))
setRcppMLthreads(threads)

# ----------------------------------------------------------------------------- memory (as the sklearn script)
status_mb <- function() {
  lines <- readLines("/proc/self/status")
  get <- function(key) as.numeric(strsplit(trimws(sub(paste0(key, ":"), "", grep(paste0("^", key, ":"), lines, value = TRUE))), " +")[[1]][1]) / 1024
  list(hwm = get("VmHWM"), rss = get("VmRSS"))
}
reset_peak <- function() tryCatch({ writeLines("5", "/proc/self/clear_refs"); TRUE }, error = function(e) FALSE, warning = function(w) FALSE)

# ----------------------------------------------------------------------------- data
stem_of <- function(path, ext) sub(paste0("(\\", ext, "|\\.json)$"), "", path)
read_header <- function(stem) {
  # The headers are flat JSON written by Python's json.dump; the integer fields are read by name.
  text <- paste(readLines(paste0(stem, ".json"), warn = FALSE), collapse = "\n")
  function(key) {
    m <- regmatches(text, regexec(sprintf("\"%s\"\\s*:\\s*([0-9]+)", key), text))[[1]]
    if (length(m) < 2) stop(sprintf("%s.json: no integer field '%s'", stem, key))
    as.numeric(m[2])
  }
}
sha256_of <- function(path) strsplit(system2("sha256sum", shQuote(path), stdout = TRUE), " ")[[1]][1]

if (!is.null(opt$csr)) {
  stem <- stem_of(opt$csr, ".csr")
  field <- read_header(stem)
  rows <- field("rows"); cols <- field("cols"); nnz <- field("nnz")
  file <- paste0(stem, ".csr")
  expected <- 8 * (rows + 1) + 4 * nnz + 4 * nnz
  if (file.size(file) != expected) stop(sprintf("%s: %.0f bytes, the header's rows %.0f and nnz %.0f need %.0f", file, file.size(file), rows, nnz, expected))
  con <- file(file, "rb")
  words <- readBin(con, "integer", n = 2 * (rows + 1), size = 4, endian = "little")  # int64 as (low, high) pairs
  indices <- readBin(con, "integer", n = nnz, size = 4, endian = "little")
  values <- readBin(con, "double", n = nnz, size = 4, endian = "little")            # float32 widened exactly
  close(con)
  if (any(words[c(FALSE, TRUE)] != 0)) stop(sprintf("%s: an indptr value does not fit in 31 bits", file))
  indptr <- words[c(TRUE, FALSE)]
  # The CSR arrays of X are the CSC arrays of t(X): A = t(X) is cols x rows.
  A <- new("dgCMatrix", i = indices, p = indptr, x = values, Dim = as.integer(c(cols, rows)))
  validObject(A)
  rm(words, indices, values, indptr)
  sparse <- TRUE
  dataset <- basename(stem)
  shape <- c(rows, cols)
  stored <- nnz
} else {
  stem <- stem_of(opt$dense, ".f32")
  field <- read_header(stem)
  m <- field("m"); n <- field("n")
  file <- paste0(stem, ".f32")
  if (file.size(file) != 4 * m * n) stop(sprintf("%s: %.0f bytes, the header's m %.0f and n %.0f need %.0f", file, file.size(file), m, n, 4 * m * n))
  con <- file(file, "rb")
  values <- readBin(con, "double", n = m * n, size = 4, endian = "little")
  close(con)
  A <- matrix(values, nrow = n, ncol = m)  # row-major m x n = column-major n x m = t(X)
  rm(values)
  sparse <- FALSE
  dataset <- basename(stem)
  shape <- c(m, n)
  stored <- m * n
}
norm_a2 <- if (sparse) sum(A@x^2) else sum(A^2)
source_sha256 <- sha256_of(file)

# ||A - w diag(d) h||_F^2 in double, and the zero fractions of the factors.
squared_residual <- function(A, wd, h) {
  if (sparse) {
    cross <- sum(as.matrix(A %*% t(h)) * wd)
    gram <- sum(crossprod(wd) * tcrossprod(h))
    max(norm_a2 - 2 * cross + gram, 0)
  } else {
    sum((A - wd %*% h)^2)
  }
}

now <- function() as.numeric(Sys.time())
env <- list(R = as.character(getRversion()), RcppML = as.character(packageVersion("RcppML")),
            Matrix = as.character(packageVersion("Matrix")), threads = threads,
            RcppMLthreads = Sys.getenv("RcppMLthreads"), OMP_NUM_THREADS = Sys.getenv("OMP_NUM_THREADS"),
            OPENBLAS_NUM_THREADS = Sys.getenv("OPENBLAS_NUM_THREADS"), repeats = repeats,
            transform_repeats = transform_repeats, warmup_iter = NA, seed = seed, orientation = "A = t(X): features x samples",
            source = list(file = basename(file), sha256 = source_sha256))

json_value <- function(v) {
  if (is.null(v)) return("null")
  if (is.list(v)) {
    if (is.null(names(v))) return(paste0("[", paste(vapply(v, json_value, ""), collapse = ", "), "]"))
    return(paste0("{", paste(sprintf("\"%s\": %s", names(v), vapply(v, json_value, "")), collapse = ", "), "}"))
  }
  if (length(v) != 1) return(paste0("[", paste(vapply(as.list(v), json_value, ""), collapse = ", "), "]"))
  if (is.na(v)) return("null")
  if (is.logical(v)) return(if (v) "true" else "false")
  if (is.character(v)) return(paste0("\"", gsub("\"", "\\\\\"", v), "\""))
  if (is.infinite(v)) return(if (v > 0) "1e999" else "-1e999")
  format(v, digits = 17, scientific = abs(v) > 0 && (abs(v) < 1e-4 || abs(v) >= 1e15))
}

for (maxit in maxits) {
  reset_ok <- reset_peak()
  before <- status_mb()
  warmup <- min(maxit, 10)
  invisible(nmf(A, k, tol = tol, maxit = warmup, seed = seed, verbose = FALSE))
  seconds <- numeric(repeats)
  model <- NULL
  for (r in seq_len(repeats)) {
    model <- NULL
    t0 <- now()
    model <- nmf(A, k, tol = tol, maxit = maxit, seed = seed, verbose = FALSE)
    seconds[r] <- now() - t0
  }
  wd <- sweep(model$w, 2, model$d, "*")  # features x k, times diag(d)
  residual2 <- squared_residual(A, wd, model$h)
  record <- list(
    peer = "RcppML", dataset = dataset, shape = shape, nnz = stored, sparse = sparse,
    density = stored / (shape[1] * shape[2]), dtype = "float32", k = k, max_iter = maxit, tol = tol,
    solver = "als", init = "random", beta_loss = "frobenius", n_iter = as.integer(model$iter),
    fit_tol = model$tol, fit_s = median(seconds), fit_s_all = as.list(seconds),
    rel_err = sqrt(residual2 / norm_a2), beta_div = 0.5 * residual2)
  if (transform_repeats > 0) {
    # The samples' factors given the fitted features' factors w (A ~ w h for h), RcppML's transform.
    invisible(project(A, w = model$w))
    tseconds <- numeric(transform_repeats)
    projected <- NULL
    for (r in seq_len(transform_repeats)) {
      projected <- NULL
      t0 <- now()
      projected <- project(A, w = model$w)
      tseconds[r] <- now() - t0
    }
    tresidual2 <- squared_residual(A, model$w, projected)
    record$transform_s <- median(tseconds)
    record$transform_s_all <- as.list(tseconds)
    record$transform_rel_err <- sqrt(tresidual2 / norm_a2)
    fitted_h <- sweep(model$h, 1, model$d, "*")
    record$transform_max_rel_diff_vs_fit <- max(abs(projected - fitted_h)) / max(abs(fitted_h))
  }
  after <- status_mb()
  record$peak_rss_mb <- if (reset_ok) after$hwm else NA
  record$rss_before_mb <- before$rss
  record$W_zero_frac <- mean(model$h == 0)  # the samples' factors (scikit-learn's W)
  record$H_zero_frac <- mean(model$w == 0)  # the features' factors (scikit-learn's H)
  env$warmup_iter <- warmup
  record$env <- env
  cat(json_value(record), "\n", sep = "")
}
