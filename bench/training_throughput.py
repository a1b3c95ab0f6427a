"""Training (and predict) throughput of the paper's 1D and 2D CNN LSTM networks: baseline vs best.

    python bench/training_throughput.py            # ~3-6 min on 2 cores (more when the machine is busy)
    python bench/training_throughput.py --quick    # ~1-2 min
    python bench/training_throughput.py --batch-size 32 --nets 2d

Everything runs in ONE process and the configurations are interleaved round by round, so that on a
shared, noisy machine the *ratios* between configurations are meaningful even when the absolute numbers
move. Training = ``model.fit`` on NumPy arrays (random data of the right shape, 7 classes), Adam,
sparse categorical cross-entropy, accuracy metric. The first epoch (tracing/compilation) is excluded;
every later epoch is timed between ``on_epoch_begin`` and ``on_epoch_end``. Besides wall-clock samples/s
the script reports CPU-seconds per sample of this process (``time.process_time``), which is much less
sensitive to other processes competing for the cores.

Configurations (the architecture, the layer sizes and Table 1/2's output shapes are the same in all):

- ``baseline``: ``sercnn.models`` with Keras' own BatchNormalization, ``compile(optimizer="adam", ...)``
  with the default
  ``jit_compile="auto"`` (which Keras resolves to False on a CPU-only TensorFlow machine), float32.
- ``fusedbn``: the same, with BatchNormalization computed by one fused op (``FusedBatchNormV3``, oneDNN)
  instead of Keras 3's unfused moments + normalisation ops (``sercnn.models.FusedBatchNormalization``,
  what ``sercnn`` builds). Same math, float32.
- ``best``: fused BatchNormalization + ``keras.mixed_precision.set_global_policy("mixed_bfloat16")``
  (float32 variables, bfloat16 compute; the CPU needs avx512_bf16/AMX for this to pay off).

See bench/NOTES.md for the measurements behind these choices.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import platform
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))
sys.path.insert(0, HERE)
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


@contextlib.contextmanager
def keras_bn_in_sercnn():
    """Build ``sercnn.models``' LFLBs with Keras' own (unfused) BatchNormalization: the naive baseline."""
    import keras

    import sercnn.models as M

    fused = M.FusedBatchNormalization
    M.FusedBatchNormalization = keras.layers.BatchNormalization
    try:
        yield
    finally:
        M.FusedBatchNormalization = fused


def machine_description() -> str:
    model = platform.processor() or "?"
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True, check=False).stdout
        for line in out.splitlines():
            if line.startswith("Model name:"):
                model = line.split(":", 1)[1].strip()
    except OSError:
        pass
    flags = ""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("flags"):
                    flags = line
                    break
    except OSError:
        pass
    isa = [f for f in ("avx512f", "avx512_bf16", "amx_bf16", "avx512_vnni") if f" {f}" in flags]
    ncpu = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    try:
        load = "%.2f %.2f %.2f" % os.getloadavg()
    except OSError:
        load = "?"
    return f"CPU: {model}, {ncpu} cores usable, ISA: {' '.join(isa) or '-'}; load average {load}"


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--quick", action="store_true", help="fewer samples and rounds (~2 minutes)")
    p.add_argument("--nets", nargs="+", choices=["1d", "2d"], default=["1d", "2d"])
    p.add_argument("--batch-size", type=int, default=16)
    p.add_argument("--rounds", type=int, default=None, help="timed epochs per configuration")
    p.add_argument("--configs", nargs="+", default=["baseline", "fusedbn", "best"],
                   choices=["baseline", "fusedbn", "best", "bf16", "xla"])
    p.add_argument("--no-predict", action="store_true")
    args = p.parse_args(argv)

    backend = os.environ.get("KERAS_BACKEND", "tensorflow")
    os.environ["KERAS_BACKEND"] = backend
    import keras
    import numpy as np

    from sercnn.models import build_1d_cnn_lstm, build_2d_cnn_lstm

    versions = f"keras {keras.__version__}, backend {backend}"
    if backend == "tensorflow":
        import tensorflow as tf

        onednn = os.environ.get("TF_ENABLE_ONEDNN_OPTS", "default=on")
        versions += f" (TensorFlow {tf.__version__}, oneDNN opts {onednn})"
    elif backend == "jax":
        import jax

        versions += f" (JAX {jax.__version__})"
    print(machine_description())
    print(f"Python {platform.python_version()}, numpy {np.__version__}, {versions}")

    rounds = args.rounds or (3 if args.quick else 5)
    bs = args.batch_size
    # samples per timed epoch (multiples of the batch size)
    n_by_net = {"1d": bs * (2 if args.quick else 4), "2d": bs * (4 if args.quick else 8)}
    settings = {
        "baseline": dict(bn="keras", policy="float32", jit="auto"),
        "fusedbn": dict(bn="fused", policy="float32", jit="auto"),
        "bf16": dict(bn="keras", policy="mixed_bfloat16", jit="auto"),
        "best": dict(bn="fused", policy="mixed_bfloat16", jit="auto"),
        "xla": dict(bn="keras", policy="float32", jit=True),
    }
    print(f"batch size {bs}; {rounds} timed epochs per configuration, interleaved; first epoch excluded")

    class EpochTimer(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.t0, self.c0 = time.perf_counter(), time.process_time()

        def on_epoch_end(self, epoch, logs=None):
            self.dt, self.dc = time.perf_counter() - self.t0, time.process_time() - self.c0

    summary = []
    for net in args.nets:
        n = n_by_net[net]
        shape = (128000, 1) if net == "1d" else (128, 251, 1)
        rng = np.random.default_rng(0)
        x = rng.standard_normal((n, *shape), dtype=np.float32)
        y = rng.integers(0, 7, size=n)
        models = {}
        for name in args.configs:
            s = settings[name]
            keras.mixed_precision.set_global_policy(s["policy"])
            keras.utils.set_random_seed(0)
            with contextlib.nullcontext() if s["bn"] == "fused" else keras_bn_in_sercnn():
                m = build_1d_cnn_lstm(7) if net == "1d" else build_2d_cnn_lstm(7)
            m.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"],
                      jit_compile=s["jit"])
            t0 = time.perf_counter()
            m.fit(x, y, batch_size=bs, epochs=1, verbose=0)
            first = time.perf_counter() - t0
            keras.mixed_precision.set_global_policy("float32")
            models[name] = m
            print(f"[{net}] {name:9s} built; jit_compile resolved to {m.jit_compile}; first epoch "
                  f"(trace/compile + {n} samples) {first:.1f} s", flush=True)
        times = {k: [] for k in models}
        cpus = {k: [] for k in models}
        for r in range(rounds):
            for name, m in models.items():
                cb = EpochTimer()
                m.fit(x, y, batch_size=bs, epochs=1, verbose=0, callbacks=[cb])
                times[name].append(cb.dt)
                cpus[name].append(cb.dc)
            print(f"[{net}] round {r + 1}/{rounds}: "
                  + ", ".join(f"{k} {n / times[k][-1]:.1f}" for k in models) + " samples/s", flush=True)
        pred = {}
        if not args.no_predict:
            for name, m in models.items():
                m.predict(x[:bs], batch_size=bs, verbose=0)
                ts = []
                for _ in range(2):
                    t0 = time.perf_counter()
                    m.predict(x, batch_size=bs, verbose=0)
                    ts.append(time.perf_counter() - t0)
                pred[name] = n / min(ts)
        base = "baseline" if "baseline" in models else next(iter(models))
        for name in models:
            med = n / statistics.median(times[name])
            best = n / min(times[name])
            cpu = statistics.median(cpus[name]) / n
            ratio = statistics.median(times[base]) / statistics.median(times[name])
            cpu_ratio = statistics.median(cpus[base]) / statistics.median(cpus[name])
            summary.append((net, name, med, best, cpu, ratio, cpu_ratio, pred.get(name)))

    print()
    print(machine_description())
    print(f"{'net':4s} {'config':9s} {'train samples/s':>16s} {'(best epoch)':>13s} {'CPU s/sample':>13s} "
          f"{'x baseline':>11s} {'x (CPU time)':>12s} {'predict samples/s':>18s}")
    for net, name, med, best, cpu, ratio, cpu_ratio, pr in summary:
        prs = f"{pr:18.1f}" if pr is not None else f"{'-':>18s}"
        print(f"{net:4s} {name:9s} {med:16.1f} {best:13.1f} {cpu:13.4f} {ratio:11.2f} {cpu_ratio:12.2f} {prs}")


if __name__ == "__main__":
    main()
