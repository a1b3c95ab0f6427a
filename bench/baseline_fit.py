"""Fit time of the openSMILE + linear SVM baseline's grid search in one process against all cores, on committed folds.

    python bench/baseline_fit.py                                             # EmoDB, ComParE, pair 03-08
    python bench/baseline_fit.py results/ravdess/loso/svm-compare-train/01/record.json

Each record's configuration is run again (features from the cache) with ``n_jobs`` 1 and with every core; this
prints both fit times, their ratio (measured in one run, on one machine: compare ratios, not seconds, across the
shared machines this project runs on), the machine, and whether both runs reproduced the record's held-out
predictions and scores exactly (every fit of the grid is seeded, so they must). Run it on an idle machine: a
training job beside it takes the cores the parallel search would use.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
import tempfile
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sercnn import baselines, records  # noqa: E402
from sercnn.config import BaselineConfig  # noqa: E402

DEFAULT = ROOT / "results/ladder/si/svm-compare-train/03-08/record.json"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("records", nargs="*", type=Path, default=[DEFAULT], help="baseline run records")
    args = ap.parse_args(argv)
    print(f"machine: {records.hardware_text(records.hardware())}")
    fields = {f.name for f in dataclasses.fields(BaselineConfig)}
    for path in args.records:
        committed = json.loads(path.read_text())
        fits = {}
        for n_jobs in (1, os.cpu_count() or 1):
            cfg = BaselineConfig(**{**{k: v for k, v in committed["config"].items() if k in fields}, "n_jobs": n_jobs})
            with tempfile.TemporaryDirectory() as out, warnings.catch_warnings():
                warnings.simplefilter("ignore")
                r = baselines.run(cfg, Path(out) / committed["run"], progress=False)
            same = (r["test_predictions"] == committed["test_predictions"]
                    and np.array_equal(r["test_scores"], committed["test_scores"]))
            fits[n_jobs] = r["timings"]["fit_s"]
            print(f"{path}: n_jobs {n_jobs}: fit {r['timings']['fit_s']:.1f} s, C {r['selection']['c']}, "
                  f"the record's predictions and scores reproduced: {same}", flush=True)
        one, every = fits[1], fits[max(fits)]
        print(f"{path}: one process / {max(fits)} processes = {one / max(every, 1e-9):.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
