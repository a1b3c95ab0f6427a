#!/usr/bin/env bash
# The committed one-seed protocols of chapter 7 (results/protocols/, the package's defaults: 4.064 s window for
# the 2D network, 2 s for the 1D, mixed bfloat16, model chosen on 10 % of the training speakers' utterances) run
# again with 3 model seeds each (measurement issue, part 1), into results/protocols/<name>-seeds3/, so that their
# comparisons carry the seed-to-seed spread and an ensemble. The order is by cost: 2D speaker-independent (5 pairs
# x 3 seeds, about 20 min on 2 CPU cores), 2D LOSO (10 x 3, about 40 min), 1D speaker-independent (5 x 3, about
# 55 min). Each protocol folder's summary.json records its wall time and hardware; re-running resumes.
#   SERCNN_DATA=../shared/data bash bench/reruns.sh
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${RERUNS_OUT:-results/protocols}
SEEDS=${RERUNS_SEEDS:-3}
run() { echo "== $(date -u +%FT%TZ) $*"; python -m sercnn "$@" --no-progress || echo "!! failed: $*"; }
run protocol speaker-independent --model 2d --seconds 4.064 --precision mixed_bfloat16 --seeds "$SEEDS" --out "$OUT/emodb-2d-si-seeds$SEEDS"
run protocol loso --model 2d --seconds 4.064 --precision mixed_bfloat16 --seeds "$SEEDS" --out "$OUT/emodb-2d-loso-seeds$SEEDS"
run protocol speaker-independent --model 1d --seconds 2 --precision mixed_bfloat16 --seeds "$SEEDS" --out "$OUT/emodb-1d-si-seeds$SEEDS"
