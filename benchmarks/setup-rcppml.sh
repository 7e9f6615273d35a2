#!/usr/bin/env bash
# One-time machine setup for the second peer, RcppML (Debian 12's r-cran-rcppml 0.3.7, with R and the Matrix package).
# Run as root. Idempotent: installs only what is missing and says what it installed (or that nothing was needed).
# Used by benchmarks/run-comparison.sh through benchmarks/rcppml_nmf_bench.R; see docs/benchmarks.md.
set -euo pipefail
wanted=(r-base-core r-cran-rcppml r-cran-matrix)
missing=()
for p in "${wanted[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "setup-rcppml: nothing to install (${wanted[*]} already installed)"
else
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup-rcppml: ${missing[*]} missing; run this script as root (it uses apt-get)" >&2
    exit 1
  fi
  apt-get update -o Acquire::Languages=en
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
  echo "setup-rcppml: installed ${missing[*]}"
fi
for p in "${wanted[@]}"; do dpkg-query -W -f='setup-rcppml: ${Package} ${Version}\n' "$p"; done
Rscript -e 'cat("R", as.character(getRversion()), " RcppML", as.character(packageVersion("RcppML")), " Matrix", as.character(packageVersion("Matrix")), "\n")'
