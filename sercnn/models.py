"""The paper's networks (section 3): the local feature learning block and the 1D and 2D CNN LSTM networks.

Only ``keras.layers``/``keras.ops`` are used, so the same models run under ``KERAS_BACKEND`` tensorflow
(the default), jax and torch.

- :func:`lflb`: Conv (kernel 3, stride 1, same padding) + BatchNorm + ELU + MaxPool, eqs. (1)-(5), Fig. 3.
- :func:`build_1d_cnn_lstm`: Table 1, four 1D LFLBs (64, 64, 128, 128 kernels, pool 4) + LSTM(256) + softmax.
- :func:`build_2d_cnn_lstm`: Table 2, four 2D LFLBs (64, 64, 128, 128 kernels, pools 2, 4, 4, 4) +
  LSTM(256) + softmax.

Output shapes and receptive fields of these layers, without building them: :mod:`sercnn.geometry`.

Notebooks: ``book/02_lflb.ipynb``, ``book/04_1d_cnn_lstm.ipynb``, ``book/05_2d_cnn_lstm.ipynb``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import keras
from keras import layers, regularizers

from .config import BN_MOMENTUM  # the measurement that chose it: sercnn.config
from .geometry import FILTERS, POOLS_1D, POOLS_2D  # Tables 1 and 2; their shapes and receptive fields: geometry

#: Width of the LSTM layer, Tables 1 and 2 (1L, 2L: 256).
LSTM_UNITS = 256


@keras.saving.register_keras_serializable(package="sercnn")
class FusedBatchNormalization(layers.BatchNormalization):
    """Keras' ``BatchNormalization`` (same weights, config and math), computed by one fused op on TensorFlow.

    Keras 3 normalises with separate moment and element-wise ops, each a full pass over the activation;
    in the first LFLB that is 16 x 128000 x 64 floats per batch (1D) and BatchNorm took about a third of
    a training step on 2 CPU cores. TensorFlow's ``FusedBatchNormV3`` (oneDNN) does it in one pass:
    training ran 1.5x faster in float32 (``bench/NOTES.md``). Only there was it measured, so only there is it
    used (:func:`use_fused_batch_norm`): on a GPU, on JAX and torch (a saved model loaded there too), and for
    masks, renorm or synchronized BN, the parent layer runs unchanged, so models stay backend-neutral.
    """

    def call(self, inputs, training=None, mask=None):
        ndim = len(inputs.shape)
        if (
            not use_fused_batch_norm()
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


def use_fused_batch_norm() -> bool:
    """Whether BatchNorm runs as TensorFlow's fused op: where it was measured to help, the TensorFlow backend
    on a CPU (no GPU or TPU visible); Keras' own ``BatchNormalization`` everywhere else."""
    from . import devices

    return keras.backend.backend() == "tensorflow" and devices.accelerator().kind == "cpu"


def batch_norm_layer(**kwargs) -> layers.BatchNormalization:
    """A BatchNorm layer: :class:`FusedBatchNormalization` where :func:`use_fused_batch_norm`, else Keras' own
    (the model's layer table, and so its run record, names which)."""
    cls = FusedBatchNormalization if use_fused_batch_norm() else layers.BatchNormalization
    return cls(**kwargs)


def numerics(model: keras.Model) -> dict:
    """How ``model`` computes, for its run record: the precision of its BatchNorm layers (their Keras dtype
    policy) and which BatchNorm layer it uses (:func:`batch_norm_layer`)."""
    norms = [layer for layer in model.layers if isinstance(layer, layers.BatchNormalization)]
    if not norms:
        return {}
    return {"precision": norms[0].dtype_policy.name, "batch_norm": type(norms[0]).__name__}


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
    x = batch_norm_layer(momentum=bn_momentum, name=f"{prefix}_bn", dtype=dtype)(x)
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


def load_model(path: str | Path) -> keras.Model:
    """Load a saved ``.keras`` model of this module (its custom layers are registered by importing it)."""
    return keras.saving.load_model(path)
