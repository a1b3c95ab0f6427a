"""The paper's networks (section 3): the local feature learning block and the 1D and 2D CNN LSTM networks.

Only ``keras.layers``/``keras.ops`` are used, so the same models run under ``KERAS_BACKEND`` tensorflow
(the default), jax and torch.

- :func:`lflb`: Conv (kernel 3, stride 1, same padding) + BatchNorm + ELU + MaxPool, eqs. (1)-(5), Fig. 3.
- :func:`build_1d_cnn_lstm`: Table 1, four 1D LFLBs (64, 64, 128, 128 kernels, pool 4) + LSTM(256) + softmax.
- :func:`build_2d_cnn_lstm`: Table 2, four 2D LFLBs (64, 64, 128, 128 kernels, pools 2, 4, 4, 4) +
  LSTM(256) + softmax.

Notebooks: ``book/02_lflb.ipynb``, ``book/04_1d_cnn_lstm.ipynb``, ``book/05_2d_cnn_lstm.ipynb``.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Sequence

import keras
import pandas as pd
from keras import layers, regularizers

#: BatchNorm momentum. The paper does not give it (section 5.2 only says BN is used); this is a measurement
#: of this project. Keras' default, 0.99, makes the moving statistics follow the weights so slowly that,
#: at EmoDB's ~24 batches per epoch, the network of the first epochs is evaluated (inference mode) with
#: statistics of networks long gone, and its validation accuracy sits near chance. Together with patience
#: counted from epoch 1 that ended a faithful 2D run on test speakers 03+08 at epoch 9 with 25 % test
#: accuracy; with 0.9 (and ``training.START_FROM_EPOCH``) the same run learned (57 %): run records in
#: ``results/emodb-2d-si-heldout-keras-defaults/`` and ``results/emodb-2d-si-heldout/``.
BN_MOMENTUM = 0.9
#: Width of the LSTM layer, Tables 1 and 2 (1L, 2L: 256).
LSTM_UNITS = 256
#: Convolution kernels per LFLB, Tables 1 and 2.
FILTERS = (64, 64, 128, 128)
#: Max-pooling size (= stride) per LFLB: Table 1 (1D) and Table 2 (2D).
POOLS_1D = (4, 4, 4, 4)
POOLS_2D = (2, 4, 4, 4)


@keras.saving.register_keras_serializable(package="sercnn")
class FusedBatchNormalization(layers.BatchNormalization):
    """Keras' ``BatchNormalization`` (same weights, config and math), computed by one fused op on TensorFlow.

    Keras 3 normalises with separate moment and element-wise ops, each a full pass over the activation;
    in the first LFLB that is 16 x 128000 x 64 floats per batch (1D) and BatchNorm took about a third of
    a training step on 2 CPU cores. TensorFlow's ``FusedBatchNormV3`` (oneDNN) does it in one pass:
    training ran 1.5x faster in float32 (``bench/NOTES.md``). On JAX and torch, and for masks, renorm or
    synchronized BN, the parent layer runs unchanged, so models stay backend-neutral.
    """

    def call(self, inputs, training=None, mask=None):
        ndim = len(inputs.shape)
        if (
            keras.backend.backend() != "tensorflow"
            or mask is not None
            or self.renorm
            or self.synchronized
            or ndim not in (3, 4)
            or self.axis not in (-1, ndim - 1)
        ):
            return super().call(inputs, training=training, mask=mask)
        import tensorflow as tf

        x = tf.expand_dims(inputs, 1) if ndim == 3 else inputs  # (B, L, C) -> (B, 1, L, C): NHWC
        if x.dtype not in (tf.float32, tf.bfloat16, tf.float16):
            x = tf.cast(x, tf.float32)
        c = x.shape[-1]
        gamma = tf.cast(self.gamma, tf.float32) if self.scale else tf.ones([c], tf.float32)
        beta = tf.cast(self.beta, tf.float32) if self.center else tf.zeros([c], tf.float32)
        if training and self.trainable:
            y, mean, var = tf.compat.v1.nn.fused_batch_norm(
                x, gamma, beta, epsilon=self.epsilon, data_format="NHWC", is_training=True
            )
            # The fused op returns the Bessel-corrected variance; Keras' moving variance uses the biased one.
            n = tf.cast(tf.size(x, out_type=tf.int64) // c, tf.float32)
            var = var * (n - 1.0) / n
            self.moving_mean.assign(self.moving_mean * self.momentum + mean * (1.0 - self.momentum))
            self.moving_variance.assign(self.moving_variance * self.momentum + var * (1.0 - self.momentum))
        else:
            y, _, _ = tf.compat.v1.nn.fused_batch_norm(
                x,
                gamma,
                beta,
                mean=tf.cast(self.moving_mean, tf.float32),
                variance=tf.cast(self.moving_variance, tf.float32),
                epsilon=self.epsilon,
                data_format="NHWC",
                is_training=False,
            )
        if ndim == 3:
            y = tf.squeeze(y, 1)
        return tf.cast(y, self.compute_dtype)


#: SpecAugment's masks when ``augment=True`` (Park et al., 2019, not the paper): per training example, this
#: many frequency bands of up to this many mel bins, and time spans of up to this many frames, are set to 0
#: (the band's mean, after standardisation). A choice of this project, searched in ``sercnn.search``.
SPEC_AUGMENT = {"freq_masks": 2, "freq_width": 12, "time_masks": 2, "time_width": 12}


@keras.saving.register_keras_serializable(package="sercnn")
class SpecAugment(layers.Layer):
    """Training-time masking of a standardised log-mel input ``(batch, mels, frames, 1)`` (SpecAugment,
    Park et al. 2019; not in the paper): ``freq_masks`` random bands of 0-``freq_width`` mel bins and
    ``time_masks`` random spans of 0-``time_width`` frames are set to 0 in each example. The identity at
    inference. Backend-neutral (``keras.ops``, ``keras.random``)."""

    def __init__(self, freq_masks: int = 2, freq_width: int = 12, time_masks: int = 2, time_width: int = 12,
                 seed: int | None = None, **kwargs):
        super().__init__(**kwargs)
        self.freq_masks, self.freq_width = freq_masks, freq_width
        self.time_masks, self.time_width = time_masks, time_width
        self.seed = seed
        self.generator = keras.random.SeedGenerator(seed)

    def _spans(self, batch, length: int, count: int, width: int, axis: int):
        keep = None
        positions = keras.ops.arange(length)
        shape = [1, 1, 1, 1]
        shape[axis] = length
        positions = keras.ops.reshape(positions, shape)
        for _ in range(count):
            w = keras.random.randint((batch, 1, 1, 1), 0, width + 1, seed=self.generator)
            start = keras.random.randint((batch, 1, 1, 1), 0, length, seed=self.generator)
            outside = keras.ops.logical_not(keras.ops.logical_and(positions >= start, positions < start + w))
            keep = outside if keep is None else keras.ops.logical_and(keep, outside)
        return keep

    def call(self, inputs, training=None):
        if not training:
            return inputs
        batch = keras.ops.shape(inputs)[0]
        keep_f = self._spans(batch, inputs.shape[1], self.freq_masks, self.freq_width, axis=1)
        keep_t = self._spans(batch, inputs.shape[2], self.time_masks, self.time_width, axis=2)
        keep = keras.ops.logical_and(keep_f, keep_t)
        return inputs * keras.ops.cast(keep, inputs.dtype)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "freq_masks": self.freq_masks, "freq_width": self.freq_width,
                "time_masks": self.time_masks, "time_width": self.time_width, "seed": self.seed}


def _regularizer(value: float) -> regularizers.Regularizer | None:
    return regularizers.L2(value) if value else None


def lflb(
    x: keras.KerasTensor,
    filters: int,
    pool: int | tuple[int, int],
    dim: int,
    *,
    bn_momentum: float = BN_MOMENTUM,
    l2_weight: float = 0.0,
    l2_activity: float = 0.0,
    name: str | None = None,
    dtype: str | None = None,
) -> keras.KerasTensor:
    """One local feature learning block (section 3.1.1, Fig. 3): eqs. (1)/(2) convolution, (3) BatchNorm,
    (4) ELU, (5) max-pooling.

    ``dim`` is 1 or 2; the convolution has kernel 3 (3 x 3), stride 1 and same padding; pooling has size and
    stride ``pool``. ``l2_weight`` and ``l2_activity`` are the L2 penalties on the kernel and on the block's
    output that section 5.2 describes ("penalties on layer parameters and layer activity"). ``dtype`` is a
    Keras dtype policy (``"mixed_bfloat16"`` computes in bfloat16 with float32 weights).
    """
    if dim not in (1, 2):
        raise ValueError(f"dim must be 1 or 2, got {dim}")
    conv = layers.Conv1D if dim == 1 else layers.Conv2D
    pooling = layers.MaxPooling1D if dim == 1 else layers.MaxPooling2D
    prefix = name or f"lflb{dim}d"
    x = conv(
        filters,
        3,
        strides=1,
        padding="same",
        kernel_regularizer=_regularizer(l2_weight),
        name=f"{prefix}_conv",
        dtype=dtype,
    )(x)
    x = FusedBatchNormalization(momentum=bn_momentum, name=f"{prefix}_bn", dtype=dtype)(x)
    x = layers.ELU(name=f"{prefix}_elu", dtype=dtype)(x)
    return pooling(
        pool_size=pool,
        strides=pool,
        activity_regularizer=_regularizer(l2_activity),
        name=f"{prefix}_pool",
        dtype=dtype,
    )(x)


def _blocks(x: keras.KerasTensor, dim: int, filters: Sequence[int], pools: Sequence, **options) -> keras.KerasTensor:
    """The four LFLBs of Table 1 (dim 1) or Table 2 (dim 2), named 1LFLB1 .. 2LFLB4 as the paper."""
    for i, (f, p) in enumerate(zip(filters, pools), start=1):
        x = lflb(x, f, p, dim, name=f"{dim}LFLB{i}", **options)
    return x


def _head(
    x: keras.KerasTensor,
    n_classes: int,
    *,
    lstm_units: int,
    dropout: float,
    l2_weight: float,
    net: str,
    dtype: str | None,
) -> keras.KerasTensor:
    x = layers.LSTM(
        lstm_units,
        kernel_regularizer=_regularizer(l2_weight),
        recurrent_regularizer=_regularizer(l2_weight),
        name=f"{net}L",
        dtype=dtype,
    )(x)
    if dropout:
        x = layers.Dropout(dropout, name=f"{net}dropout", dtype=dtype)(x)
    # eqs. (11)-(14): a fully connected layer and softmax, always in float32.
    return layers.Dense(
        n_classes, activation="softmax", kernel_regularizer=_regularizer(l2_weight), name=f"{net}F", dtype="float32"
    )(x)


def build_1d_cnn_lstm(
    n_classes: int,
    input_length: int = 128000,
    *,
    filters: Sequence[int] = FILTERS,
    pools: Sequence[int] = POOLS_1D,
    lstm_units: int = LSTM_UNITS,
    bn_momentum: float = BN_MOMENTUM,
    l2_weight: float = 0.0,
    l2_activity: float = 0.0,
    dropout: float = 0.0,
    dtype: str | None = None,
) -> keras.Model:
    """The 1D CNN LSTM network of Table 1 (section 3.2): raw 8 s clips at 16 kHz in, emotion out.

    Output shapes: 1C1 L x 64, 1P1 L/4 x 64, ..., 1P4 L/256 x 128 (500 x 128 for L = 128000): the LSTM 1L
    reads a sequence of 500 local feature vectors. ``bn_momentum``, ``l2_weight``, ``l2_activity`` as
    :func:`lflb`; ``dropout`` before the softmax layer; ``dtype`` a Keras dtype policy for every layer but
    the softmax (``"mixed_bfloat16"``: faster on CPUs with bfloat16 units, numerics differ slightly).
    """
    inputs = keras.Input(shape=(input_length, 1), name="audio")
    x = inputs
    options = dict(bn_momentum=bn_momentum, l2_weight=l2_weight, l2_activity=l2_activity, dtype=dtype)
    x = _blocks(x, 1, filters, pools, **options)
    outputs = _head(x, n_classes, lstm_units=lstm_units, dropout=dropout, l2_weight=l2_weight, net="1", dtype=dtype)
    return keras.Model(inputs, outputs, name="cnn_lstm_1d")


def build_2d_cnn_lstm(
    n_classes: int,
    input_shape: tuple[int, int, int] = (128, 251, 1),
    *,
    filters: Sequence[int] = FILTERS,
    pools: Sequence[int] = POOLS_2D,
    lstm_units: int = LSTM_UNITS,
    bn_momentum: float = BN_MOMENTUM,
    l2_weight: float = 0.0,
    l2_activity: float = 0.0,
    dropout: float = 0.0,
    dtype: str | None = None,
    augment: bool = False,
    seed: int | None = None,
) -> keras.Model:
    """The 2D CNN LSTM network of Table 2 (section 3.3): a log-mel spectrogram (mel bands x frames) in.

    Output shapes for M x N = 128 x 251: 2C1 128 x 251 x 64, 2P1 64 x 125 x 64, 2P2 16 x 31 x 64,
    2P3 4 x 7 x 128, 2P4 1 x 1 x 128 (Table 2's M/128 x N/128, rounded down by the pooling). The
    features are then "reshaped into a form of a temporal sequence": time (the frame axis) becomes the
    sequence, mel bands x kernels the features. With Table 2's pooling only one time step is left, so the
    LSTM 2L reads a sequence of length 1 (see ``book/03_lstm.ipynb``). Options as
    :func:`build_1d_cnn_lstm`; ``augment=True`` puts a :class:`SpecAugment` layer (:data:`SPEC_AUGMENT`,
    seeded with ``seed``) before 2LFLB1, active in training only.
    """
    inputs = keras.Input(shape=input_shape, name="log_mel")
    x = inputs
    if augment:
        x = SpecAugment(**SPEC_AUGMENT, seed=seed, name="2spec_augment")(x)
    options = dict(bn_momentum=bn_momentum, l2_weight=l2_weight, l2_activity=l2_activity, dtype=dtype)
    x = _blocks(x, 2, filters, pools, **options)
    _, height, width, channels = x.shape
    x = layers.Permute((2, 1, 3), name="2reshape_time_first", dtype=dtype)(x)
    x = layers.Reshape((width, height * channels), name="2reshape_sequence", dtype=dtype)(x)
    outputs = _head(x, n_classes, lstm_units=lstm_units, dropout=dropout, l2_weight=l2_weight, net="2", dtype=dtype)
    return keras.Model(inputs, outputs, name="cnn_lstm_2d")


def layer_table(model: keras.Model) -> list[tuple[str, str, tuple]]:
    """(layer name, layer class, output shape without the batch axis) for every layer: Tables 1 and 2."""
    rows = []
    for layer in model.layers:
        shape = layer.output.shape if hasattr(layer, "output") else None
        rows.append((layer.name, type(layer).__name__, tuple(shape[1:]) if shape is not None else ()))
    return rows


def load_model(path: str | Path) -> keras.Model:
    """Load a saved ``.keras`` model of this module (its custom layers are registered by importing it)."""
    return keras.saving.load_model(path)


# --- Shapes and receptive fields of the LFLBs (Tables 1-2; book/02_lflb.ipynb) ------------------------


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
        if isinstance(layer, (layers.Conv1D, layers.Conv2D)):
            rows.append(LayerGeometry(layer.name, "conv", tuple(layer.kernel_size), tuple(layer.strides),
                                      layer.padding, layer.filters))
        elif isinstance(layer, (layers.MaxPooling1D, layers.MaxPooling2D)):
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
    return model_geometry(spec) if isinstance(spec, keras.Model) else list(spec)


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


#: The paper's Tables 1 and 2, "Output Dim" column, as the paper prints it: layer -> (the divisors of each
#: spatial axis, kernels). Table 1: L/4^k x kernels; Table 2: M/d x N/d x kernels. Quoted, not computed.
PAPER_OUTPUT_DIMS = {
    1: {
        "1LFLB1_conv": ((1,), 64), "1LFLB1_pool": ((4,), 64),
        "1LFLB2_conv": ((4,), 64), "1LFLB2_pool": ((16,), 64),
        "1LFLB3_conv": ((16,), 128), "1LFLB3_pool": ((64,), 128),
        "1LFLB4_conv": ((64,), 128), "1LFLB4_pool": ((256,), 128),
    },
    2: {
        "2LFLB1_conv": ((1, 1), 64), "2LFLB1_pool": ((2, 2), 64),
        "2LFLB2_conv": ((2, 2), 64), "2LFLB2_pool": ((8, 8), 64),
        "2LFLB3_conv": ((8, 8), 128), "2LFLB3_pool": ((32, 32), 128),
        "2LFLB4_conv": ((32, 32), 128), "2LFLB4_pool": ((128, 128), 128),
    },
}


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
