"""Wall time of whole evaluation protocols (``python -m sercnn protocol``), with the machine they ran on.

    python bench/protocol_walltime.py                 # the committed protocol runs: results/protocols/*/summary.json
                                                      # and the ladder's: results/ladder/<si|loso>/*/summary.json
    python bench/protocol_walltime.py --run speaker-independent --model svm-compare   # time one now

Each summary records the wall time of its whole protocol (all folds, features and evaluation included), the
engine and the hardware; this prints them side by side, with the time per fold. "wall min" times only the
command that wrote the summary (a protocol resumed after an interruption shows the last part); "training min"
adds up every run's own fitting time, whichever command ran it. Compare rows measured on the
same machine: the shared machines this project runs on are noisy.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sercnn.book.results import training_minutes  # noqa: E402


def committed(results: Path) -> list[dict]:
    rows = []
    paths = sorted(results.glob("protocols/*/summary.json")) + sorted(results.glob("ladder/*/*/summary.json"))
    for path in paths:
        s = json.loads(path.read_text())
        env = s["environment"]
        seeds = s.get("model_seeds") or 1
        rows.append({
            "protocol run": str(path.parent.relative_to(results)), "folds": len(s["folds"]), "seeds": seeds,
            "wall min": round(s["wall_seconds"] / 60, 1),
            "min per run": round(s["wall_seconds"] / 60 / max(1, len(s["folds"]) * seeds), 2),
            "training min": training_minutes(s),
            "engine": f"{s['engine']['name']} x{s['engine']['parallel']}",
            "machine": f"{env.get('cpu')}, {env.get('cpu_count')} cores, {env.get('memory_gib')} GiB, "
                       f"{env.get('keras_backend')}, accelerators {', '.join(env.get('accelerators') or ['none'])}",
            "started": s["started"],
        })
    return rows


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--results", type=Path, default=ROOT / "results")
    p.add_argument("--run", metavar="PROTOCOL", help="time one protocol now (into a temporary folder)")
    p.add_argument("--model", default="svm-compare")
    p.add_argument("extra", nargs="*", help="more options for python -m sercnn protocol")
    args = p.parse_args()
    if args.run:
        with tempfile.TemporaryDirectory() as out:
            t0 = time.perf_counter()
            cmd = [sys.executable, "-m", "sercnn", "protocol", args.run, "--model", args.model, "--out", out,
                   *args.extra]
            subprocess.run(cmd, check=True)
            s = json.loads((Path(out) / "summary.json").read_text())
            print(f"{' '.join(cmd[1:])}: {time.perf_counter() - t0:.1f} s wall (summary: {s['wall_seconds']} s), "
                  f"{s['environment']['cpu']}, {s['environment']['cpu_count']} cores")
        return 0
    rows = committed(args.results)
    if not rows:
        print(f"no protocol summaries under {args.results}/protocols")
        return 1
    import pandas as pd

    with pd.option_context("display.width", 250, "display.max_colwidth", 80):
        print(pd.DataFrame(rows).to_string(index=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
