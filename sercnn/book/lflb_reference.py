"""NumPy references of the local feature learning block, eqs. (1)-(5) of the paper (section 3.1.1):
convolution, batch normalisation, ELU and max pooling, each set beside the Keras layer that
:func:`sercnn.models.lflb` uses, on the same input and weights (as ``sercnn.book.lstm_reference`` does for the
LSTM).

Notebook: ``book/02_lflb.ipynb``.
"""

from __future__ import annotations

import keras
import numpy as np

from ..models import lflb

#: Keras' BatchNormalization epsilon (its default; the paper does not give one).
BN_EPSILON = 1e-3
#: Keras' ELU alpha (its default; the paper's eq. (4) only asks alpha > 0).
ELU_ALPHA = 1.0


def conv1d_reference(x: np.ndarray, w: np.ndarray, b: np.ndarray | None = None, *, flip: bool = True) -> np.ndarray:
    """Eqs. (1) and (3) in NumPy: 'same' 1D convolution of ``x`` (length, in channels) with ``w``
    (kernel, in channels, out channels), summed over input channels, plus bias: (length, out channels).

    ``flip=True`` is the paper's convolution, ``sum_m x(m) w(n - m)`` (the kernel reversed);
    ``flip=False`` is what Keras' ``Conv1D`` computes, a cross-correlation ``sum_m x(n + m) w(m)``. The
    two agree when the kernel is reversed, and as the kernel is learned the difference does not matter.
    Zero padding as Keras' "same": ``(k - 1) // 2`` zeros before, the rest after.
    Notebook: ``book/02_lflb.ipynb``.
    """
    x = np.asarray(x, dtype=np.float64)
    w = np.asarray(w, dtype=np.float64)
    if x.ndim == 1:
        x = x[:, None]
    if w.ndim == 1:
        w = w[:, None, None]
    k = w.shape[0]
    if flip:
        w = w[::-1]
    before = (k - 1) // 2
    xp = np.pad(x, ((before, k - 1 - before), (0, 0)))
    windows = np.stack([xp[i : i + len(x)] for i in range(k)], axis=1)  # (length, k, in)
    z = np.einsum("lki,kio->lo", windows, w)
    return z + (0.0 if b is None else np.asarray(b, dtype=np.float64))


def conv2d_reference(x: np.ndarray, w: np.ndarray, b: np.ndarray | None = None, *, flip: bool = True) -> np.ndarray:
    """Eqs. (2) and (3) in NumPy: 'same' 2D convolution of ``x`` (height, width, in channels) with ``w``
    (a, b, in channels, out channels) plus bias: (height, width, out channels). ``flip`` as
    :func:`conv1d_reference` (True: the paper's convolution, kernel reversed on both axes; False: Keras'
    ``Conv2D``). Notebook: ``book/02_lflb.ipynb``.
    """
    x = np.asarray(x, dtype=np.float64)
    w = np.asarray(w, dtype=np.float64)
    if x.ndim == 2:
        x = x[:, :, None]
    if w.ndim == 2:
        w = w[:, :, None, None]
    ka, kb = w.shape[:2]
    if flip:
        w = w[::-1, ::-1]
    pa, pb = (ka - 1) // 2, (kb - 1) // 2
    xp = np.pad(x, ((pa, ka - 1 - pa), (pb, kb - 1 - pb), (0, 0)))
    h, wd = x.shape[:2]
    z = np.zeros((h, wd, w.shape[3]))
    for s in range(ka):
        for t in range(kb):
            z += xp[s : s + h, t : t + wd] @ w[s, t]
    return z + (0.0 if b is None else np.asarray(b, dtype=np.float64))


def batch_norm_reference(
    z: np.ndarray,
    gamma: np.ndarray | float = 1.0,
    beta: np.ndarray | float = 0.0,
    *,
    mean: np.ndarray | None = None,
    variance: np.ndarray | None = None,
    epsilon: float = BN_EPSILON,
) -> np.ndarray:
    """BN of eq. (3) in NumPy, per channel (last axis): ``gamma (z - mu) / sqrt(var + eps) + beta``.

    Without ``mean``/``variance`` it uses the statistics of the batch ``z`` itself over every axis but the
    last (training mode; the biased variance, as Keras); with them, the given moving statistics
    (inference mode). Notebook: ``book/02_lflb.ipynb``.
    """
    z = np.asarray(z, dtype=np.float64)
    axes = tuple(range(z.ndim - 1))
    mu = z.mean(axis=axes) if mean is None else np.asarray(mean, dtype=np.float64)
    var = z.var(axis=axes) if variance is None else np.asarray(variance, dtype=np.float64)
    return gamma * (z - mu) / np.sqrt(var + epsilon) + beta


def elu_reference(x: np.ndarray, alpha: float = ELU_ALPHA) -> np.ndarray:
    """Eq. (4): ``x`` where ``x >= 0``, ``alpha (exp(x) - 1)`` where ``x < 0``. Notebook: ``book/02_lflb.ipynb``."""
    x = np.asarray(x, dtype=np.float64)
    return np.where(x >= 0, x, alpha * np.expm1(np.minimum(x, 0.0)))


