#!/usr/bin/env bash
# The ladder of book/08_beyond.ipynb (sercnn.recipes.LADDER): every rung on the five speaker-independent
# EmoDB pairs with 3 model seeds, the baselines with and without speaker normalisation on the same folds,
# then the pre-registered configuration (rung "dropout": the changes fixed before the ladder ran, not the rung
# that scored best on the pairs, so no test speaker chooses it) and the baselines on LOSO, then the 1D network.
# Each protocol folder's summary.json records its wall time and hardware; re-running this script resumes where
# it stopped (finished runs are kept).
#   SERCNN_DATA=../shared/data bash bench/ladder.sh            # hours on 2 CPU cores
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${LADDER_OUT:-results/ladder}
SEEDS=${LADDER_SEEDS:-3}
LOSO_RUNG=${LADDER_LOSO_RUNG:-dropout}
run() { echo "== $(date -u +%FT%TZ) $*"; python -m sercnn "$@" || echo "!! failed: $*"; }

for model in svm-compare svm-egemaps; do
  for norm in train speaker; do
    run protocol speaker-independent --corpus emodb --model "$model" --normalise "$norm" --out "$OUT/si/$model-$norm"
  done
done
# The order of the ladder itself is sercnn.recipes.LADDER; the order of running is by what each run answers:
# "time" first (cheap, and the first change), then the pre-registered rung (recipes.PREREGISTERED, the one
# that faces the baselines), then the rungs between them, the 8 s base, and SpecAugment.
for rung in time "$LOSO_RUNG" speaker-norm val-speakers paper specaugment mixup; do
  run protocol speaker-independent --corpus emodb --recipe "$rung" --seeds "$SEEDS" --out "$OUT/si/$rung"
done
# the L2 penalties of section 5.2 on the pre-registered rung, their values chosen inside each pair by a search of
# 6 trials on its training speakers alone (trial 1: no penalty), once per pair; every seed trains what it found
run protocol speaker-independent --corpus emodb --recipe "$LOSO_RUNG" --search-trials 6 --search-space l2 \
    --seeds "$SEEDS" --out "$OUT/si-l2/$LOSO_RUNG"
for norm in train speaker; do
  run protocol loso --corpus emodb --model svm-egemaps --normalise "$norm" --out "$OUT/loso/svm-egemaps-$norm"
done
run protocol loso --corpus emodb --recipe "$LOSO_RUNG" --seeds "$SEEDS" --out "$OUT/loso/$LOSO_RUNG"
for norm in train speaker; do
  run protocol loso --corpus emodb --model svm-compare --normalise "$norm" --out "$OUT/loso/svm-compare-$norm"
done
# the 1D network (Table 1) on the copy's 2 s clips, with model selection on two whole training speakers
run protocol speaker-independent --corpus emodb --model 1d --seconds 2 --val-by speaker --val-size 0.25 \
    --seeds "$SEEDS" --out "$OUT/si-1d/val-speakers"
