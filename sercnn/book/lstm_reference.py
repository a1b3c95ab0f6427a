"""A NumPy LSTM cell: the paper's eqs. (6)-(10) (section 3.1.2), checked against ``keras.layers.LSTM``.

The weights are stored as Keras stores them, so a layer of a built network runs here unchanged:
``W`` (``kernel``, inputs x 4 units), ``U`` (``recurrent_kernel``, units x 4 units) and ``b`` (``bias``,
4 units), each the four gates side by side in Keras' order **i, f, c, o** (input gate, forget gate, cell
candidate, output gate). In the paper's notation, with ``x_t = z_t^{l-1}`` and ``h_t = z_t^l``:

- (6) ``f_t = sigmoid(W_f x_t + U_f h_{t-1} + b_f)``
- (7) ``i_t = sigmoid(W_i x_t + U_i h_{t-1} + b_i)``
- (8) ``o_t = sigmoid(W_o x_t + U_o h_{t-1} + b_o)``
- (9) ``c_t = f_t * c_{t-1} + i_t * g_t`` with the candidate ``g_t = tanh(W_c x_t + U_c h_{t-1} + b_c)``
- (10) ``h_t = o_t * tanh(c_t)``: the standard output equation. The paper prints
  ``z_t^l = o_t * z_{t-1}^l + c_t`` instead (a misprint: it never uses the ``sigma_z`` it defines);
  ``eq10="as_printed"`` computes that, for comparison only.

Notebook: ``book/03_lstm.ipynb``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

#: Keras' order of the four gate blocks in ``kernel``, ``recurrent_kernel`` and ``bias``.
KERAS_GATE_ORDER = ("i", "f", "c", "o")
#: The arrays a step or a sequence returns: hidden state, cell state, and the gates (g: the candidate).
TRACE_KEYS = ("h", "c", "i", "f", "o", "g")

Eq10 = Literal["standard", "as_printed"]


def sigmoid(x: np.ndarray) -> np.ndarray:
    """The logistic function, the paper's ``sigma_g`` (eqs. 6-8), computed without overflow."""
    x = np.asarray(x, dtype=np.float64)
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