def max_pool_reference(z: np.ndarray, pool: int | tuple[int, ...]) -> np.ndarray:
    """Eq. (5): the maximum over each non-overlapping region Omega_k of size ``pool`` (= stride), on the
    leading (spatial) axes of ``z``; a last axis beyond ``len(pool)`` is channels. Like Keras' "valid"
    pooling, a remainder shorter than the pool at the end of an axis is dropped (floor).
    Notebook: ``book/02_lflb.ipynb``.
    """
    z = np.asarray(z, dtype=np.float64)
    pool = (pool,) if isinstance(pool, int) else tuple(pool)
    spatial = len(pool)
    out_shape = [n // p for n, p in zip(z.shape[:spatial], pool)]
    z = z[tuple(slice(0, o * p) for o, p in zip(out_shape, pool))]
    split = []
    for o, p in zip(out_shape, pool):
        split += [o, p]
    blocks = z.reshape(*split, *z.shape[spatial:])
    return blocks.max(axis=tuple(range(1, 2 * spatial, 2)))


def lflb_reference(
    x: np.ndarray,
    kernel: np.ndarray,
    bias: np.ndarray,
    gamma: np.ndarray,
    beta: np.ndarray,
    pool: int | tuple[int, int],
    *,
    mean: np.ndarray | None = None,
    variance: np.ndarray | None = None,
    epsilon: float = BN_EPSILON,
    alpha: float = ELU_ALPHA,
    flip: bool = False,
) -> dict[str, np.ndarray]:
    """One LFLB, eqs. (1)/(2)-(5), in NumPy on a batch ``x`` (batch, length, channels) or (batch, height,
    width, channels): each step's output, keyed ``conv``, ``bn``, ``elu``, ``pool``.

    ``kernel`` and ``bias`` as Keras stores them (``flip=False``: Keras' cross-correlation). ``mean`` and
    ``variance`` None: BN in training mode (batch statistics), else inference mode.
    Notebook: ``book/02_lflb.ipynb``.
    """
    x = np.asarray(x, dtype=np.float64)
    conv = conv1d_reference if x.ndim == 3 else conv2d_reference
    z = np.stack([conv(xi, kernel, bias, flip=flip) for xi in x])
    bn = batch_norm_reference(z, gamma, beta, mean=mean, variance=variance, epsilon=epsilon)
    act = elu_reference(bn, alpha)
    pooled = np.stack([max_pool_reference(a, pool) for a in act])
    return {"conv": z, "bn": bn, "elu": act, "pool": pooled}


def keras_lflb_steps(
    x: np.ndarray,
    kernel: np.ndarray,
    bias: np.ndarray,
    gamma: np.ndarray,
    beta: np.ndarray,
    pool: int | tuple[int, int],
    *,
    mean: np.ndarray | None = None,
    variance: np.ndarray | None = None,
    training: bool = False,
) -> dict[str, np.ndarray]:
    """One Keras :func:`lflb` with the given weights (``kernel`` (k, in, out) or (a, b, in, out) as Keras
    stores it) run on the batch ``x``: each step's output keyed ``conv``, ``bn``, ``elu``, ``pool``, to set
    beside :func:`lflb_reference`. ``training``: BN on batch statistics, else on the moving statistics
    ``mean``/``variance`` (default 0 and 1). Notebook: ``book/02_lflb.ipynb``."""
    x = np.asarray(x, dtype="float32")
    kernel = np.asarray(kernel, dtype="float32")
    filters = kernel.shape[-1]
    inputs = keras.Input(x.shape[1:])
    out = lflb(inputs, filters, pool, x.ndim - 2, name="ref")
    steps = ["conv", "bn", "elu", "pool"]
    model = keras.Model(inputs, out)
    probe = keras.Model(inputs, [model.get_layer(f"ref_{step}").output for step in steps])
    model.get_layer("ref_conv").set_weights([kernel, np.asarray(bias, dtype="float32")])
    ones, zeros = np.ones(filters), np.zeros(filters)
    stats = [gamma, beta, zeros if mean is None else mean, ones if variance is None else variance]
    model.get_layer("ref_bn").set_weights([np.broadcast_to(np.asarray(v, "float32"), (filters,)) for v in stats])
    return {step: keras.ops.convert_to_numpy(t) for step, t in zip(steps, probe(x, training=training))}


def compare_lflb_with_keras(
    dim: int = 1,
    *,
    input_shape: tuple[int, ...] | None = None,
    filters: int = 4,
    pool: int | tuple[int, int] | None = None,
    batch: int = 3,
    training: bool = False,
    seed: int = 0,
) -> tuple[dict[str, float], dict[str, np.ndarray]]:
    """Run :func:`keras_lflb_steps` and :func:`lflb_reference` on the same random batch and weights:
    random kernel, bias, BN scale/offset and moving statistics (so that inference mode is not the
    identity). Returns (the largest absolute difference per step, the Keras outputs per step).
    ``training`` runs BN on batch statistics. Notebook: ``book/02_lflb.ipynb``."""
    rng = np.random.default_rng(seed)
    input_shape = input_shape or ((16, 2) if dim == 1 else (8, 10, 2))
    pool = pool or (4 if dim == 1 else (2, 2))
    kernel = rng.normal(size=(*(3,) * dim, input_shape[-1], filters)).astype("float32")
    bias = rng.normal(size=filters).astype("float32")
    gamma, beta = rng.uniform(0.5, 2.0, filters), rng.normal(size=filters)
    mean, var = rng.normal(size=filters), rng.uniform(0.5, 3.0, filters)
    if training:
        mean = var = None
    x = rng.normal(size=(batch, *input_shape)).astype("float32")
    got = keras_lflb_steps(x, kernel, bias, gamma, beta, pool, mean=mean, variance=var, training=training)
    ref = lflb_reference(x, kernel, bias, gamma, beta, pool, mean=mean, variance=var)
    return {step: float(np.max(np.abs(ref[step] - got[step]))) for step in got}, got
