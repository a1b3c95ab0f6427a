#!/usr/bin/env bash
# Issue 12, part 1: RAVDESS within the corpus, leave one actor out (24 folds): the baselines with the training-fit
# standardiser and with speaker normalisation, then the pre-registered 2D configuration (recipes.PREREGISTERED)
# with 3 model seeds (seed 0 on every fold first, then seeds 1 and 2, so that a stopped run has whole folds of one
# seed to show). Each protocol folder's summary.json records its wall time and hardware; re-running resumes.
#   SERCNN_DATA=../shared/data bash bench/ravdess.sh [baselines|networks|all]    # the networks: hours on 2 CPU cores
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${RAVDESS_OUT:-results/ravdess/loso}
SEEDS=${RAVDESS_SEEDS:-3}
RUNG=${RAVDESS_RUNG:-dropout}
WHAT=${1:-all}
run() { echo "== $(date -u +%FT%TZ) $*"; python -m sercnn "$@" --no-progress || echo "!! failed: $*"; }
if [ "$WHAT" != networks ]; then
  for model in svm-egemaps svm-compare; do
    for norm in train speaker; do
      run protocol loso --corpus ravdess --model "$model" --normalise "$norm" --out "$OUT/$model-$norm"
    done
  done
fi
if [ "$WHAT" != baselines ]; then
  run protocol loso --corpus ravdess --recipe "$RUNG" --seeds 1 --out "$OUT/$RUNG"
  run protocol loso --corpus ravdess --recipe "$RUNG" --seeds "$SEEDS" --out "$OUT/$RUNG"
fi
