#!/usr/bin/env bash
# Issue 11, part 6: a build that cannot stall. Builds the book N times in a row with an empty execution cache each
# time (so every chapter really executes through jupyter-book's own executor, myst-nb + nbclient, with the
# per-cell timeout of _config.yml), and prints each build's wall time and result with the machine. A stall
# shows as a build that fails on the cell timeout (300 s) or takes far longer than the others.
#   bash bench/repeat_build.sh [N] [CHAPTER ...]      # default: 5 builds of the whole book
#   bash bench/repeat_build.sh 5 book/00_introduction  # 5 builds of chapter 0 alone (the one seen stalling)
set -uo pipefail
cd "$(dirname "$0")/.."
N=${1:-5}; shift || true
OUT=$(mktemp -d)
TOC=_toc.yml
STRICT=-W  # a subset of chapters links to chapters outside it: there, warnings are counted, not fatal
if [ "$#" -gt 0 ]; then
  TOC="$OUT/_toc.yml"; STRICT=
  { echo "format: jb-book"; echo "root: $1"; shift
    if [ "$#" -gt 0 ]; then echo "chapters:"; for c in "$@"; do echo "  - file: $c"; done; fi; } > "$TOC"
fi
echo "machine: $(uname -m), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "ipykernel $(python -c 'import ipykernel; print(ipykernel.__version__)'), nbclient $(python -c 'import nbclient; print(nbclient.__version__)'), toc $TOC"
for i in $(seq 1 "$N"); do
  start=$(date +%s)
  jupyter-book build . --toc "$TOC" --path-output "$OUT/build$i" $STRICT -n --keep-going > "$OUT/build$i.log" 2>&1
  rc=$?
  echo "build $i: rc=$rc, $(( $(date +%s) - start )) s, $(grep -c 'Executing' "$OUT/build$i.log" || true) notebook(s) executed," \
       "$(grep -c 'WARNING: .*\[' "$OUT/build$i.log" || true) Sphinx warning(s)$(grep -q 'CellTimeoutError\|Timeout waiting\|timed out' "$OUT/build$i.log" && echo ', A CELL TIMED OUT')"
done
echo "logs: $OUT"
