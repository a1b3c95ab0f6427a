#!/usr/bin/env bash
# Issue 12, part 1: cross-corpus runs, EmoDB -> RAVDESS and RAVDESS -> EmoDB, on the six classes they share
# (EmoDB's boredom left out), baselines with the training-fit standardiser and with speaker normalisation, then
# the pre-registered 2D configuration (recipes.PREREGISTERED) with 3 model seeds, as it is and with each file
# cut to its sound (--trim-db 40). Each protocol folder's
# summary.json records its wall time and hardware; re-running resumes where it stopped.
#   SERCNN_DATA=../shared/data bash bench/cross_corpus.sh [baselines|networks|all]
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${CROSS_OUT:-results/cross-corpus}
SEEDS=${CROSS_SEEDS:-3}
RUNG=${CROSS_RUNG:-dropout}
WHAT=${1:-all}
run() { echo "== $(date -u +%FT%TZ) $*"; python -m sercnn "$@" --no-progress || echo "!! failed: $*"; }
pairs=("emodb ravdess" "ravdess emodb")
if [ "$WHAT" != networks ]; then
  for model in svm-egemaps svm-compare; do
    for norm in train speaker; do
      for pair in "${pairs[@]}"; do
        set -- $pair
        run protocol cross-corpus --train "$1" --test "$2" --model "$model" --normalise "$norm" \
            --out "$OUT/$1-to-$2/$model-$norm"
      done
    done
  done
fi
if [ "$WHAT" != baselines ]; then
  for pair in "${pairs[@]}"; do
    set -- $pair
    run protocol cross-corpus --train "$1" --test "$2" --recipe "$RUNG" --seeds "$SEEDS" --out "$OUT/$1-to-$2/$RUNG"
    # the same with each file cut to its sound first: RAVDESS clips start with about 1 s of room noise, so a 2 s
    # window from the start of the file holds 60 % sound and leaves out 41 % of the speech (book/01_data.ipynb)
    run protocol cross-corpus --train "$1" --test "$2" --recipe "$RUNG" --trim-db 40 --seeds "$SEEDS" \
        --out "$OUT/$1-to-$2/$RUNG-trim40"
  done
fi