@dataclass(frozen=True)
class LSTMWeights:
    """One LSTM layer's parameters in Keras' layout (gate order i, f, c, o), as float64.

    ``W``: (n_inputs, 4 * units), ``U``: (units, 4 * units), ``b``: (4 * units,).
    """

    W: np.ndarray
    U: np.ndarray
    b: np.ndarray

    def __post_init__(self) -> None:
        units = self.U.shape[0]
        if self.U.shape != (units, 4 * units) or self.W.shape[1] != 4 * units or self.b.shape != (4 * units,):
            raise ValueError(f"inconsistent LSTM weights: W {self.W.shape}, U {self.U.shape}, b {self.b.shape}")

    @property
    def units(self) -> int:
        return self.U.shape[0]

    @property
    def n_inputs(self) -> int:
        return self.W.shape[0]

    def gate(self, name: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(W_name, U_name, b_name)`` of one gate, ``name`` in ``"ifco"`` (paper's subscripts, eqs. 6-9)."""
        k = KERAS_GATE_ORDER.index(name)
        s = slice(k * self.units, (k + 1) * self.units)
        return self.W[:, s], self.U[:, s], self.b[s]

    @classmethod
    def from_arrays(cls, kernel, recurrent_kernel, bias=None) -> LSTMWeights:
        """From Keras' three arrays (``layer.get_weights()``); no bias means zeros."""
        U = np.asarray(recurrent_kernel, dtype=np.float64)
        b = np.zeros(U.shape[1]) if bias is None else np.asarray(bias, dtype=np.float64)
        return cls(np.asarray(kernel, dtype=np.float64), U, b)

    @classmethod
    def random(cls, n_inputs: int, units: int, seed: int = 0, scale: float = 1.0) -> LSTMWeights:
        """Random weights drawn like Keras' defaults (Glorot-uniform kernel, orthogonal recurrent kernel,
        forget-gate bias 1), times ``scale``: a stand-in for an untrained layer."""
        rng = np.random.default_rng(seed)
        limit = np.sqrt(6.0 / (n_inputs + 4 * units))
        W = rng.uniform(-limit, limit, (n_inputs, 4 * units))
        q, r = np.linalg.qr(rng.standard_normal((4 * units, units)))
        U = (q * np.sign(np.diag(r))).T
        b = np.zeros(4 * units)
        b[units : 2 * units] = 1.0
        return cls(scale * W, scale * U, b)


def lstm_step(
    x: np.ndarray,
    h_prev: np.ndarray,
    c_prev: np.ndarray,
    weights: LSTMWeights,
    *,
    eq10: Eq10 = "standard",
) -> dict[str, np.ndarray]:
    """One time step, eqs. (6)-(10): the new ``h`` and ``c`` and the gates ``i``, ``f``, ``o``, ``g``.

    ``x`` is (..., n_inputs), ``h_prev`` and ``c_prev`` (..., units); leading axes are a batch.
    ``eq10="as_printed"`` replaces the standard ``h = o * tanh(c)`` by the paper's printed eq. (10),
    ``h = o * h_prev + c``.
    """
    z = np.asarray(x, dtype=np.float64) @ weights.W + np.asarray(h_prev, dtype=np.float64) @ weights.U + weights.b
    zi, zf, zc, zo = np.split(z, 4, axis=-1)  # Keras' order i, f, c, o
    i, f, o = sigmoid(zi), sigmoid(zf), sigmoid(zo)  # eqs. (7), (6), (8)
    g = np.tanh(zc)  # sigma_c(W_c x + U_c h + b_c) of eq. (9)
    c = f * c_prev + i * g  # eq. (9)
    if eq10 == "standard":
        h = o * np.tanh(c)  # eq. (10), standard form
    elif eq10 == "as_printed":
        h = o * h_prev + c  # eq. (10) as the paper prints it
    else:
        raise ValueError(f"eq10 must be 'standard' or 'as_printed', got {eq10!r}")
    return {"h": h, "c": c, "i": i, "f": f, "o": o, "g": g}


def lstm_sequence(
    xs: np.ndarray,
    weights: LSTMWeights,
    h0: np.ndarray | None = None,
    c0: np.ndarray | None = None,
    *,
    eq10: Eq10 = "standard",
) -> dict[str, np.ndarray]:
    """Run :func:`lstm_step` over a sequence ``xs`` of shape (T, n_inputs) or (batch, T, n_inputs).

    Returns every step's ``h``, ``c``, ``i``, ``f``, ``o``, ``g``, each (T, units) or (batch, T, units).
    The initial states default to zeros, as in Keras.
    """
    xs = np.asarray(xs, dtype=np.float64)
    batch = xs.shape[:-2]
    h = np.zeros((*batch, weights.units)) if h0 is None else np.asarray(h0, dtype=np.float64)
    c = np.zeros((*batch, weights.units)) if c0 is None else np.asarray(c0, dtype=np.float64)
    trace: dict[str, list[np.ndarray]] = {k: [] for k in TRACE_KEYS}
    for t in range(xs.shape[-2]):
        step = lstm_step(xs[..., t, :], h, c, weights, eq10=eq10)
        h, c = step["h"], step["c"]
        for k in TRACE_KEYS:
            trace[k].append(step[k])
    return {k: np.stack(v, axis=-2) if v else np.zeros((*batch, 0, weights.units)) for k, v in trace.items()}


def keras_weights(layer) -> LSTMWeights:
    """The weights of a ``keras.layers.LSTM`` (its ``kernel``, ``recurrent_kernel``, ``bias``; gate order
    i, f, c, o). Raises ``ValueError`` for a layer this reference does not compute (other activations)."""
    import keras

    act = keras.activations.serialize(layer.activation)
    rec = keras.activations.serialize(layer.recurrent_activation)
    if act != "tanh" or rec != "sigmoid":
        raise ValueError(f"the reference computes tanh/sigmoid LSTMs; layer {layer.name} has {act}/{rec}")
    return LSTMWeights.from_arrays(*layer.get_weights())


def run_keras_lstm(layer, xs: np.ndarray) -> dict[str, np.ndarray]:
    """The reference run over ``xs`` with the weights of a Keras LSTM layer (see :func:`lstm_sequence`)."""
    return lstm_sequence(xs, keras_weights(layer))


def keras_sequences(layer, xs: np.ndarray) -> dict[str, np.ndarray]:
    """What Keras computes with ``layer``'s weights on ``xs`` (batch, T, n_inputs): every step's ``h`` and
    the last ``c`` (a copy of the layer with ``return_sequences`` and ``return_state``)."""
    import keras

    config = {**layer.get_config(), "return_sequences": True, "return_state": True, "name": layer.name + "_copy"}
    config["dtype"] = "float32"
    copy = keras.layers.LSTM.from_config(config)
    xs = np.asarray(xs, dtype=np.float32)
    copy.build(xs.shape)
    copy.set_weights(layer.get_weights())
    seq, _, c = copy(xs)
    return {"h": keras.ops.convert_to_numpy(seq), "c_last": keras.ops.convert_to_numpy(c)}


def compare_with_keras(layer, xs: np.ndarray) -> dict[str, float]:
    """Max absolute differences between Keras' LSTM and this reference on the same weights and input
    (``xs``: batch, T, n_inputs): over every step's ``h``, and over the last ``c``."""
    ours = run_keras_lstm(layer, xs)
    theirs = keras_sequences(layer, xs)
    return {
        "h, every step": float(np.max(np.abs(ours["h"] - theirs["h"]))),
        "c, last step": float(np.max(np.abs(ours["c"][..., -1, :] - theirs["c_last"]))),
    }


def single_step_as_dense(x: np.ndarray, weights: LSTMWeights) -> np.ndarray:
    """An LSTM's output after ONE step from ``h0 = c0 = 0``, computed as a feed-forward layer:
    ``h = sigmoid(W_o x + b_o) * tanh(sigmoid(W_i x + b_i) * tanh(W_c x + b_c))``.

    With a sequence of length one (the 2D network, Table 2) ``U`` multiplies zeros and the forget gate
    multiplies ``c0 = 0``: neither matters, and the layer is a dense layer with a gated activation.
    """
    x = np.asarray(x, dtype=np.float64)
    W_i, _, b_i = weights.gate("i")
    W_c, _, b_c = weights.gate("c")
    W_o, _, b_o = weights.gate("o")
    return sigmoid(x @ W_o + b_o) * np.tanh(sigmoid(x @ W_i + b_i) * np.tanh(x @ W_c + b_c))


def padded_state_distance(
    weights: LSTMWeights,
    seq_a: np.ndarray,
    seq_b: np.ndarray,
    n_pad: int,
    pad_input: np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    """How two sequences' LSTM states come together while the same padding follows both (Notebook:
    ``book/03_lstm.ipynb``, why end padding hurts the 1D network, ``sercnn.experiment.PADDING``).

    Runs ``seq_a`` and ``seq_b`` (each (T, n_inputs), lengths may differ), then ``n_pad`` steps of
    ``pad_input`` (zeros by default: what a padded input looks like to the cell). Returns ``steps``
    (0..n_pad) and the Euclidean distances ``h`` and ``c`` between the two states after each padded step.
    """
    pad = np.zeros(weights.n_inputs) if pad_input is None else np.asarray(pad_input, dtype=np.float64)
    padding = np.broadcast_to(pad, (n_pad, weights.n_inputs))
    runs = [lstm_sequence(np.concatenate([np.asarray(s, dtype=np.float64), padding]), weights) for s in (seq_a, seq_b)]
    out: dict[str, np.ndarray] = {"steps": np.arange(n_pad + 1)}
    for key in ("h", "c"):
        ends = []
        for seq, run in zip((seq_a, seq_b), runs):
            start = len(seq) - 1
            # the state after the last real step (row start; zeros for an empty sequence), then each pad step
            before = run[key][start : start + 1] if start >= 0 else np.zeros((1, weights.units))
            ends.append(np.concatenate([before, run[key][len(seq) :]]))
        out[key] = np.linalg.norm(ends[0] - ends[1], axis=-1)
    return out


# --- What the LSTM reads in each network (Tables 1 and 2) -------------------------------------------------


def lstm_layer(model):
    """The (only) ``keras.layers.LSTM`` of a CNN LSTM network (1L or 2L)."""
    import keras

    found = [layer for layer in model.layers if isinstance(layer, keras.layers.LSTM)]
    if len(found) != 1:
        raise ValueError(f"model {model.name} has {len(found)} LSTM layers, expected 1")
    return found[0]


def lstm_input_model(model):
    """The network up to its LSTM: a Keras model from the network's input to the sequence the LSTM reads
    (the four LFLBs and, for the 2D network, the reshape). Notebook: ``book/03_lstm.ipynb``."""
    import keras

    return keras.Model(model.inputs, lstm_layer(model).input, name=f"{model.name}_front_end")


def time_stride(model) -> int:
    """How many input time units (samples for 1D, frames for 2D: the width axis) one LSTM step covers:
    the product of the max-pooling strides along time (Table 1: 4^4 = 256; Table 2: 2 * 4^3 = 128)."""
    import keras

    stride = 1
    for layer in model.layers:
        if isinstance(layer, keras.layers.MaxPooling1D):
            stride *= layer.strides[0]
        elif isinstance(layer, keras.layers.MaxPooling2D):
            stride *= layer.strides[1]
    return stride


def lstm_input_table(models: dict, seconds_per_input_step: dict):
    """One row per network: its input shape, the shape of the sequence its LSTM reads (steps x features),
    and how much audio one step and the whole sequence cover. ``seconds_per_input_step``: per network, the
    duration of one input time unit (1 / sample rate for 1D, hop / sample rate for 2D)."""
    import pandas as pd

    rows = []
    for name, model in models.items():
        seq = lstm_layer(model).input.shape
        unit = seconds_per_input_step[name]
        rows.append({
            "network": name,
            "input shape": tuple(model.inputs[0].shape[1:]),
            "LSTM input (steps, features)": tuple(seq[1:]),
            "LSTM steps": int(seq[1]),
            "input units per step": time_stride(model),
            "seconds per step": time_stride(model) * unit,
            "seconds the LSTM reads": int(seq[1]) * time_stride(model) * unit,
        })
    return pd.DataFrame(rows).set_index("network")


def n_speech_steps(y: np.ndarray, samples_per_step: int) -> int:
    """How many LSTM steps of the 1D network hold speech in a clip ``y`` padded at the end: the steps up to
    the last non-zero sample (after it, the LSTM reads only padding)."""
    nonzero = np.flatnonzero(np.asarray(y))
    return 0 if len(nonzero) == 0 else int(np.ceil((nonzero[-1] + 1) / samples_per_step))
