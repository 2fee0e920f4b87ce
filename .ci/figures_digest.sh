#!/usr/bin/env bash
# The figures of the shipped sample as one digest per output file: run before and after a
# change that must not move any figure (a restructuring) and diff the two lists.
#   bash .ci/figures_digest.sh OUT_DIR > digest.txt
# Covers `make plan`'s batch run and `planning plan` / `forecast` / `controlling` on the sample;
# lists the SHA-256 of every CSV, Parquet and JSON file (not the batch manifest: it holds the
# run time), by its path inside the run folder.
set -euo pipefail
out=${1:?usage: figures_digest.sh OUT_DIR}
bin=${BIN:-.venv/bin}
mkdir -p "$out"
$bin/planning batch --config data/configs/cloudflow.yaml --data data/sample --regions all \
  --out "$out/batch" >/dev/null
$bin/planning plan --config data/configs/cloudflow.yaml --draws 2000 --seed 42 \
  --data data/sample --out "$out/plan" >/dev/null
$bin/planning plan --config data/configs/cloudflow.yaml --region DE-Süd \
  --scenario worst --out "$out/plan_region" >/dev/null
$bin/planning forecast --data data/sample --by region,product --horizon 12 --workers 2 \
  --out "$out/forecast" >/dev/null
$bin/planning controlling --config data/configs/cloudflow.yaml --actuals data/sample \
  --out "$out/controlling" >/dev/null
cd "$out"
find . -type f \( -name '*.csv' -o -name "*.parquet" -o -name "*.json" \) -print0 | sort -z |
  grep -zv "/manifest.json$" | xargs -0 sha256sum | sed -E 's#\./batch/[^/]+/#./batch/RUN/#'
