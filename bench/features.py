"""Benchmark: feature extraction for all of EmoDB, cold (empty cache) and warm (every file cached).

    python bench/features.py

Training throughput has its own script, ``bench/training_throughput.py``. Prints the machine first.
Targets on 2 CPU cores (issue 3): log-mel for all of EmoDB cold < 5 s and warm
< 0.5 s. The machines here are shared and noisy: compare figures measured in the same run.
EmoDB is found as by ``load_emodb()`` (``SERCNN_DATA``); without it the synthetic corpus is used and the
output says so.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
import warnings

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


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


def main() -> None:
    argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter).parse_args()
    print(machine())
    bench_features()


if __name__ == "__main__":
    main()
