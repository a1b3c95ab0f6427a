"""The device a run computes on, and the precision it computes in there.

No GPU has run this code yet (issue 13, part 6): what was measured, was measured on CPUs. So the choices that
depend on the device are made here, in small functions, each branch tested by replacing :func:`accelerator`:

- :func:`accelerator`: the Keras backend's first device (CPU, GPU or TPU), its name and, for a CUDA GPU, its
  compute capability. Backend-neutral (TensorFlow, JAX, torch), cheap, asked once per process.
- :func:`precision_for`: a requested precision the device lacks falls back to one it has (``mixed_bfloat16``
  on a GPU below compute capability 8.0, such as Colab's T4: ``mixed_float16``), with a warning; the run
  record keeps what was asked (``config.precision``), what was used and why.

``sercnn.models.use_fused_batch_norm`` uses :func:`accelerator` too.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from functools import lru_cache


@dataclass(frozen=True)
class Accelerator:
    """A device: ``kind`` ``cpu``, ``gpu`` or ``tpu``; ``compute_capability`` for CUDA GPUs, else None."""

    kind: str
    name: str = ""
    compute_capability: tuple[int, int] | None = None

    def describe(self) -> str:
        cc = f", compute capability {self.compute_capability[0]}.{self.compute_capability[1]}" \
            if self.compute_capability else ""
        return f"{self.kind.upper()} {self.name}{cc}".strip()


#: Compute capability from which NVIDIA GPUs compute in bfloat16 (Ampere) and have float16 tensor cores (Volta).
BFLOAT16_CAPABILITY = (8, 0)
FLOAT16_CAPABILITY = (7, 0)


@lru_cache(maxsize=None)
def accelerator() -> Accelerator:
    """The device the Keras backend computes on: its first GPU or TPU where it sees one, else the CPU."""
    import keras

    backend = keras.backend.backend()
    try:
        if backend == "tensorflow":
            return _tensorflow_device()
        if backend == "jax":
            return _jax_device()
        if backend == "torch":
            return _torch_device()
    except Exception as exc:  # a device that cannot be asked is treated as the CPU, and said
        warnings.warn(f"could not ask the {backend} backend for its devices ({exc}); assuming the CPU",
                      stacklevel=2)
    return Accelerator("cpu")


def _tensorflow_device() -> Accelerator:
    import tensorflow as tf

    gpus = tf.config.list_physical_devices("GPU")
    if gpus:
        details = tf.config.experimental.get_device_details(gpus[0])
        cc = details.get("compute_capability")
        return Accelerator("gpu", details.get("device_name", gpus[0].name), tuple(cc) if cc else None)
    tpus = tf.config.list_physical_devices("TPU")
    return Accelerator("tpu", tpus[0].name) if tpus else Accelerator("cpu")


def _jax_device() -> Accelerator:
    import jax

    device = jax.devices()[0]
    kind = {"cuda": "gpu", "rocm": "gpu"}.get(device.platform, device.platform)
    cc = getattr(device, "compute_capability", None)  # "7.5" on CUDA devices
    capability = tuple(int(v) for v in str(cc).split(".")[:2]) if cc else None
    return Accelerator(kind if kind in ("gpu", "tpu") else "cpu", device.device_kind, capability)


def _torch_device() -> Accelerator:
    import torch

    if torch.cuda.is_available():
        return Accelerator("gpu", torch.cuda.get_device_name(0), tuple(torch.cuda.get_device_capability(0)))
    return Accelerator("cpu")


@dataclass(frozen=True)
class Precision:
    """The precision a run computes in (``used``), and ``note``: why it differs from the one asked, or None."""

    used: str
    note: str | None = None


def precision_for(requested: str, device: Accelerator | None = None) -> Precision:
    """``requested`` where ``device`` (default: :func:`accelerator`) computes in it, else the nearest precision
    it has, with a warning naming both. bfloat16 is kept on CPUs (measured faster there, ``bench/NOTES.md``)
    and TPUs and on GPUs from compute capability 8.0; float16 on GPUs from 7.0 (on a CPU it is emulated)."""
    device = accelerator() if device is None else device
    used = _supported(requested, device)
    if used == requested:
        return Precision(used)
    note = (f"precision {requested} was requested, but the {device.describe()} does not compute in it "
            f"natively; {used} is used instead")
    warnings.warn(note, UserWarning, stacklevel=2)
    return Precision(used, note)


def _supported(requested: str, device: Accelerator) -> str:
    """The precision ``device`` computes ``requested`` in (itself where it can)."""
    cc = device.compute_capability or (0, 0)
    if requested == "mixed_bfloat16" and device.kind == "gpu" and cc < BFLOAT16_CAPABILITY:
        return "mixed_float16" if cc >= FLOAT16_CAPABILITY else "float32"
    if requested == "mixed_float16" and device.kind == "tpu":
        return "mixed_bfloat16"
    if requested == "mixed_float16" and (device.kind == "cpu" or cc < FLOAT16_CAPABILITY):
        return "float32"
    return requested
