#!/usr/bin/env bash
# The ladder of book/08_beyond.ipynb (sercnn.recipes.LADDER): every rung on the five speaker-independent
# EmoDB pairs with 3 model seeds, the baselines with and without speaker normalisation on the same folds,
# then the ladder's best rung and the baselines on LOSO. Each protocol folder's summary.json records its
# wall time and hardware; re-running this script resumes where it stopped (finished runs are kept).
#   SERCNN_DATA=../shared/data bash bench/ladder.sh            # hours on 2 CPU cores
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${LADDER_OUT:-results/ladder}
SEEDS=${LADDER_SEEDS:-3}
run() { echo "== $(date -u +%FT%TZ) $*"; python -m sercnn "$@" || echo "!! failed: $*"; }

for model in svm-compare svm-egemaps; do
  for norm in train speaker; do
    run protocol speaker-independent --corpus emodb --model "$model" --normalise "$norm" --out "$OUT/si/$model-$norm"
  done
done
# cheap rungs first (2 s input), the 8 s base after them; the order of the ladder itself is sercnn.recipes.LADDER
for rung in time speaker-norm val-speakers dropout paper specaugment; do
  run protocol speaker-independent --corpus emodb --recipe "$rung" --seeds "$SEEDS" --out "$OUT/si/$rung"
done
for model in svm-compare svm-egemaps; do
  for norm in train speaker; do
    run protocol loso --corpus emodb --model "$model" --normalise "$norm" --out "$OUT/loso/$model-$norm"
  done
done
run protocol loso --corpus emodb --recipe "${LADDER_BEST:-dropout}" --seeds "$SEEDS" --out "$OUT/loso/${LADDER_BEST:-dropout}"
