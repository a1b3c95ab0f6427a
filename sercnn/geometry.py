"""Shapes and receptive fields of the networks' local feature learning blocks (Tables 1 and 2), in plain
Python: no Keras layer is built, so a chapter's widget and the exercises' checks answer at once, and a built
model is read through its layers' own settings (duck-typed) to check the arithmetic against Keras.

- :func:`lflb_geometry`: the convolution and pooling layers of four LFLBs as :class:`LayerGeometry` rows;
  :func:`model_geometry`: the same read from a built model.
- :func:`output_length`, :func:`block_shapes`: output sizes as Keras computes them; :func:`receptive_fields`:
  each layer's field, spacing and the input range its outputs see.
- :func:`layer_table`: a built model's layers and output shapes (Tables 1 and 2, as built);
  :func:`paper_table`: beside the paper's "Output Dim" column (quoted in :data:`sercnn.paper.PAPER_OUTPUT_DIMS`);
  :func:`shape_table`, :func:`receptive_field_table`: the tables of the chapter.

Notebook: ``book/02_lflb.ipynb`` (and the layer tables of chapters 4 and 5).
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Sequence

import pandas as pd

from .paper import PAPER_OUTPUT_DIMS

if TYPE_CHECKING:
    import keras

#: Convolution kernels per LFLB, Tables 1 and 2.
FILTERS = (64, 64, 128, 128)
#: Max-pooling size (= stride) per LFLB: Table 1 (1D) and Table 2 (2D).
POOLS_1D = (4, 4, 4, 4)
POOLS_2D = (2, 4, 4, 4)


def layer_table(model: keras.Model) -> list[tuple[str, str, tuple]]:
    """(layer name, layer class, output shape without the batch axis) for every layer: Tables 1 and 2.

    Notebooks: ``book/02_lflb.ipynb``, ``book/04_1d_cnn_lstm.ipynb``, ``book/05_2d_cnn_lstm.ipynb``.
    """
    rows = []
    for layer in model.layers:
        shape = layer.output.shape if hasattr(layer, "output") else None
        rows.append((layer.name, type(layer).__name__, tuple(shape[1:]) if shape is not None else ()))
    return rows


@dataclasses.dataclass(frozen=True)
class LayerGeometry:
    """What decides a layer's output shape and receptive field: kernel, stride and padding per spatial
    axis, and the channels it outputs (None: unchanged). Notebook: ``book/02_lflb.ipynb``."""

    name: str
    kind: str  # "conv" or "pool"
    kernel: tuple[int, ...]
    stride: tuple[int, ...]
    padding: str  # "same" or "valid", as Keras
    channels: int | None = None


def lflb_geometry(
    dim: int,
    *,
    filters: Sequence[int] = FILTERS,
    pools: Sequence | None = None,
    kernel: int = 3,
    conv_stride: int = 1,
    pool_padding: str = "valid",
) -> list[LayerGeometry]:
    """The convolution and pooling layers of four LFLBs (Tables 1 and 2) without building Keras layers.

    Defaults are the paper's: kernel 3 (3 x 3), stride 1, same padding, pools :data:`POOLS_1D` or
    :data:`POOLS_2D`, pooling stride = pool size, Keras' default "valid" pooling (remainders dropped).
    Notebook: ``book/02_lflb.ipynb``.
    """
    if dim not in (1, 2):
        raise ValueError(f"dim must be 1 or 2, got {dim}")
    pools = pools if pools is not None else (POOLS_1D if dim == 1 else POOLS_2D)
    rows = []
    for i, (f, p) in enumerate(zip(filters, pools), start=1):
        p = (p,) * dim if isinstance(p, int) else tuple(p)
        rows.append(LayerGeometry(f"{dim}LFLB{i}_conv", "conv", (kernel,) * dim, (conv_stride,) * dim, "same", f))
        rows.append(LayerGeometry(f"{dim}LFLB{i}_pool", "pool", p, p, pool_padding))
    return rows


def model_geometry(model: keras.Model) -> list[LayerGeometry]:
    """The convolution and pooling layers of a built model (e.g. :func:`build_1d_cnn_lstm`), read from the
    layers' own settings, so that :func:`block_shapes` and :func:`receptive_fields` can be checked against
    Keras. Notebook: ``book/02_lflb.ipynb``."""
    rows = []
    for layer in model.layers:
        kinds = {cls.__name__ for cls in type(layer).__mro__}  # Keras' classes, without importing Keras
        if kinds & {"Conv1D", "Conv2D"}:
            rows.append(LayerGeometry(layer.name, "conv", tuple(layer.kernel_size), tuple(layer.strides),
                                      layer.padding, layer.filters))
        elif kinds & {"MaxPooling1D", "MaxPooling2D"}:
            rows.append(LayerGeometry(layer.name, "pool", tuple(layer.pool_size), tuple(layer.strides),
                                      layer.padding))
    return rows


def output_length(n: int, kernel: int, stride: int, padding: str = "valid") -> int:
    """Output length of a convolution or pooling along one axis, as Keras computes it:
    "valid": ``floor((n - kernel) / stride) + 1`` (0 if ``n < kernel``); "same": ``ceil(n / stride)``.
    Notebook: ``book/02_lflb.ipynb``."""
    if padding == "same":
        return -(-n // stride)
    if padding == "valid":
        return max(0, (n - kernel) // stride + 1)
    raise ValueError(f"padding must be 'same' or 'valid', got {padding!r}")


def _as_geometry(spec: keras.Model | Sequence[LayerGeometry]) -> list[LayerGeometry]:
    return model_geometry(spec) if hasattr(spec, "layers") else list(spec)  # a built model, or rows


def block_shapes(spec: keras.Model | Sequence[LayerGeometry], input_shape: Sequence[int]) -> list[tuple[str, tuple]]:
    """(layer name, output shape without the batch axis) of each convolution and pooling layer, computed
    by :func:`output_length` alone (no Keras): Tables 1 and 2 for any input size, kernel, stride or pool.
    ``input_shape`` includes the channel axis, e.g. ``(128000, 1)`` or ``(128, 251, 1)``.
    Notebook: ``book/02_lflb.ipynb``."""
    *spatial, channels = input_shape
    rows = []
    for g in _as_geometry(spec):
        spatial = [output_length(n, k, s, g.padding) for n, k, s in zip(spatial, g.kernel, g.stride)]
        channels = g.channels or channels
        rows.append((g.name, (*spatial, channels)))
    return rows


def receptive_fields(
    spec: keras.Model | Sequence[LayerGeometry], input_shape: Sequence[int] | None = None
) -> list[dict]:
    """Receptive field of each convolution and pooling layer, per spatial axis, in input units
    (samples for 1D; mel bands and frames for 2D): the textbook recursion ``r_out = r_in + (k - 1) j_in``,
    ``j_out = j_in s`` (``jump`` j: the distance in the input between neighbouring outputs), and ``start``,
    the input index where output 0's field begins (negative: it reaches into the 'same' zero padding).

    With ``input_shape`` (as :func:`block_shapes`) each row also gives ``seen``: per axis, the first and
    last input index that any output of the layer sees, clipped to the input; inputs outside it cannot
    influence the network (the rounding down of 'valid' pooling, Table 2). 'same' padding puts
    ``floor(total / 2)`` zeros before the input, as Keras/TensorFlow; without ``input_shape`` that is taken as
    ``(k - 1) // 2`` (exact for stride 1). Notebook: ``book/02_lflb.ipynb``.
    """
    geometry = _as_geometry(spec)
    dims = len(geometry[0].kernel)
    r, j, start = [1] * dims, [1] * dims, [0] * dims
    n = list(input_shape[:dims]) if input_shape is not None else None
    rows = []
    for g in geometry:
        for a in range(dims):
            k, s = g.kernel[a], g.stride[a]
            if g.padding == "same":
                if n is None:
                    before = (k - 1) // 2
                else:
                    out = output_length(n[a], k, s, "same")
                    before = max((out - 1) * s + k - n[a], 0) // 2
                start[a] -= before * j[a]
            if n is not None:
                n[a] = output_length(n[a], k, s, g.padding)
            r[a] += (k - 1) * j[a]
            j[a] *= s
        row = {"layer": g.name, "rf": tuple(r), "jump": tuple(j), "start": tuple(start)}
        if n is not None:
            row["seen"] = tuple(
                (max(0, start[a]), min(input_shape[a] - 1, start[a] + (n[a] - 1) * j[a] + r[a] - 1))
                if n[a] > 0 else None
                for a in range(dims)
            )
        rows.append(row)
    return rows


def _paper_dim_text(divisors: tuple[int, ...], kernels: int) -> str:
    names = ("L",) if len(divisors) == 1 else ("M", "N")
    parts = [n if d == 1 else f"{n}/{d}" for n, d in zip(names, divisors)]
    return " × ".join([*parts, str(kernels)])


def paper_table(model: keras.Model, input_shape: Sequence[int]) -> pd.DataFrame:
    """Table 1 (a 1D model) or Table 2 (a 2D model) beside the built model: per convolution and pooling
    layer, the paper's output dimension (quoted), its value at ``input_shape`` by exact division, the
    built model's output shape (from Keras' :func:`layer_table`) and whether they agree once the paper's
    value is rounded down. Notebook: ``book/02_lflb.ipynb``."""
    built = {name: (cls, shape) for name, cls, shape in layer_table(model)}
    dims = len(input_shape) - 1
    rows = []
    for name, (divisors, kernels) in PAPER_OUTPUT_DIMS[dims].items():
        exact = tuple(n / d for n, d in zip(input_shape[:dims], divisors))
        cls, shape = built[name]
        rows.append({
            "layer": name,
            "kind": cls,
            "paper's output dim": _paper_dim_text(divisors, kernels),
            "paper's value": " × ".join(f"{v:g}" for v in (*exact, kernels)),
            "built model": " × ".join(str(v) for v in shape),
            "agrees (rounded down)": tuple(int(v) for v in exact) + (kernels,) == tuple(shape),
        })
    return pd.DataFrame(rows).set_index("layer")


def shape_table(spec: keras.Model | Sequence[LayerGeometry], input_shape: Sequence[int]) -> pd.DataFrame:
    """:func:`block_shapes` as a DataFrame (layer, output shape, steps along the last spatial axis, the
    time axis in both networks), for the chapter's tables and widget. Notebook: ``book/02_lflb.ipynb``."""
    rows = [{"layer": n, "output shape": " × ".join(map(str, s)), "time steps": s[-2]}
            for n, s in block_shapes(spec, input_shape)]
    return pd.DataFrame(rows).set_index("layer")


