"""Benchmark: EmoDB feature extraction (cold and warm cache) and training throughput of both networks.

    python bench/features_and_training.py            # everything (about 5 minutes on 2 cores)
    python bench/features_and_training.py --quick    # fewer timed batches
    python bench/features_and_training.py --skip-training

Prints the machine first. Targets on 2 CPU cores (issue 3): log-mel for all of EmoDB cold < 5 s and warm
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


def bench_training(quick: bool) -> None:
    import numpy as np

    from sercnn.models import build_1d_cnn_lstm, build_2d_cnn_lstm
    from sercnn.training import compile_model

    rng = np.random.default_rng(0)
    batch = 16
    for name, build, shape, steps in (
        ("2d", build_2d_cnn_lstm, (128, 251, 1), 8 if quick else 24),
        ("1d", build_1d_cnn_lstm, (128000, 1), 4 if quick else 12),
    ):
        model = build(7)
        compile_model(model)
        x = rng.standard_normal((batch * steps, *shape)).astype("float32")
        y = rng.integers(0, 7, size=batch * steps)
        model.fit(x[: batch * 2], y[: batch * 2], batch_size=batch, epochs=1, verbose=0)  # compile, warm up
        t0 = time.perf_counter()
        model.fit(x, y, batch_size=batch, epochs=1, verbose=0, shuffle=False)
        train_rate = len(x) / (time.perf_counter() - t0)
        t0 = time.perf_counter()
        model.predict(x, batch_size=32, verbose=0)
        predict_rate = len(x) / (time.perf_counter() - t0)
        print(
            f"{name} network: training {train_rate:6.1f} samples/s, inference {predict_rate:6.1f} samples/s "
            f"(batch {batch}, {len(x)} samples)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer timed batches")
    parser.add_argument("--skip-training", action="store_true", help="feature extraction only")
    args = parser.parse_args()
    print(machine())
    bench_features()
    if not args.skip_training:
        bench_training(args.quick)


if __name__ == "__main__":
    main()
