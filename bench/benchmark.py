"""The benchmark: the machine, EmoDB feature extraction cold and warm, training throughput of both networks,
and optionally the wall time of one whole 2D speaker-independent run to early stop.

    python bench/benchmark.py                 # features + throughput (quick), about 3 minutes on 2 cores
    python bench/benchmark.py --full          # throughput with more timed epochs
    python bench/benchmark.py --whole-run     # also one real 2D speaker-independent run (EmoDB, 03+08)

Targets on 2 CPU cores (issue 3): log-mel for all of EmoDB cold < 5 s and warm < 0.5 s; a whole 2D
speaker-independent training run under 15 minutes. The machines here are shared and noisy: compare figures
measured in the same run. EmoDB is found as by ``load_emodb()`` (``SERCNN_DATA``); without it the
synthetic corpus is used and the output says so. Throughput details: ``bench/training_throughput.py``;
findings: ``bench/NOTES.md``.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import warnings
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, str(Path(__file__).resolve().parent))


def machine() -> str:
    from sercnn.records import backend_versions, hardware

    hw = hardware()
    versions = ", ".join(f"{k} {v}" for k, v in backend_versions().items())
    return (
        f"machine: {hw['cpu']}, {hw['cpu_count']} cores, {hw['memory_gib']} GiB; {hw['platform']}\n"
        f"keras backend: {hw.get('keras_backend')}; accelerators: {hw.get('accelerators')}\n"
        f"versions: python {hw['python']}, {versions}"
    )


def bench_features() -> None:
    from sercnn.datasets import describe, load_emodb, load_synthetic
    from sercnn.errors import DatasetNotFoundError
    from sercnn.features import FeatureSettings, extract

    try:
        df = load_emodb(download=False)
    except DatasetNotFoundError as exc:
        print(f"EmoDB not available ({exc}); benchmarking on the SYNTHETIC corpus")
        df = load_synthetic()
    print(describe(df))
    t0 = time.perf_counter()
    import librosa  # noqa: F401  (librosa's lazy submodules: import cost reported apart)

    librosa.stft
    print(f"librosa import: {time.perf_counter() - t0:.2f} s (once per process, not counted below)")
    with tempfile.TemporaryDirectory() as cache, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for kind in ("logmel", "waveform"):
            settings = FeatureSettings(kind=kind)
            _, cold = extract(df, settings, cache_dir=cache, progress=False, return_report=True)
            _, warm = extract(df, settings, cache_dir=cache, progress=False, return_report=True)
            print(
                f"{kind:>8} {settings.shape}: cold {cold.seconds:6.2f} s ({cold.computed} computed), "
                f"warm {warm.seconds:6.2f} s ({warm.hits} from the cache)"
            )


def bench_whole_run() -> None:
    from sercnn.experiment import RunConfig, run

    cfg = RunConfig(corpus="auto", model="2d", split="speaker-independent", test_speakers=["03", "08"])
    with tempfile.TemporaryDirectory() as runs:
        t0 = time.perf_counter()
        record = run(cfg, Path(runs) / "whole-run", command="bench/benchmark.py --whole-run", progress=False)
        minutes = (time.perf_counter() - t0) / 60
    t = record["training"]
    print(
        f"whole 2D speaker-independent run ({record['corpus']['name']}, test speakers 03 08): "
        f"{minutes:.1f} min wall, {t['epochs_run']} epochs ({t['stop_reason']}), best epoch {t['best_epoch']}, "
        f"test accuracy {record['metrics']['test']['accuracy']:.2f} %"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--full", action="store_true", help="more timed epochs for the throughput")
    parser.add_argument("--whole-run", action="store_true", help="also time one whole 2D training run")
    args = parser.parse_args()
    print(machine())
    bench_features()
    import training_throughput

    training_throughput.main([] if args.full else ["--quick"])
    if args.whole_run:
        bench_whole_run()


if __name__ == "__main__":
    main()