def receptive_field_table(
    spec: keras.Model | Sequence[LayerGeometry],
    input_shape: Sequence[int],
    *,
    sample_rate: int = 16000,
    hop_length: int = 512,
    n_fft: int = 2048,
) -> pd.DataFrame:
    """:func:`receptive_fields` in the input's units: for a 1D network samples and milliseconds at
    ``sample_rate``; for a 2D network (mel bands x frames) mel bands, frames and seconds. A field of
    ``r`` frames spans ``((r - 1) hop + n_fft) / sample_rate`` seconds of audio (each frame is an
    ``n_fft`` window, frames ``hop`` apart; section 3.5: 2048 and 512). ``seen`` is the input range
    (time axis) that the layer's outputs see. Notebook: ``book/02_lflb.ipynb``."""
    rows = []
    for f in receptive_fields(spec, input_shape):
        seen = f["seen"][-1]
        if len(f["rf"]) == 1:
            (r,), (j,) = f["rf"], f["jump"]
            rows.append({
                "layer": f["layer"], "field (samples)": r, "field (ms)": 1000 * r / sample_rate,
                "output spacing (samples)": j, "output spacing (ms)": 1000 * j / sample_rate,
                "samples seen": f"{seen[0]}–{seen[1]}" if seen else "none",
            })
        else:
            (rb, rt), (_, jt) = f["rf"], f["jump"]
            rows.append({
                "layer": f["layer"], "field (mel bands)": rb, "field (frames)": rt,
                "field (s)": ((rt - 1) * hop_length + n_fft) / sample_rate,
                "output spacing (frames)": jt, "output spacing (s)": jt * hop_length / sample_rate,
                "frames seen": f"{seen[0]}–{seen[1]}" if seen else "none",
            })
    return pd.DataFrame(rows).set_index("layer")
